import type { OutgoingHttpHeaders } from 'node:http';
import type { FragmentMode } from '../config/types.js';
import { localUrlFor, overrideUrlFor } from '../config/fragment-match.js';
import { transcode } from '../html/charset.js';
import { findIncludeTrigger } from '../html/include-triggers.js';
import { scanBuffer, type Marker } from '../html/scan-page.js';
import { escapeControlChars } from '../http/control-chars.js';
import { withHeaderValue } from '../http/raw-headers.js';
import { createDebugger } from '../logger.js';
import type { Dialect, Engine, FetchPolicy, IncludeOutcome, IncludeRequest, Part } from './dialect.js';
import { failureComment, localErrorBox } from './error-box.js';
import { esiDialect } from './esi/dialect.js';
import type { FragmentEnd, FragmentInfo } from './events.js';
import { DEFAULT_FRAGMENT_TIMEOUT_MS, fetchFragment, FragmentFetchError, type FetchedFragment, type FetchFragmentOptions } from './fetch-fragment.js';
import { insideFragment, onUpstream, type IncludeSite } from './include-site.js';
import type { PageContext } from './page-context.js';
import { stampScriptNonce } from './script-nonce.js';
import { selectorDialect } from './selector/dialect.js';
import { composeSsiDocument, ssiDialect } from './ssi/dialect.js';
import { tailorDialect } from './tailor/dialect.js';

/**
 * The one engine: turns markers into the bytes that replace them, the way the production edge
 * would. What is common to every include lives here — the URL, loops and depth, the fragment's
 * mode (production, local, shadow), the request and its policy, the fragment's own includes,
 * the fallback, the lifecycle events; what differs is asked of the marker's dialect
 * (dialect.ts) and of the page's `EdgeRules` (edge-rules.ts). Never rejects.
 */

/** Every dialect, and which of them owns each marker type. */
export const DIALECTS: readonly Dialect[] = [ssiDialect, esiDialect, tailorDialect, selectorDialect];
const byMarker = new Map<Marker['type'], Dialect>(DIALECTS.flatMap((dialect) => dialect.markers.map((type) => [type, dialect] as const)));

const EMPTY = Buffer.alloc(0);

const debugCompose = createDebugger('mfe-dev:compose');
/** `DEBUG=mfe-dev:compose` lines about directives; control characters from pages never reach the terminal. */
const composeTrace = debugCompose && ((message: string) => debugCompose(escapeControlChars(message)));

/** The engine for one page (made once, when its composition starts). */
export function createEngine(ctx: PageContext): Engine {
  const engine: Engine = {
    ctx,
    rules: ctx.rules,
    compose: (body, site) => composeDocument(engine, body, site),
    replace: (site, marker, raw) => byMarker.get(marker.type)?.resolve(engine, site, marker, raw) ?? raw,
    include: (site, request) => resolveInclude(engine, site, request),
    fetchLocal: (info, url, timeoutMs, site) => fetchLocal(engine, { info, url, timeoutMs, site }),
    note: (src, reason) => (ctx.diagnostics === false ? '' : failureComment(src, reason)),
    trace: composeTrace ? (message) => composeTrace(`#${ctx.page.id} ${message}`) : undefined,
  };
  return engine;
}

/** The dialect that owns `marker`. */
function dialectOf(marker: Marker): Dialect {
  return byMarker.get(marker.type)!;
}

/**
 * Resolve the include markers inside a fragment (or inside an `<!--esi … -->` block or an ESI
 * block's chosen content).
 */
function composeDocument(engine: Engine, body: Buffer, site: IncludeSite): Promise<Buffer> {
  return mayInclude(body) ? composeIncludes(engine, body, site) : Promise.resolve(body);
}

/**
 * Whether a document may hold an include. Most fragments include nothing: a byte search for
 * where a marker could begin rules that out. A `<` it could not decide at the end (a tag never
 * closed) is scanned: the search stops there, and an edge that reads bytes (nginx) may still find
 * a command after it.
 */
function mayInclude(body: Buffer): boolean {
  return findIncludeTrigger(body, 0, false) !== -1;
}

/** `composeDocument` for a document that may hold includes. */
async function composeIncludes(engine: Engine, body: Buffer, site: IncludeSite): Promise<Buffer> {
  const parts = scanBuffer(body, engine.rules.scan);
  if (parts.length === 1 && Buffer.isBuffer(parts[0])) return body;
  const upstream = onUpstream(site, engine.ctx.pageUrl);
  // A document that speaks SSI is evaluated in document order, sharing the page's variables.
  if (parts.some((part) => !Buffer.isBuffer(part) && part.marker.type === 'ssi-command')) return composeSsiDocument(engine, parts, site, upstream);
  const resolved = await Promise.all(parts.map((part): Part => (Buffer.isBuffer(part) ? part : engine.replace(upstream, part.marker, part.raw))));
  return Buffer.concat(resolved);
}

const isSuccess = (status: number) => status >= 200 && status < 300;
const served = (bytes: Buffer): IncludeOutcome => ({ bytes, served: true });
const failed = (bytes: Buffer | string): IncludeOutcome => ({ bytes: toBuffer(bytes), served: false });

