import type { FragmentMode } from '../config/types.js';
import { transcode } from '../html/charset.js';
import { scanBuffer, type Marker } from '../html/scan-page.js';
import { SSI_ERROR_TEXT, failureComment, localErrorBox } from './error-box.js';
import type { FragmentEnd, FragmentInfo } from './events.js';
import { fetchFragment, FragmentFetchError, type FetchedFragment, type FetchFragmentOptions } from './fetch-fragment.js';
import { localUrlFor } from './fragment-match.js';
import type { PageContext } from './page-context.js';

/**
 * Turns one include marker into the bytes that replace it, the way the production edge would:
 * the fragment from production or from the developer's local service (by mode), its own
 * includes resolved recursively, failures handled by the dialect's rules. Never rejects.
 */

/** Nesting deeper than this is reported instead of followed (production edges stop at ~5–10). */
export const MAX_INCLUDE_DEPTH = 10;
export const DEFAULT_FRAGMENT_TIMEOUT_MS = 3000;

export type IncludeMarker = Extract<Marker, { type: 'ssi' | 'esi-include' | 'tailor' }>;

interface IncludeRequest {
  marker: IncludeMarker;
  /**
   * Told whether production's fragment (or its fallback) was served: a Tailor `primary`
   * fragment decides the page's status. A local fragment always counts as served (its failure
   * is the developer's box, and the page keeps production's status).
   */
  onOutcome?: (served: boolean) => void;
  /** Document the include appeared in (relative srcs resolve against it). */
  base: URL;
  depth: number;
  /** Production URLs of the includes that led here, to detect loops. */
  chain: readonly string[];
}

export function resolveInclude(ctx: PageContext, request: IncludeRequest): Promise<Buffer> {
  return resolveIncludeText(ctx, request).then((text) => (typeof text === 'string' ? Buffer.from(text, 'utf8') : text));
}

function resolveIncludeText(ctx: PageContext, request: IncludeRequest): Promise<Buffer | string> {
  const outcome = resolveIncludeOutcome(ctx, request);
  const { onOutcome } = request;
  if (onOutcome) void outcome.then(({ served }) => onOutcome(served));
  return outcome.then(({ bytes }) => bytes);
}

async function resolveIncludeOutcome(ctx: PageContext, { marker, base, depth, chain }: IncludeRequest): Promise<{ bytes: Buffer | string; served: boolean }> {
  const served = (bytes: Buffer | string) => ({ bytes, served: true });
  const failed = (bytes: Buffer | string) => ({ bytes, served: false });
  let url: URL;
  try {
    url = new URL(marker.src, base);
  } catch {
    return failed(failureComment(marker.src, 'not a valid URL'));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return failed(failureComment(marker.src, `only http(s) includes are followed, not ${url.protocol}`));
  }
  if (chain.includes(url.href)) {
    const loop = [...chain, url.href].map((href) => new URL(href).pathname).join(' → ');
    emitError(ctx, fragmentInfo(ctx, undefined, 'prod', marker.src, url, depth), `include loop: ${loop}`, 0);
    return failed(failureComment(marker.src, `include loop not followed: ${loop}`));
  }
  if (depth >= MAX_INCLUDE_DEPTH) {
    return failed(failureComment(marker.src, `nested deeper than ${MAX_INCLUDE_DEPTH} includes; not followed`));
  }

  const fragment = ctx.matchFragment(url);
  const mode: FragmentMode = (fragment && ctx.modes.get(fragment.name)) ?? 'prod';
  if (mode !== 'prod' && fragment?.local) ctx.overridden = true;
  const timeoutMs = fragment?.timeout ?? (marker.type === 'tailor' ? marker.timeout : undefined) ?? DEFAULT_FRAGMENT_TIMEOUT_MS;
  const nextChain = [...chain, url.href];

  if (mode === 'local' && fragment?.local) {
    const localUrl = localUrlFor(fragment, url);
    const info = fragmentInfo(ctx, fragment.name, 'local', marker.src, localUrl, depth);
    return fetchLocal(ctx, info, localUrl, timeoutMs, nextChain).then(served);
  }

  const info = fragmentInfo(ctx, fragment?.name, mode, marker.src, url, depth);
  const prod = fetchAndCompose(ctx, info, timeoutMs, nextChain, url);
  if (mode === 'shadow' && fragment?.local) compareWithLocal(ctx, fragment.name, prod, url.href, localUrlFor(fragment, url), timeoutMs);
  return prod.then(served, (error: unknown) => productionFallback(ctx, info, marker, base, depth, nextChain, timeoutMs, reasonOf(error)));
}

