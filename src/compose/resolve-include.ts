import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { FragmentMode } from '../config/types.js';
import { transcode } from '../html/charset.js';
import { decodeSourceText } from '../html/marker-attributes.js';
import { scanBuffer, type Marker } from '../html/scan-page.js';
import { escapeControlChars } from '../http/control-chars.js';
import { createDebugger } from '../logger.js';
import { SSI_ERROR_TEXT, failureComment, localErrorBox } from './error-box.js';
import { evaluateEsiBlock, type EsiAttemptScope } from './esi/evaluate.js';
import { interpolate } from './esi/expression.js';
import { esiRequest, type EsiRequest } from './esi/variables.js';
import { looksLikeMarkup, varnishInvalidSrc, varnishUnknownBlock } from './esi/varnish.js';
import type { FragmentEnd, FragmentInfo } from './events.js';
import { fetchFragment, FragmentFetchError, type FetchedFragment, type FetchFragmentOptions } from './fetch-fragment.js';
import { localUrlFor } from '../config/fragment-match.js';
import type { PageContext } from './page-context.js';
import { evaluateDocument } from './ssi/document.js';
import type { SsiEnv } from './ssi/types.js';
import { SsiPageState, type SsiRequestInfo } from './ssi/variables.js';
import { tailorFragmentHeaders } from './tailor/fragment-headers.js';

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
  /** The marker's source bytes (a paired Tailor `<fragment>` may hold nested ones). */
  raw?: Buffer;
  /** Told production's answer (status, headers) once the fragment or its fallback was had. */
  onResponse?: (response: { status: number; headers: IncomingHttpHeaders }) => void;
}

/** How one include's requests are made: the headers, which statuses count, who hears the answer. */
interface FetchPolicy {
  headers: OutgoingHttpHeaders;
  acceptStatus?: (status: number) => boolean;
  onResponse?: IncludeRequest['onResponse'];
}

/** Tailor counts any answer below 500 as the fragment (requestFragment rejects only on >= 500). */
const tailorAcceptStatus = (status: number) => status >= 200 && status < 500;