async function resolveInclude(engine: Engine, site: IncludeSite, { marker, onResponse, onAnswer }: IncludeRequest): Promise<IncludeOutcome> {
  const { ctx, rules } = engine;
  const dialect = dialectOf(marker);
  let url: URL;
  try {
    url = new URL(marker.src, site.base);
  } catch {
    return failed(engine.note(marker.src, 'not a valid URL'));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return failed(engine.note(marker.src, `only http(s) includes are followed, not ${url.protocol}`));
  }
  if (!rules.followsLoops && site.chain.includes(url.href)) {
    const loop = [...site.chain, url.href].map((href) => new URL(href).pathname).join(' → ');
    emitError(ctx, fragmentInfo(ctx, undefined, 'prod', marker.src, url, site.depth), `include loop: ${loop}`, 0);
    return failed(engine.note(marker.src, `include loop not followed: ${loop}`));
  }
  if (site.depth >= rules.maxDepth) {
    return failed(engine.note(marker.src, `nested deeper than ${rules.maxDepth} includes; not followed`));
  }

  const fragment = ctx.matchFragment(url);
  const mode: FragmentMode = (fragment && ctx.modes.get(fragment.name)) ?? 'prod';
  if (mode !== 'prod' && fragment?.local) ctx.overridden = true;
  const timeoutMs = fragment?.timeout ?? (marker.type === 'tailor' ? marker.timeout : undefined) ?? DEFAULT_FRAGMENT_TIMEOUT_MS;
  const inner = insideFragment(site, url);
  const asked: FetchPolicy = dialect.request?.(engine, marker, onResponse) ?? { headers: ctx.fragmentHeaders, onResponse };
  const policy: FetchPolicy = onAnswer ? { ...asked, onAnswer } : asked;

  // `local` and `preview:ID`: the fragment's own service (a failure is the developer's box).
  const overrideUrl = fragment && overrideUrlFor(fragment, mode, url);
  if (overrideUrl) {
    const info = fragmentInfo(ctx, fragment.name, mode, marker.src, overrideUrl, site.depth);
    // A local 5xx is the developer's box, whatever the dialect accepts from production.
    const accepts = policy.acceptStatus ?? isSuccess;
    const local = { ...policy, onResponse: undefined, acceptStatus: (status: number) => status < 500 && accepts(status) };
    return fetchLocal(engine, { info, url: overrideUrl, timeoutMs, site: inner, policy: local }).then(served);
  }

  const info = fragmentInfo(ctx, fragment?.name, mode, marker.src, url, site.depth);
  const prod = fetchAndCompose(engine, { info, url, timeoutMs, site: inner, policy });
  if (mode === 'shadow' && fragment?.local) {
    ctx.shadowFragment?.({ page: ctx.page, name: fragment.name, prodUrl: url, localUrl: localUrlFor(fragment, url), headers: ctx.fragmentHeaders, timeoutMs });
  }
  try {
    return served(await prod);
  } catch (error) {
    return productionFallback(engine, dialect, { info, url, timeoutMs, site: inner, policy }, marker, reasonOf(error), site);
  }
}

/** One fragment request and where its answer goes. */
interface FragmentFetch {
  info: FragmentInfo;
  url: URL;
  timeoutMs: number;
  /** Where the fragment's own includes sit. */
  site: IncludeSite;
  policy?: FetchPolicy;
}

async function productionFallback(engine: Engine, dialect: Dialect, fetch: FragmentFetch, marker: IncludeRequest['marker'], reason: string, site: IncludeSite): Promise<IncludeOutcome> {
  const fallbackSrc = dialect.fallbackSrc?.(marker);
  if (fallbackSrc) {
    emitFallback(engine.ctx, fetch.info, fallbackSrc);
    try {
      const url = new URL(fallbackSrc, site.base);
      const info = { ...fetch.info, src: fallbackSrc, url: url.href };
      return served(await fetchAndCompose(engine, { ...fetch, info, url, site: { ...fetch.site, base: url } }));
    } catch (error) {
      reason = `${reason}; fallback ${fallbackSrc}: ${reasonOf(error)}`;
    }
  }
  const failure = dialect.failure?.(engine, marker, reason) ?? { bytes: engine.note(marker.src, reason), fallback: 'comment' };
  emitFallback(engine.ctx, fetch.info, failure.fallback);
  return failed(failure.bytes);
}

/**
 * The request for one fragment URL, if the include policy lets it be fetched at all (every
 * fetch of the engine comes through here: includes, fallbacks, nested includes, local and
 * shadowed fragments): the page's headers, without the cookies where the policy says so.
 * @throws FragmentFetchError naming the config key that would allow the URL
 */
/**
 * A page's fragment headers without its cookie, credentials and baggage (it may carry the page's
 * own context), made once per page (the same object for each fragment, so the client's header
 * list is built once too, not per fragment).
 */