/**
 * The request for one fragment URL, if the include policy lets it be fetched at all (every
 * fetch of the engine comes through here: includes, fallbacks, nested includes, local and
 * shadowed fragments): the page's headers, without the cookies where the policy says so.
 * @throws FragmentFetchError naming the config key that would allow the URL
 */
function fragmentRequest(ctx: PageContext, url: URL, timeoutMs: number): FetchFragmentOptions {
  const decision = ctx.includePolicy(url);
  if (!decision.fetch) throw new FragmentFetchError(decision.reason);
  let headers = ctx.fragmentHeaders;
  if (!decision.cookies && headers.cookie !== undefined) {
    headers = { ...headers };
    delete headers.cookie;
  }
  return { url, headers, timeoutMs, agents: ctx.agents, maxBytes: ctx.maxFragmentBytes, signal: ctx.cancel.signal };
}

/** Fetch a fragment, resolve the includes inside it, and transcode it into the page's charset. */
async function fetchAndCompose(ctx: PageContext, info: FragmentInfo, timeoutMs: number, chain: readonly string[], url = new URL(info.url)): Promise<Buffer> {
  const started = performance.now();
  ctx.events.emit('fragment:start', info);
  let fetched: FetchedFragment;
  try {
    fetched = await fetchFragment(fragmentRequest(ctx, url, timeoutMs));
  } catch (error) {
    const durationMs = performance.now() - started;
    const reason = reasonOf(error);
    emitError(ctx, info, reason, durationMs);
    const status = error instanceof FragmentFetchError ? (error.status ?? 0) : 0;
    const end: FragmentEnd = { ...info, status, durationMs, failed: true, reason };
    ctx.results.push(end);
    ctx.events.emit('fragment:end', end);
    throw error;
  }
  const body = transcode(fetched.body, fetched.charset, ctx.charset);
  const composed = await composeNested(ctx, body, url, info.depth + 1, chain);
  const end: FragmentEnd = { ...info, status: fetched.status, durationMs: performance.now() - started, failed: false };
  ctx.results.push(end);
  ctx.events.emit('fragment:end', end);
  return composed;
}

/**
 * Resolve the include markers inside a fragment (or inside an `<!--esi … -->` block). Relative
 * srcs of a local fragment resolve against the page on upstream, as production would see them.
 */
export async function composeNested(ctx: PageContext, body: Buffer, base: URL, depth: number, chain: readonly string[]): Promise<Buffer> {
  // Most fragments include nothing: a native regex pass rules that out far faster than tokenizing.
  if (!MAY_CONTAIN_INCLUDE.test(body.toString('latin1'))) return body;
  const parts = scanBuffer(body);
  if (parts.length === 1 && Buffer.isBuffer(parts[0])) return body;
  const upstreamBase = base.origin === ctx.pageUrl.origin ? base : ctx.pageUrl;
  const resolved = await Promise.all(
    parts.map((part): Buffer | Promise<Buffer> => {
      if (Buffer.isBuffer(part)) return part;
      return replaceMarker(ctx, part.marker, part.raw, upstreamBase, depth, chain);
    }),
  );
  return Buffer.concat(resolved);
}

/** Bytes for one include-type marker (the page and nested documents share this). */
export function replaceMarker(ctx: PageContext, marker: Marker, raw: Buffer, base: URL, depth: number, chain: readonly string[]): Buffer | Promise<Buffer> {
  switch (marker.type) {
    case 'ssi':
    case 'esi-include':
    case 'tailor':
      return resolveInclude(ctx, { marker, base, depth, chain });
    case 'esi-remove':
      return EMPTY;
    case 'esi-comment':
      return composeNested(ctx, marker.inner, base, depth, chain);
    default:
      return raw;
  }
}

