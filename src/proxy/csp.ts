/**
 * Widen production's Content-Security-Policy so the developer's local services are allowed
 * wherever production allows its own origin, and nothing else changes.
 *
 * A directive that allows `'self'` or the upstream origin also gets the gateway origin and each
 * local origin, in both spellings of the loopback host (`localhost` and `127.0.0.1`: a dev
 * server's client may use either), as `http:` and `ws:` (dev servers' live-update sockets).
 * With local services configured, workers may also start from `blob:` URLs (Vite's client
 * watches for a dev server restart from a `blob:` shared worker): an existing `worker-src` gets
 * `blob:`, and a policy without one gets a `worker-src` copied from the directive browsers would
 * fall back to (`child-src`, `script-src`, `default-src`), widened the same way, plus `blob:`.
 * On a plain-http gateway, `upgrade-insecure-requests` and `block-all-mixed-content` are removed
 * (they would send local http requests to https).
 * Directives that production did not open to itself (a `'none'`, nonce-only `script-src`…)
 * are left exactly as they are, and `'unsafe-eval'` is never added: code that needs it (webpack's
 * `eval` source maps) would break in production too, so mfe-dev says so instead (see
 * `server/dev-server-hints.ts`).
 */
export interface CspContext {
  upstreamOrigin: string;
  gatewayOrigin: string;
  /** Origins of configured local services, e.g. `http://127.0.0.1:3001`. */
  localOrigins: readonly string[];
  secureGateway: boolean;
}

const MIXED_CONTENT_DIRECTIVES = new Set(['upgrade-insecure-requests', 'block-all-mixed-content']);
/** Where browsers look for the worker policy when `worker-src` is absent (CSP 3), in order. */
const WORKER_FALLBACKS = ['child-src', 'script-src', 'default-src'];

export function widenCsp(policy: string, context: CspContext): string {
  const upstream = context.upstreamOrigin.toLowerCase();
  const upstreamHost = upstream.replace(/^https?:\/\//, '');
  const additions = allowedAdditions(context);
  const allowsItself = (tokens: readonly string[]) =>
    tokens.some((t) => t === "'self'" || t === upstream || t === upstreamHost || t === `${upstream}/`);
  const widen = (directive: string, extra: readonly string[] = []) => {
    const tokens = sources(directive);
    if (!allowsItself(tokens)) return directive;
    const missing = [...additions, ...extra].filter((a) => !tokens.includes(a));
    if (missing.length === 0) return directive;
    const trailing = directive.match(/\s*$/)?.[0] ?? '';
    return `${directive.trimEnd()} ${missing.join(' ')}${trailing}`;
  };
  const workers = context.localOrigins.length > 0 ? ['blob:'] : [];
  // Several policies can be joined with ',' in one header; each is a ';'-separated list.
  return policy
    .split(',')
    .map((single) => {
      const directives = single.split(';').filter((directive) => context.secureGateway || !MIXED_CONTENT_DIRECTIVES.has(nameOf(directive)));
      const names = directives.map(nameOf);
      const widened = directives.map((directive) => widen(directive, nameOf(directive) === 'worker-src' ? workers : []));
      if (workers.length > 0 && !names.includes('worker-src')) {
        const fallback = WORKER_FALLBACKS.map((name) => directives[names.indexOf(name)]).find((d) => d !== undefined);
        if (fallback !== undefined && allowsItself(sources(fallback))) {
          const workerSrc = ` ${widen(`worker-src ${sources(fallback, false).join(' ')}`, workers)}`;
          // A policy that ends with ';' keeps ending with it.
          if (widened.length > 1 && widened[widened.length - 1].trim() === '') widened.splice(-1, 0, workerSrc);
          else widened.push(workerSrc);
        }
      }
      return widened.join(';');
    })
    .join(',');
}

function nameOf(directive: string): string {
  return directive.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
}

/** The directive's source expressions (lower-cased unless `lower` is false). */
function sources(directive: string, lower = true): string[] {
  const tokens = directive.trim().split(/\s+/).slice(1).filter(Boolean);
  return lower ? tokens.map((t) => t.toLowerCase()) : tokens;
}

function allowedAdditions(context: CspContext): string[] {
  const out = new Set<string>();
  const add = (origin: string) => {
    const lower = origin.toLowerCase();
    out.add(lower);
    out.add(lower.replace(/^http/, 'ws'));
  };
  add(context.gatewayOrigin);
  for (const origin of context.localOrigins) {
    add(origin);
    const other = otherLoopbackSpelling(origin);
    if (other) add(other);
  }
  return [...out];
}

/** `http://localhost:5173` ↔ `http://127.0.0.1:5173`; undefined for other hosts. */
export function otherLoopbackSpelling(origin: string): string | undefined {
  const url = new URL(origin);
  if (url.hostname === 'localhost') url.hostname = '127.0.0.1';
  else if (url.hostname === '127.0.0.1') url.hostname = 'localhost';
  else return undefined;
  return url.origin;
}
