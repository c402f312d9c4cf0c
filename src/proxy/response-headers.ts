import type { RawHeaders } from '../http/raw-headers.js';
import { widenCsp, type CspContext } from './csp.js';
import { keepsSecureCookies, rewriteSetCookie } from './set-cookie.js';

/**
 * Production's response headers, made to work on the gateway's origin. Works on Node's
 * `rawHeaders` list so names keep production's case, order and repetition.
 */
export interface ResponseHeaderContext extends CspContext {}

/** Hop-by-hop headers: they describe one connection, never the message (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);

export interface RewriteOptions {
  /** Drop these too (lower-case names), e.g. `content-length` when the body changes. */
  drop?: ReadonlySet<string>;
}

export function rewriteResponseHeaders(
  rawHeaders: readonly string[],
  context: ResponseHeaderContext,
  options: RewriteOptions = {},
): RawHeaders {
  const out: RawHeaders = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    let value = rawHeaders[i + 1];
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || options.drop?.has(lower)) continue;
    switch (lower) {
      case 'strict-transport-security':
        // Off for the gateway's name even over https: HSTS is per host name, not per port, so
        // production's would pin every other service on localhost (dev servers, the local
        // fragment services) to https for a year. Production's own name is not affected.
        continue;
      case 'set-cookie':
        value = rewriteSetCookie(value, { secureGateway: context.secureGateway || keepsSecureCookies(context.gatewayOrigin) });
        break;
      case 'location':
      case 'content-location':
        value = rewriteLocation(value, context.upstreamOrigin, context.gatewayOrigin);
        break;
      case 'content-security-policy':
      case 'content-security-policy-report-only':
        value = widenCsp(value, context);
        break;
    }
    out.push(name, value);
  }
  return out;
}

/**
 * A redirect to production's own origin (absolute, or scheme-relative) is sent to the gateway
 * instead, so the browser stays on localhost. Other origins are left alone.
 */
export function rewriteLocation(location: string, upstreamOrigin: string, gatewayOrigin: string): string {
  const host = upstreamOrigin.replace(/^https?:/i, '');
  const lower = location.toLowerCase();
  for (const prefix of [upstreamOrigin, `http:${host}`, `https:${host}`, host]) {
    const p = prefix.toLowerCase();
    if (lower.startsWith(p)) {
      const rest = location.slice(prefix.length);
      if (rest === '' || /^[/?#]/.test(rest)) return gatewayOrigin + rest;
    }
  }
  return location;
}
