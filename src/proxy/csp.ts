/**
 * Production's Content-Security-Policy (and `-Report-Only`), made to work on the gateway with the
 * developer's local services, and widened no further than that. Two changes, nothing else:
 *
 * 1. **Production's origin is now the gateway's.** A source that names production's origin
 *    (`https://www.shop.example`, with or without a path), or the origin of a local fragment's
 *    absolute `assets` prefix (a CDN whose files the gateway now serves from the local service,
 *    under `/__mfe-dev/local/…`), gets the gateway origin beside it, in whatever directive it
 *    stands (`img-src`, `style-src`, `form-action`… alike): the page and those files now come from
 *    the gateway. `'self'` already means the gateway and is left as it is.
 * 2. **What a local fragment needs from its dev server**, and only when local services are
 *    configured: the local origins (in both loopback spellings, `localhost` and `127.0.0.1`: a dev
 *    server's client may use either) are added to `script-src` and `script-src-elem` (modules and
 *    clients the dev server names by its own origin: Vite's `server.origin`, webpack's
 *    `publicPath: 'auto'`), to `connect-src` with their `ws:` forms and the gateway's (hot-update
 *    sockets, Vite's ping), and to `worker-src` with `blob:` (Vite's client watches for a restart
 *    from a `blob:` shared worker). Styles, images and fonts are not widened to the dev server:
 *    the fragment's files reach the browser through the gateway (its `assets` prefixes), which
 *    `'self'` or rule 1 already allows; CSS a dev server turns into JavaScript (Vite,
 *    style-loader) is a script, whose inline `<style>` production's `style-src` judges as it
 *    would in production. A dev server that writes its own origin into image, font or stylesheet URLs
 *    (Vite's `server.origin`, an absolute webpack `publicPath`) needs its `base`/`publicPath`
 *    under an `assets` prefix instead, as production's files are.
 *
 * A directive is widened only where production opened it to its own files (`'self'`, its origin,
 * a local fragment's asset origin): a `'none'` or nonce-only directive stays exactly as sent. A
 * script directive with `'strict-dynamic'` ignores host sources, so none are added: the overlay
 * and the local fragment's scripts carry the page's nonce instead (see `scriptNonce`), or one the
 * gateway adds where production locks scripts by hash alone (see `needsScriptNonce`). Where a
 * needed directive is absent, browsers fall back to another (`script-src` → `default-src`,
 * `worker-src` → `child-src` → `script-src` → `default-src`); the fallback itself is never
 * widened, a directive of the needed name is added instead, a copy of the fallback's sources plus
 * the additions, so everything else still falls back to production's policy. `base-uri`,
 * `form-action`, `frame-ancestors`, `object-src` and every other directive get rule 1 only.
 * `'unsafe-eval'` is never added: code that needs it (webpack's `eval` source maps) would break in
 * production too, so mfe-dev says so instead (see `server/dev-server-hints.ts`). On a plain-http
 * gateway, `upgrade-insecure-requests` and `block-all-mixed-content` are removed (they would send
 * local http requests to https).
 */
export interface CspContext {
  upstreamOrigin: string;
  gatewayOrigin: string;
  /** Origins of configured local services, e.g. `http://127.0.0.1:3001`. */
  localOrigins: readonly string[];
  /** Origins of local fragments' absolute `assets` prefixes (e.g. `https://cdn.example.com`): the gateway serves those files in local mode. */
  assetOrigins?: readonly string[];
  secureGateway: boolean;
  /**
   * A nonce of the gateway's for this response, added to script directives that production
   * locks with hashes or `'strict-dynamic'` but no nonce (see {@link needsScriptNonce}).
   */
  addScriptNonce?: string;
}

const MIXED_CONTENT_DIRECTIVES = new Set(['upgrade-insecure-requests', 'block-all-mixed-content']);

/** Directives whose value is a source list (where production's origin can be named). */
const SOURCE_LISTS = new Set([
  'default-src', 'script-src', 'script-src-elem', 'script-src-attr', 'style-src', 'style-src-elem', 'style-src-attr',
  'img-src', 'font-src', 'connect-src', 'media-src', 'object-src', 'frame-src', 'child-src', 'worker-src',
  'manifest-src', 'prefetch-src', 'fenced-frame-src', 'base-uri', 'form-action', 'frame-ancestors',
]);

