/**
 * Widen production's Content-Security-Policy so the developer's local services are allowed
 * wherever production allows its own origin, and nothing else changes.
 *
 * A directive that allows `'self'` or the upstream origin also gets each local origin (http and
 * ws schemes) and the gateway origin; on a plain-http gateway, `upgrade-insecure-requests` and
 * `block-all-mixed-content` are removed (they would send local http requests to https).
 * Directives that production did not open to itself (a `'none'`, nonce-only `script-src`…)
 * are left exactly as they are.
 */
export interface CspContext {
  upstreamOrigin: string;
  gatewayOrigin: string;
  /** Origins of configured local services, e.g. `http://127.0.0.1:3001`. */
  localOrigins: readonly string[];
  secureGateway: boolean;
}

const MIXED_CONTENT_DIRECTIVES = new Set(['upgrade-insecure-requests', 'block-all-mixed-content']);

export function widenCsp(policy: string, context: CspContext): string {
  const upstream = context.upstreamOrigin.toLowerCase();
  const upstreamHost = upstream.replace(/^https?:\/\//, '');
  const additions = allowedAdditions(context);
  // Several policies can be joined with ',' in one header; each is a ';'-separated list.
  return policy
    .split(',')
    .map((single) =>
      single
        .split(';')
        .filter((directive) => {
          const name = directive.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
          return context.secureGateway || !MIXED_CONTENT_DIRECTIVES.has(name);
        })
        .map((directive) => {
          const tokens = directive.trim().split(/\s+/).slice(1).map((t) => t.toLowerCase());
          const allowsItself = tokens.some(
            (t) => t === "'self'" || t === upstream || t === upstreamHost || t === `${upstream}/`,
          );
          if (!allowsItself) return directive;
          const missing = additions.filter((a) => !tokens.includes(a));
          if (missing.length === 0) return directive;
          const trailing = directive.match(/\s*$/)?.[0] ?? '';
          return `${directive.trimEnd()} ${missing.join(' ')}${trailing}`;
        })
        .join(';'),
    )
    .join(',');
}

function allowedAdditions(context: CspContext): string[] {
  const out = new Set<string>([context.gatewayOrigin.toLowerCase()]);
  const gatewayWs = context.gatewayOrigin.replace(/^http/, 'ws').toLowerCase();
  out.add(gatewayWs);
  for (const origin of context.localOrigins) {
    const lower = origin.toLowerCase();
    out.add(lower);
    out.add(lower.replace(/^http/, 'ws'));
  }
  return [...out];
}
