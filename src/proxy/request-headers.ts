import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { decodableEncodings } from '../http/encodings.js';
import { OVERRIDE_HEADERS } from '../overrides/index.js';

/**
 * Headers of the requests the gateway makes: to upstream for the page or file, and to every
 * fragment service. The browser talks to `http://127.0.0.1:PORT`; production expects to be
 * talked to as itself, so what names the gateway's origin is pointed back at upstream.
 */
export interface RequestHeaderContext {
  upstreamOrigin: string;
  gatewayOrigin: string;
  /** Cookie header for upstream: the browser's, minus mfe-dev's, plus active presets'. */
  cookieHeader: string | undefined;
  /** Headers of active presets. */
  presetHeaders: Readonly<Record<string, string>>;
  /** Some fragment is `local` or `shadow` for this request. */
  overridden: boolean;
}

/**
 * Prepare the browser's request headers in place before http-proxy copies them upstream.
 * Hop-by-hop headers describe the browser's connection, not the request: a `Connection: close`
 * from the browser must not close the gateway's pooled connection to production.
 */
export function prepareUpstreamHeaders(headers: IncomingHttpHeaders, context: RequestHeaderContext, method: string, upgrade = false): void {
  if (!upgrade) {
    const named = typeof headers.connection === 'string' ? headers.connection.split(',').map((h) => h.trim().toLowerCase()) : [];
    for (const name of [...named, 'connection', 'keep-alive', 'proxy-connection']) {
      if (name !== 'transfer-encoding' && name !== 'te') delete headers[name];
    }
  }
  // mfe-dev's own headers are for the gateway; production never sees them.
  for (const name of OVERRIDE_HEADERS) delete headers[name];
  if (context.cookieHeader === undefined) delete headers.cookie;
  else headers.cookie = context.cookieHeader;
  if (headers.origin === context.gatewayOrigin) headers.origin = context.upstreamOrigin;
  if (typeof headers.referer === 'string') headers.referer = toUpstream(headers.referer, context);
  for (const [name, value] of Object.entries(context.presetHeaders)) headers[name.toLowerCase()] = value;
  // A page comes back in an encoding the composer can read: browsers also offer zstd, which
  // Node 20 cannot decompress, so HTML navigations offer only gzip, deflate and br.
  if (typeof headers['accept-encoding'] === 'string' && /text\/html/.test(headers.accept ?? '')) {
    headers['accept-encoding'] = decodableEncodings(headers['accept-encoding']);
  }
  // A page cached while the header was `prod` must not come back as a 304 once it is `local`:
  // with any override active, HTML navigations are always fetched whole.
  if (context.overridden && (method === 'GET' || method === 'HEAD') && /text\/html/.test(headers.accept ?? '')) {
    delete headers['if-none-match'];
    delete headers['if-modified-since'];
  }
}

/**
 * Browser headers a fragment request never carries: they describe the browser's connection or
 * body, are the gateway's own (`accept-encoding`, `host`), or would make a fragment answer
 * something other than the whole fragment (conditionals, ranges).
 */
const NOT_TO_FRAGMENTS = new Set([
  'host', 'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade',
  'content-length', 'content-type', 'expect', 'accept-encoding', 'cookie', 'proxy-authorization',
  'if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since', 'if-range', 'range',
  ...OVERRIDE_HEADERS,
]);

/**
 * What a real edge forwards to its fragment services: nginx's subrequests and Varnish's ESI
 * requests carry the browser's request headers (a fragment that varies on a device, A/B or
 * toggle header renders as in production), less the ones above; the cookies are the browser's
 * minus mfe-dev's (plus presets'). Tailor filters these further (tailor/fragment-headers.ts).
 */
export function fragmentRequestHeaders(browser: IncomingHttpHeaders, context: RequestHeaderContext, gatewayHost: string): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8' };
  const named = typeof browser.connection === 'string' ? browser.connection.split(',').map((h) => h.trim().toLowerCase()) : [];
  for (const [name, value] of Object.entries(browser)) {
    if (value === undefined || NOT_TO_FRAGMENTS.has(name) || named.includes(name)) continue;
    headers[name] = value;
  }
  headers['accept-encoding'] = 'gzip, deflate, br';
  headers['x-forwarded-host'] = gatewayHost;
  headers['x-forwarded-proto'] = context.gatewayOrigin.startsWith('https:') ? 'https' : 'http';
  if (typeof headers.referer === 'string') headers.referer = toUpstream(headers.referer, context);
  if (typeof headers.origin === 'string' && headers.origin === context.gatewayOrigin) headers.origin = context.upstreamOrigin;
  if (context.cookieHeader !== undefined) headers.cookie = context.cookieHeader;
  for (const [name, value] of Object.entries(context.presetHeaders)) headers[name.toLowerCase()] = value;
  return headers;
}

function toUpstream(url: string, context: RequestHeaderContext): string {
  if (url === context.gatewayOrigin || url.startsWith(context.gatewayOrigin + '/')) {
    return context.upstreamOrigin + url.slice(context.gatewayOrigin.length);
  }
  return url;
}