/** What the local services need, per directive, and where browsers look when it is absent (CSP 3). */
const LOCAL_NEEDS: ReadonlyArray<{ name: string; fallbacks: readonly string[]; scripts: boolean; sockets: boolean; blob: boolean }> = [
  { name: 'script-src', fallbacks: ['default-src'], scripts: true, sockets: false, blob: false },
  { name: 'script-src-elem', fallbacks: [], scripts: true, sockets: false, blob: false },
  { name: 'connect-src', fallbacks: ['default-src'], scripts: false, sockets: true, blob: false },
  { name: 'worker-src', fallbacks: ['child-src', 'script-src', 'default-src'], scripts: false, sockets: false, blob: true },
];

interface Directive {
  name: string;
  /** As production wrote it (spacing kept), or as mfe-dev built it. */
  text: string;
}

export function widenCsp(policy: string, context: CspContext): string {
  const own = ownOrigins(context);
  // Several policies can be joined with ',' in one header; each is a ';'-separated list.
  return policy
    .split(',')
    .map((single) => widenOne(single, context, own))
    .join(',');
}

function widenOne(single: string, context: CspContext, own: OwnOrigins): string {
  const directives: Directive[] = single
    .split(';')
    .map((text) => ({ name: nameOf(text), text }))
    .filter((d) => context.secureGateway || !MIXED_CONTENT_DIRECTIVES.has(d.name))
    .map((d) => (SOURCE_LISTS.has(d.name) ? { ...d, text: translate(d, context, own) } : d))
    .map((d) => (context.addScriptNonce && SCRIPT_ELEMENT_DIRECTIVES.includes(d.name) && locksWithoutNonce(d.text) ? { ...d, text: append(d.text, [`'nonce-${context.addScriptNonce}'`]) } : d));
  if (context.localOrigins.length === 0) return directives.map((d) => d.text).join(';');

  const local = localAdditions(context);
  const find = (name: string) => directives.find((d) => d.name === name);
  const added: Directive[] = [];
  for (const need of LOCAL_NEEDS) {
    const extra = [
      ...(need.scripts || need.blob ? local.http : []),
      ...(need.sockets ? [...local.http, ...local.ws, toWs(context.gatewayOrigin)] : []),
      ...(need.blob ? ['blob:'] : []),
    ];
    const present = find(need.name);
    if (present) {
      present.text = widen(present.text, extra, need, own);
      continue;
    }
    // script-src-elem falls back to script-src, which is widened (or added) on its own.
    if (need.name === 'script-src' && find('script-src-elem')) continue;
    const fallback = need.fallbacks.map(find).find((d) => d !== undefined);
    if (fallback && opensToItself(sources(fallback.text), own)) {
      const copy = `${need.name} ${sources(fallback.text, false).join(' ')}`;
      const text = widen(copy, extra, need, own);
      if (text !== copy) added.push({ name: need.name, text: ` ${text}` });
    }
  }
  const out = directives.map((d) => d.text);
  // A policy that ends with ';' keeps ending with it.
  if (out.length > 1 && out[out.length - 1].trim() === '') out.splice(-1, 0, ...added.map((d) => d.text));
  else out.push(...added.map((d) => d.text));
  return out.join(';');
}

interface OwnOrigins {
  upstream: string;
  /** Production's origin and the local fragments' asset origins, lower-case. */
  all: readonly string[];
}

function ownOrigins(context: CspContext): OwnOrigins {
  const upstream = context.upstreamOrigin.toLowerCase();
  return { upstream, all: [upstream, ...(context.assetOrigins ?? []).map((o) => o.toLowerCase())] };
}

/**
 * The origin a host source names, when it names one of ours (`https://www.shop.example`,
 * `https://www.shop.example/static/`, `www.shop.example`), with the source's path.
 */