const withoutCredentialsOf = new WeakMap<OutgoingHttpHeaders, OutgoingHttpHeaders>();
function withoutCredentials(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  let copy = withoutCredentialsOf.get(headers);
  if (!copy) {
    copy = { ...headers };
    delete copy.cookie;
    delete copy.authorization;
    delete copy.baggage;
    withoutCredentialsOf.set(headers, copy);
  }
  return copy;
}

function fragmentRequest(ctx: PageContext, { info, url, timeoutMs, policy = { headers: ctx.fragmentHeaders } }: FragmentFetch): FetchFragmentOptions {
  const decision = ctx.includePolicy(url);
  if (!decision.fetch) throw new FragmentFetchError(decision.reason);
  let headers = policy.headers;
  // Another site never gets the browser's cookies, credentials or baggage.
  if (!decision.cookies && (headers.cookie !== undefined || headers.authorization !== undefined || headers.baggage !== undefined)) headers = withoutCredentials(headers);
  // A traced page: each fragment request is a span of its own.
  if (ctx.traceFragment && headers.traceparent !== undefined) headers = withHeaderValue(headers, 'traceparent', ctx.traceFragment(ctx.page, url.href, info.name));
  return { url, headers, timeoutMs, agents: ctx.agents, maxBytes: ctx.maxFragmentBytes, signal: ctx.cancel.signal, acceptStatus: policy.acceptStatus, store: ctx.arena };
}

/** Fetch a fragment, resolve the includes inside it, and transcode it into the page's charset. */
async function fetchAndCompose(engine: Engine, fetch: FragmentFetch): Promise<Buffer> {
  const { ctx } = engine;
  const { info } = fetch;
  const started = performance.now();
  ctx.events.emit('fragment:start', info);
  let fetched: FetchedFragment;
  try {
    fetched = await fetchFragment(fragmentRequest(ctx, fetch));
    fetch.policy?.onResponse?.({ status: fetched.status, headers: fetched.headers });
    fetch.policy?.onAnswer?.(fetched.headers);
  } catch (error) {
    const durationMs = performance.now() - started;
    const reason = reasonOf(error);
    emitError(ctx, info, reason, durationMs);
    const status = error instanceof FragmentFetchError ? (error.status ?? 0) : 0;
    const end = fragmentEnd(info, status, durationMs, started, reason);
    ctx.results.push(end);
    ctx.events.emit('fragment:end', end);
    throw error;
  }
  const body = transcode(fetched.body, fetched.charset, ctx.charset);
  // (A fragment without includes, most of them, is not handed to an async step: no promise, no turn.)
  const composed = engine.rules.processes(fetched.contentType, body, true) && mayInclude(body) ? await composeIncludes(engine, body, fetch.site) : body;
  // An error status whose body the edge includes (nginx): served, and still reported as an error.
  const reason = fetched.status >= 400 ? `HTTP ${fetched.status}` : undefined;
  if (reason) emitError(ctx, info, reason, performance.now() - started);
  const end = fragmentEnd(info, fetched.status, performance.now() - started, started, reason);
  ctx.results.push(end);
  ctx.events.emit('fragment:end', end);
  return ctx.arena.keep(composed);
}

/**
 * A local fragment: its bytes, or the developer's error box naming the URL and the reason. The
 * page's status is never touched by a local failure.
 */
function fetchLocal(engine: Engine, fetch: FragmentFetch): Promise<Buffer> {
  return fetchAndCompose(engine, fetch).then((body) => stampScriptNonce(body, engine.ctx.scriptNonce), (error: unknown) => {
    emitFallback(engine.ctx, fetch.info, 'error-box');
    return toBuffer(localErrorBox(fetch.info.name!, fetch.url.href, reasonOf(error), error instanceof FragmentFetchError ? error.body : undefined));
  });
}

function fragmentInfo(ctx: PageContext, name: string | undefined, mode: FragmentMode, src: string, url: URL, depth: number): FragmentInfo {
  return { page: ctx.page, name, mode, src, url: url.href, depth };
}

/**
 * A fragment's end, field by field: one object shape for every fragment. (Spelled as
 * `{ ...info, …, ...(reason && { reason }) }` V8 built a dictionary-mode object per fragment:
 * 1.5 KB of the 19 KB a fragment of the SSI page allocated, by the sampling heap profiler.)
 */
function fragmentEnd(info: FragmentInfo, status: number, durationMs: number, startedAt: number, reason: string | undefined): FragmentEnd {
  const end: FragmentEnd = { page: info.page, name: info.name, mode: info.mode, src: info.src, url: info.url, depth: info.depth, status, durationMs, startedAt, failed: reason !== undefined };
  if (reason !== undefined) end.reason = reason;
  return end;
}

function emitError(ctx: PageContext, info: FragmentInfo, reason: string, durationMs: number) {
  ctx.events.emit('fragment:error', { ...info, reason, durationMs });
}

function emitFallback(ctx: PageContext, info: FragmentInfo, fallback: string) {
  ctx.events.emit('fragment:fallback', { ...info, fallback });
}

function toBuffer(bytes: Buffer | string): Buffer {
  return typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
}

export function reasonOf(error: unknown): string {
  return error instanceof FragmentFetchError ? error.reason : error instanceof Error ? error.message : String(error);
}

export { EMPTY };
