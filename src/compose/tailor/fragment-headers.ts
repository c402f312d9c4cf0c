import type { OutgoingHttpHeaders } from 'node:http';

/**
 * The headers Tailor sends with a fragment request (`lib/filter-headers.js`): of the browser's,
 * only `accept-language`, `referer` and `user-agent`, plus `x-request-uri` and `x-request-host`
 * (which the proxy in front of Tailor sets; mfe-dev sets them from the page's URL on upstream),
 * and none of these for a `public` fragment. Never the browser's cookies or its other headers.
 * mfe-dev's own headers (`accept`, `accept-encoding`, `x-forwarded-*`, presets' headers and
 * cookies) stay.
 */
const BROWSER_HEADERS = ['accept-language', 'referer', 'user-agent'];
const OWN_HEADERS = ['accept', 'accept-encoding'];
const DROPPED_FOR_PUBLIC = ['x-forwarded-host', 'x-forwarded-proto'];

export function tailorFragmentHeaders(
  forwarded: OutgoingHttpHeaders,
  pageUrl: URL,
  attributes: Readonly<Record<string, string>>,
  presetCookieNames: readonly string[] = [],
  presetHeaderNames: readonly string[] = [],
): OutgoingHttpHeaders {
  const isPublic = Object.hasOwn(attributes, 'public');
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(forwarded)) {
    const lower = name.toLowerCase();
    if (lower === 'cookie') {
      const kept = presetCookies(String(value), presetCookieNames);
      if (kept) headers.cookie = kept;
      continue;
    }
    const own = OWN_HEADERS.includes(lower) || presetHeaderNames.includes(lower);
    const browser = BROWSER_HEADERS.includes(lower) || DROPPED_FOR_PUBLIC.includes(lower);
    if (own || (browser && !isPublic)) headers[lower] = value;
  }
  if (!isPublic) {
    headers['x-request-uri'] = pageUrl.pathname + pageUrl.search;
    headers['x-request-host'] = pageUrl.host;
  }
  return headers;
}

/** The pairs of a Cookie header that active presets set (a preset's toggle reaches every fragment). */
function presetCookies(header: string, names: readonly string[]): string | undefined {
  if (names.length === 0) return undefined;
  const kept = header
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => names.includes(pair.slice(0, pair.indexOf('=') === -1 ? pair.length : pair.indexOf('=')).trim()));
  return kept.length > 0 ? kept.join('; ') : undefined;
}