function namedOrigin(token: string, own: OwnOrigins): { origin: string; path: string } | undefined {
  const lower = token.toLowerCase();
  for (const origin of own.all) {
    const host = origin.replace(/^https?:\/\//, '');
    for (const spelling of [origin, host]) {
      if (lower === spelling) return { origin, path: '' };
      if (lower.startsWith(`${spelling}/`)) return { origin, path: token.slice(spelling.length) };
    }
  }
  return undefined;
}

function opensToItself(tokens: readonly string[], own: OwnOrigins): boolean {
  return tokens.some((t) => t === "'self'" || namedOrigin(t, own) !== undefined);
}

/** Rule 1: beside each source naming one of our origins, the gateway (with the source's path, for production's own origin). */
function translate(directive: Directive, context: CspContext, own: OwnOrigins): string {
  const tokens = sources(directive.text, false);
  const gateway = context.gatewayOrigin.toLowerCase();
  const extra: string[] = [];
  for (const token of tokens) {
    const named = namedOrigin(token, own);
    if (!named) continue;
    const path = named.origin === own.upstream ? named.path : '';
    extra.push(gateway + (path === '/' ? '' : path));
    if (directive.name === 'connect-src' || directive.name === 'default-src') extra.push(toWs(gateway));
  }
  return append(directive.text, extra);
}

/** Rule 2 for one directive, if production opened it to its own files (and host sources count there). */
function widen(text: string, extra: readonly string[], need: (typeof LOCAL_NEEDS)[number], own: OwnOrigins): string {
  const tokens = sources(text);
  if (!opensToItself(tokens, own)) return text;
  // Host sources are ignored next to 'strict-dynamic': the nonce carries the scripts instead.
  const hosts = need.scripts && tokens.includes("'strict-dynamic'") ? [] : extra.filter((e) => e !== 'blob:');
  return append(text, [...hosts, ...extra.filter((e) => e === 'blob:')]);
}

function append(text: string, extra: readonly string[]): string {
  const tokens = sources(text);
  const missing = [...new Set(extra)].filter((a) => !tokens.includes(a.toLowerCase()));
  if (missing.length === 0) return text;
  const trailing = text.match(/\s*$/)?.[0] ?? '';
  return `${text.trimEnd()} ${missing.join(' ')}${trailing}`;
}

function nameOf(directive: string): string {
  return directive.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
}

/** The directive's source expressions (lower-cased unless `lower` is false). */
function sources(directive: string, lower = true): string[] {
  const tokens = directive.trim().split(/\s+/).slice(1).filter(Boolean);
  return lower ? tokens.map((t) => t.toLowerCase()) : tokens;
}

function toWs(origin: string): string {
  return origin.toLowerCase().replace(/^http/, 'ws');
}

function localAdditions(context: CspContext): { http: string[]; ws: string[] } {
  const http = new Set<string>();
  for (const origin of context.localOrigins) {
    http.add(origin.toLowerCase());
    const other = otherLoopbackSpelling(origin);
    if (other) http.add(other);
  }
  return { http: [...http], ws: [...http].map(toWs) };
}

const SCRIPT_ELEMENT_DIRECTIVES = ['script-src-elem', 'script-src'];

/** Hashes or `'strict-dynamic'` and no nonce: `'unsafe-inline'` is already off, so a nonce of ours changes nothing for production's scripts. */
function locksWithoutNonce(directive: string): boolean {
  const tokens = sources(directive);
  return !tokens.some((t) => t.startsWith("'nonce-")) && tokens.some((t) => t === "'strict-dynamic'" || /^'sha(256|384|512)-/.test(t));
}

/**
 * Whether one of the page's enforced policies locks scripts with hashes or `'strict-dynamic'` and
 * no nonce: then the overlay and the local fragments' scripts could not run, and the gateway adds
 * a nonce to `script-src`/`script-src-elem` there (`CspContext.addScriptNonce`: the page's own
 * nonce when another of its policies has one, else one of the gateway's) and gives them that. A policy with `'unsafe-inline'` and no hash is left alone: a nonce would turn
 * `'unsafe-inline'` off for production's own inline scripts.
 */
export function needsScriptNonce(policy: string | undefined): boolean {
  if (!policy) return false;
  return policy.split(',').some((single) => single.split(';').some((d) => SCRIPT_ELEMENT_DIRECTIVES.includes(nameOf(d)) && locksWithoutNonce(d)));
}

/**
 * The nonce that lets a `<script>` element run under the page's enforced policies: the one named
 * in the directive that governs script elements (`script-src-elem`, else `script-src`, else
 * `default-src`) of the first policy that has one. Undefined when no policy asks for nonces.
 */
export function scriptNonce(policy: string | undefined): string | undefined {
  if (!policy) return undefined;
  for (const single of policy.split(',')) {
    const directives = single.split(';');
    for (const name of ['script-src-elem', 'script-src', 'default-src']) {
      const directive = directives.find((d) => nameOf(d) === name);
      if (directive === undefined) continue;
      const nonce = sources(directive, false)
        .map((t) => /^'nonce-([^']+)'$/i.exec(t)?.[1])
        .find((n) => n !== undefined);
      if (nonce) return nonce;
      break;
    }
  }
  return undefined;
}

/** `http://localhost:5173` ↔ `http://127.0.0.1:5173`; undefined for other hosts. */
export function otherLoopbackSpelling(origin: string): string | undefined {
  const url = new URL(origin);
  if (url.hostname === 'localhost') url.hostname = '127.0.0.1';
  else if (url.hostname === '127.0.0.1') url.hostname = 'localhost';
  else return undefined;
  return url.origin;
}
