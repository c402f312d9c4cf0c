import type { OutgoingHttpHeaders } from 'node:http';

/**
 * The headers Tailor sends with a fragment request (`lib/filter-headers.js`): of the browser's,
 * only `accept-language`, `referer` and `user-agent`, plus `x-request-uri` and `x-request-host`
 * (which the proxy in front of Tailor sets; mfe-dev sets them from the page's URL on upstream),
 * and none of these for a `public` fragment. Never the browser's cookies or other headers.
 * mfe-dev's own headers (`accept`, `accept-encoding`, `x-forwarded-*`, presets' headers and
 * cookies) stay.
 */
const BROWSER_HEADERS = ['accept-language', 'referer', 'user-agent'];
const GATEWAY_HEADERS = ['accept', 'accept-encoding', 'x-forwarded-host', 'x-forwarded-proto'];
const DROPPED_FOR_PUBLIC = ['x-forwarded-host', 'x-forwarded-proto'];

export interface TailorPresets {
  cookieNames?: readonly string[];
  /** Lower case. */
  headerNames?: readonly string[];
}

export function tailorFragmentHeaders(forwarded: OutgoingHttpHeaders, pageUrl: URL, attributes: Readonly<Record<string, string>>, presets: TailorPresets = {}): OutgoingHttpHeaders {
  const isPublic = Object.hasOwn(attributes, 'public');
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(forwarded)) {
    const lower = name.toLowerCase();
    if (lower === 'cookie') {
      const kept = presetCookies(String(value), presets.cookieNames ?? []);
      if (kept) headers.cookie = kept;
      continue;
    }
    const preset = presets.headerNames?.includes(lower) ?? false;
    if (!preset && !BROWSER_HEADERS.includes(lower) && !GATEWAY_HEADERS.includes(lower)) continue;
    if (isPublic && !preset && (BROWSER_HEADERS.includes(lower) || DROPPED_FOR_PUBLIC.includes(lower))) continue;
    headers[lower] = value;
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