const EMPTY = Buffer.alloc(0);
/** Every include marker starts with one of these (case-insensitive, as the scanner reads them). */
const MAY_CONTAIN_INCLUDE = /<(?:!--\s*#|!--esi|esi:|fragment)/i;

async function productionFallback(
  ctx: PageContext,
  info: FragmentInfo,
  marker: IncludeMarker,
  base: URL,
  depth: number,
  chain: readonly string[],
  timeoutMs: number,
  reason: string,
): Promise<{ bytes: Buffer | string; served: boolean }> {
  const fallbackSrc = marker.type === 'esi-include' ? marker.alt : marker.type === 'tailor' ? marker.fallbackSrc : undefined;
  if (fallbackSrc) {
    emitFallback(ctx, info, fallbackSrc);
    try {
      const fallbackUrl = new URL(fallbackSrc, base);
      const fallbackInfo = { ...info, src: fallbackSrc, url: fallbackUrl.href };
      return { bytes: await fetchAndCompose(ctx, fallbackInfo, timeoutMs, chain), served: true };
    } catch (error) {
      reason = `${reason}; fallback ${fallbackSrc}: ${reasonOf(error)}`;
    }
  }
  if (marker.type === 'esi-include' && marker.onerror === 'continue') {
    emitFallback(ctx, info, 'continue');
    return { bytes: EMPTY, served: false };
  }
  if (marker.type === 'ssi') {
    emitFallback(ctx, info, 'error-text');
    return { bytes: SSI_ERROR_TEXT + failureComment(marker.src, reason), served: false };
  }
  emitFallback(ctx, info, 'comment');
  return { bytes: failureComment(marker.src, reason), served: false };
}

/**
 * A local fragment: its bytes, or the developer's error box naming the URL and the reason. The
 * page's status is never touched by a local failure.
 */
export function fetchLocal(ctx: PageContext, info: FragmentInfo, localUrl: URL, timeoutMs: number, chain: readonly string[]): Promise<Buffer | string> {
  return fetchAndCompose(ctx, info, timeoutMs, chain, localUrl).catch((error: unknown) => {
    emitFallback(ctx, info, 'error-box');
    return localErrorBox(info.name!, localUrl.href, reasonOf(error));
  });
}

/**
 * Shadow mode: production's bytes are served; the local service is asked too, and the two are
 * compared once both are in. Never delays or changes the page.
 */
export function compareWithLocal(ctx: PageContext, name: string, prod: Promise<Buffer>, prodUrl: string, localUrl: URL, timeoutMs: number): void {
  const compareShadow = ctx.compareShadow;
  if (!compareShadow) return;
  const local = Promise.resolve(localUrl).then((url) => fetchFragment(fragmentRequest(ctx, url, timeoutMs))).then((f) =>
    transcode(f.body, f.charset, ctx.charset),
  );
  void Promise.allSettled([prod, local])
    .then(([p, l]) => compareShadow({ page: ctx.page, name, prodUrl, localUrl: localUrl.href, charset: ctx.charset, prod: p, local: l }))
    .then((result) => ctx.events.emit('shadow:result', result))
    .catch(() => undefined);
}

function fragmentInfo(ctx: PageContext, name: string | undefined, mode: FragmentMode, src: string, url: URL, depth: number): FragmentInfo {
  return { page: ctx.page, name, mode, src, url: url.href, depth };
}

function emitError(ctx: PageContext, info: FragmentInfo, reason: string, durationMs: number) {
  ctx.events.emit('fragment:error', { ...info, reason, durationMs });
}

function emitFallback(ctx: PageContext, info: FragmentInfo, fallback: string) {
  ctx.events.emit('fragment:fallback', { ...info, fallback });
}

function reasonOf(error: unknown): string {
  return error instanceof FragmentFetchError ? error.reason : error instanceof Error ? error.message : String(error);
}

export { reasonOf };