function fetchPolicy(ctx: PageContext, marker: IncludeMarker, onResponse: IncludeRequest['onResponse']): FetchPolicy {
  if (marker.type !== 'tailor') return { headers: ctx.fragmentHeaders, onResponse };
  return { headers: tailorFragmentHeaders(ctx.fragmentHeaders, ctx.pageUrl, marker.attributes, ctx.presetCookieNames), acceptStatus: tailorAcceptStatus, onResponse };
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

async function resolveIncludeOutcome(ctx: PageContext, { marker, base, depth, chain, onResponse, raw }: IncludeRequest): Promise<{ bytes: Buffer | string; served: boolean }> {
  const served = (bytes: Buffer | string) => ({ bytes, served: true });
  const failed = (bytes: Buffer | string) => ({ bytes, served: false });
  let url: URL;
  try {
    url = new URL(marker.src, base);
  } catch {
    return failed(note(ctx, marker.src, 'not a valid URL'));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return failed(note(ctx, marker.src, `only http(s) includes are followed, not ${url.protocol}`));
  }
  if (chain.includes(url.href)) {
    const loop = [...chain, url.href].map((href) => new URL(href).pathname).join(' → ');
    emitError(ctx, fragmentInfo(ctx, undefined, 'prod', marker.src, url, depth), `include loop: ${loop}`, 0);
    return failed(note(ctx, marker.src, `include loop not followed: ${loop}`));
  }
  if (depth >= MAX_INCLUDE_DEPTH) {
    return failed(note(ctx, marker.src, `nested deeper than ${MAX_INCLUDE_DEPTH} includes; not followed`));
  }

  const fragment = ctx.matchFragment(url);
  const mode: FragmentMode = (fragment && ctx.modes.get(fragment.name)) ?? 'prod';
  if (mode !== 'prod' && fragment?.local) ctx.overridden = true;
  const timeoutMs = fragment?.timeout ?? (marker.type === 'tailor' ? marker.timeout : undefined) ?? DEFAULT_FRAGMENT_TIMEOUT_MS;
  const nextChain = [...chain, url.href];
  const policy = fetchPolicy(ctx, marker, onResponse);

  if (mode === 'local' && fragment?.local) {
    const localUrl = localUrlFor(fragment, url);
    const info = fragmentInfo(ctx, fragment.name, 'local', marker.src, localUrl, depth);
    return fetchLocal(ctx, info, localUrl, timeoutMs, nextChain, policy).then(served);
  }

  const info = fragmentInfo(ctx, fragment?.name, mode, marker.src, url, depth);
  const prod = fetchAndCompose(ctx, info, timeoutMs, nextChain, url, policy);
  if (mode === 'shadow' && fragment?.local) {
    ctx.shadowFragment?.({ page: ctx.page, name: fragment.name, prodUrl: url, localUrl: localUrlFor(fragment, url), headers: ctx.fragmentHeaders, timeoutMs });
  }
  const composed = marker.type === 'tailor' ? withNestedFragments(ctx, prod, raw, base, depth, chain) : prod;
  return composed.then(served, (error: unknown) => productionFallback(ctx, info, marker, base, depth, nextChain, timeoutMs, reasonOf(error), policy));
}

/**
 * Tailor flattens `<fragment>`s written inside a `<fragment>`'s content: they are rendered
 * after it, as siblings (its other content is dropped).
 */
function withNestedFragments(ctx: PageContext, own: Promise<Buffer>, raw: Buffer | undefined, base: URL, depth: number, chain: readonly string[]): Promise<Buffer> {
  const source = raw?.toString('latin1') ?? '';
  const inner = source.slice(source.indexOf('>') + 1).replace(/<\/fragment\s*>$/i, '');
  if (!/<fragment/i.test(inner)) return own;
  const nested = composeNested(ctx, Buffer.from(inner.replace(/<\/?(?!fragment\b)[^>]*>|[^<]+/gi, ''), 'latin1'), base, depth, chain);
  return Promise.all([own, nested]).then(([a, b]) => Buffer.concat([a, b]));
}

/**
 * The request for one fragment URL, if the include policy lets it be fetched at all (every
 * fetch of the engine comes through here: includes, fallbacks, nested includes, local and
 * shadowed fragments): the page's headers, without the cookies where the policy says so.
 * @throws FragmentFetchError naming the config key that would allow the URL
 */
function fragmentRequest(ctx: PageContext, url: URL, timeoutMs: number, policy: FetchPolicy = { headers: ctx.fragmentHeaders }): FetchFragmentOptions {
  const decision = ctx.includePolicy(url);
  if (!decision.fetch) throw new FragmentFetchError(decision.reason);
  let headers = policy.headers;
  if (!decision.cookies && headers.cookie !== undefined) {
    headers = { ...headers };
    delete headers.cookie;
  }
  return { url, headers, timeoutMs, agents: ctx.agents, maxBytes: ctx.maxFragmentBytes, signal: ctx.cancel.signal, acceptStatus: policy.acceptStatus };
}

/** Fetch a fragment, resolve the includes inside it, and transcode it into the page's charset. */
async function fetchAndCompose(
  ctx: PageContext,
  info: FragmentInfo,
  timeoutMs: number,
  chain: readonly string[],
  url = new URL(info.url),
  policy: FetchPolicy = { headers: ctx.fragmentHeaders },
): Promise<Buffer> {
  const started = performance.now();
  ctx.events.emit('fragment:start', info);
  let fetched: FetchedFragment;
  try {
    fetched = await fetchFragment(fragmentRequest(ctx, url, timeoutMs, policy));
    policy.onResponse?.({ status: fetched.status, headers: fetched.headers });
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
  const composed = ctx.edge === 'varnish' && !looksLikeMarkup(body) ? body : await composeNested(ctx, body, url, info.depth + 1, chain);
  const end: FragmentEnd = { ...info, status: fetched.status, durationMs: performance.now() - started, failed: false };
  ctx.results.push(end);
  ctx.events.emit('fragment:end', end);
  return composed;
}

/**
 * Resolve the include markers inside a fragment (or inside an `<!--esi … -->` block). Relative
 * srcs of a local fragment resolve against the page on upstream, as production would see them.
 */
export async function composeNested(ctx: PageContext, body: Buffer, base: URL, depth: number, chain: readonly string[], scope?: EsiAttemptScope): Promise<Buffer> {
  // Most fragments include nothing: a native regex pass rules that out far faster than tokenizing.
  if (!MAY_CONTAIN_INCLUDE.test(body.toString('latin1'))) return body;
  const parts = scanBuffer(body);
  if (parts.length === 1 && Buffer.isBuffer(parts[0])) return body;
  const upstreamBase = base.origin === ctx.pageUrl.origin ? base : ctx.pageUrl;
  if (parts.some((part) => !Buffer.isBuffer(part) && part.marker.type === 'ssi-command')) {
    // The fragment speaks SSI: its commands are evaluated in document order, sharing the page's variables.
    return evaluateDocument(ssiEnv(ctx, depth, chain), base, (doc) => {
      for (const part of parts) {
        if (Buffer.isBuffer(part)) doc.content(part);
        else if (part.marker.type === 'ssi-command') doc.command(part.marker.command, part.raw);
        else doc.content(part.raw, () => replaceMarker(ctx, part.marker, part.raw, upstreamBase, depth, chain));
      }
    });
  }
  const resolved = await Promise.all(
    parts.map((part): Buffer | Promise<Buffer> => {
      if (Buffer.isBuffer(part)) return part;
      return replaceMarker(ctx, part.marker, part.raw, upstreamBase, depth, chain, scope);
    }),
  );
  return Buffer.concat(resolved);
}

/**
 * Bytes for one include-type marker (the page and nested documents share this). `scope` is the
 * `<esi:attempt>` the marker sits in, if any: a failed ESI include there makes it fail.
 */
export function replaceMarker(
  ctx: PageContext,
  marker: Marker,
  raw: Buffer,
  base: URL,
  depth: number,
  chain: readonly string[],
  scope?: EsiAttemptScope,
): Buffer | Promise<Buffer> {
  switch (marker.type) {
    case 'ssi':
      return resolveInclude(ctx, { marker, base, depth, chain });
    case 'tailor':
      return resolveInclude(ctx, { marker, base, depth, chain, raw });
    case 'esi-include':
      return resolveEsiInclude(ctx, marker, base, depth, chain, scope);
    case 'esi-remove':
      return EMPTY;
    case 'esi-comment':
      return composeNested(ctx, marker.inner, base, depth, chain, scope);
    case 'esi-block':
      if (ctx.edge === 'varnish') return varnishBlock(ctx, marker, raw, base, depth, chain);
      return evaluateEsiBlock(marker.tag, raw, {
        request: esiRequestOf(ctx),
        compose: (bytes, attempt) => composeNested(ctx, bytes, base, depth, chain, attempt),
        scope,
        emptyIsFalse: ctx.edge !== 'fastly',
        trace: composeTrace ? (message) => composeTrace!(`#${ctx.page.id} ${message}`) : undefined,
      });
    default:
      return raw;
  }
}

/**
 * What the SSI language needs from the engine for documents at `depth` (the page: 0): the page's
 * shared SSI state, includes resolved like any other (modes, fallbacks, nesting), debug lines.
 */
export function ssiEnv(ctx: PageContext, depth: number, chain: readonly string[]): SsiEnv {
  ctx.ssi ??= new SsiPageState(ssiRequestInfo(ctx));
  const { events, page } = ctx;
  return {
    page: ctx.ssi,
    unknownCommands: ctx.edge === 'nginx' ? 'error' : 'text',
    include(uri, base) {
      // A local fragment's includes resolve on upstream, as production would see them.
      const upstreamBase = base.origin === ctx.pageUrl.origin ? base : ctx.pageUrl;
      let served = true;
      const onOutcome = (outcome: boolean) => void (served = outcome);
      // SSI values are bytes (latin1): UTF-8 ones are read as UTF-8, as the scanner reads URLs.
      const src = decodeSourceText(uri);
      return resolveInclude(ctx, { marker: { type: 'ssi', src, attribute: 'virtual' }, base: upstreamBase, depth, chain, onOutcome }).then((bytes) => ({ bytes, served }));
    },
    debug: events.listenerCount('directive') > 0 ? (line) => events.emit('directive', { page, dialect: 'ssi', text: escapeControlChars(line) }) : undefined,
  };
}

function ssiRequestInfo(ctx: PageContext): SsiRequestInfo {
  return {
    method: ctx.page.method,
    requestUri: ctx.pageUrl.pathname + ctx.pageUrl.search,
    headers: ctx.pageHeaders ?? ctx.fragmentHeaders,
    host: ctx.pageUrl.hostname,
    scheme: ctx.pageUrl.protocol.slice(0, -1),
    remoteAddr: ctx.remoteAddress ?? '127.0.0.1',
  };
}

/** `<esi:include>`: variables in `src` and `alt`, the edge's URL rules, the attempt's failure. */
function resolveEsiInclude(
  ctx: PageContext,
  written: Extract<Marker, { type: 'esi-include' }>,
  base: URL,
  depth: number,
  chain: readonly string[],
  scope: EsiAttemptScope | undefined,
): Buffer | Promise<Buffer> {
  const marker = withEsiVariables(ctx, written);
  if (ctx.edge === 'varnish') {
    const invalid = varnishInvalidSrc(marker.src);
    if (invalid) {
      composeTrace?.(`#${ctx.page.id} <esi:include src="${marker.src}"> dropped as Varnish does: ${invalid}`);
      return Buffer.from(note(ctx, marker.src, `dropped as Varnish does: ${invalid}`), 'utf8');
    }
  }
  const onOutcome = scope
    ? (served: boolean) => {
        if (served || marker.onerror === 'continue') return;
        scope.failed = true;
        scope.reason ??= `include ${marker.src} failed`;
      }
    : undefined;
  return resolveInclude(ctx, { marker, base, depth, chain, onOutcome });
}

const requests = new WeakMap<PageContext, EsiRequest>();

/** The request as ESI variables see it (built once per page). */
function esiRequestOf(ctx: PageContext): EsiRequest {
  let request = requests.get(ctx);
  if (!request) {
    request = esiRequest(ctx.pageUrl, ctx.fragmentHeaders);
    requests.set(ctx, request);
  }
  return request;
}

function withEsiVariables(ctx: PageContext, marker: Extract<Marker, { type: 'esi-include' }>): Extract<Marker, { type: 'esi-include' }> {
  if (!marker.src.includes('$') && !marker.alt?.includes('$')) return marker;
  const request = esiRequestOf(ctx);
  const resolved = { ...marker, src: interpolate(marker.src, request) };
  if (marker.alt !== undefined) resolved.alt = interpolate(marker.alt, request);
  composeTrace?.(`#${ctx.page.id} <esi:include src="${marker.src}"> → ${resolved.src}`);
  return resolved;
}

/** Varnish ignores ESI elements it does not know; see {@link varnishUnknownBlock}. */
function varnishBlock(ctx: PageContext, marker: Extract<Marker, { type: 'esi-block' }>, raw: Buffer, base: URL, depth: number, chain: readonly string[]): Buffer | Promise<Buffer> {
  if (marker.tag === 'comment') return EMPTY;
  composeTrace?.(`#${ctx.page.id} <esi:${marker.tag}> is not Varnish ESI: its tags are dropped, its content kept`);
  return composeNested(ctx, varnishUnknownBlock(raw), base, depth, chain);
}

const debugCompose = createDebugger('mfe-dev:compose');
/** `DEBUG=mfe-dev:compose` lines about directives; control characters from pages never reach the terminal. */
const composeTrace = debugCompose && ((message: string) => debugCompose(escapeControlChars(message)));

/** mfe-dev's comment about a failed include, unless `diagnostics: false`. */
function note(ctx: PageContext, src: string, reason: string): string {
  return ctx.diagnostics === false ? '' : failureComment(src, reason);
}

const EMPTY = Buffer.alloc(0);
/** Every include marker starts with one of these (case-insensitive, as the scanner reads them). */
const MAY_CONTAIN_INCLUDE = /<(?:!--\s*#|!--esi|esi:|fragment|script[^>]*fragment)/i;

async function productionFallback(
  ctx: PageContext,
  info: FragmentInfo,
  marker: IncludeMarker,
  base: URL,
  depth: number,
  chain: readonly string[],
  timeoutMs: number,
  reason: string,
  policy?: FetchPolicy,
): Promise<{ bytes: Buffer | string; served: boolean }> {
  const fallbackSrc = marker.type === 'esi-include' ? marker.alt : marker.type === 'tailor' ? marker.fallbackSrc : undefined;
  if (fallbackSrc) {
    emitFallback(ctx, info, fallbackSrc);
    try {
      const fallbackUrl = new URL(fallbackSrc, base);
      const fallbackInfo = { ...info, src: fallbackSrc, url: fallbackUrl.href };
      return { bytes: await fetchAndCompose(ctx, fallbackInfo, timeoutMs, chain, fallbackUrl, policy), served: true };
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
    return { bytes: SSI_ERROR_TEXT + note(ctx, marker.src, reason), served: false };
  }
  emitFallback(ctx, info, 'comment');
  return { bytes: note(ctx, marker.src, reason), served: false };
}

/**
 * A local fragment: its bytes, or the developer's error box naming the URL and the reason. The
 * page's status is never touched by a local failure.
 */
export function fetchLocal(ctx: PageContext, info: FragmentInfo, localUrl: URL, timeoutMs: number, chain: readonly string[], policy?: FetchPolicy): Promise<Buffer | string> {
  return fetchAndCompose(ctx, info, timeoutMs, chain, localUrl, policy && { ...policy, onResponse: undefined }).catch((error: unknown) => {
    emitFallback(ctx, info, 'error-box');
    return localErrorBox(info.name!, localUrl.href, reasonOf(error), error instanceof FragmentFetchError ? error.body : undefined);
  });
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
