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
 * Request headers that never go to a fragment: they describe the browser's connection or its
 * request's body (a fragment request is a GET without one), ask for a part or a revalidation of
 * the page (a fragment is always fetched whole), or are mfe-dev's own.
 */
const NOT_TO_FRAGMENTS = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'expect',
  'range',
  'if-range',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'http2-settings',
  ...OVERRIDE_HEADERS,
]);

/**
 * What a real edge forwards to its fragment services: nginx's subrequests and Varnish's ESI
 * requests carry all the browser's request headers, so do these — less the hop-by-hop ones,
 * mfe-dev's own headers and cookies, and the encodings the gateway cannot decode. (To
 * `includeHosts` origins the engine leaves out the cookies and credentials too.)
 */
export function fragmentRequestHeaders(browser: IncomingHttpHeaders, context: RequestHeaderContext, gatewayHost: string): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  const named = typeof browser.connection === 'string' ? browser.connection.split(',').map((h) => h.trim().toLowerCase()) : [];
  for (const [name, value] of Object.entries(browser)) {
    if (value === undefined || NOT_TO_FRAGMENTS.has(name) || named.includes(name) || name.startsWith(':')) continue;
    headers[name] = value;
  }
  headers.accept ??= 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8';
  headers['accept-encoding'] = 'gzip, deflate, br';
  headers['x-forwarded-host'] = gatewayHost;
  headers['x-forwarded-proto'] = context.gatewayOrigin.startsWith('https:') ? 'https' : 'http';
  if (typeof headers.referer === 'string') headers.referer = toUpstream(headers.referer, context);
  if (headers.origin === context.gatewayOrigin) headers.origin = context.upstreamOrigin;
  if (context.cookieHeader !== undefined) headers.cookie = context.cookieHeader;
  else delete headers.cookie;
  for (const [name, value] of Object.entries(context.presetHeaders)) headers[name.toLowerCase()] = value;
  return headers;
}

function toUpstream(url: string, context: RequestHeaderContext): string {
  if (url === context.gatewayOrigin || url.startsWith(context.gatewayOrigin + '/')) {
    return context.upstreamOrigin + url.slice(context.gatewayOrigin.length);
  }
  return url;
}
