import type { OutgoingHttpHeaders } from 'node:http';

/**
 * The ESI 1.0 request variables (W3C ESI Language Specification 1.0, §5), read from the
 * request as production's edge would see it: the headers mfe-dev forwards to fragments (the
 * browser's cookies minus mfe-dev's own, plus presets'), and the page's URL on upstream (so
 * `HTTP_HOST` is production's host, not 127.0.0.1).
 *
 * | variable | kind | value |
 * | --- | --- | --- |
 * | `HTTP_ACCEPT_LANGUAGE` | list | `{en}` is `true` when `en` is one of the languages |
 * | `HTTP_COOKIE` | dictionary | `{name}` is the cookie's value; alone, the whole header |
 * | `HTTP_HOST`, `HTTP_REFERER` | string | the header |
 * | `HTTP_USER_AGENT` | dictionary | `{browser}` MSIE/MOZILLA/OTHER, `{os}` WIN/MAC/UNIX/OTHER, `{version}`; alone, the header |
 * | `QUERY_STRING` | dictionary | `{name}` is the first value of the parameter; alone, the query without `?` |
 * | `HTTP_HEADER` | dictionary | `{name}` any request header (Akamai) |
 *
 * Other names are the page's `<esi:assign>` variables; anything else is undefined, which ESI
 * prints as the empty string.
 */
export interface EsiRequest {
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The page's query string without `?` ('' when none). */
  readonly queryString: string;
  /** Production's host (`www.example.com`), as the edge received it. */
  readonly host: string;
  /** Variables set by `<esi:assign>` on this page (an Akamai/Fastly extension), in document order. */
  readonly assigned: Map<string, EsiValue>;
}

export type EsiValue = string | number | boolean | undefined;

/** The request as ESI sees it, from a page URL on upstream and the headers fragments get. */
export function esiRequest(pageUrl: URL, headers: OutgoingHttpHeaders): EsiRequest {
  const flat: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return { headers: flat, queryString: pageUrl.search.slice(1), host: pageUrl.host, assigned: new Map() };
}

export function lookupVariable(request: EsiRequest, name: string, key: string | undefined): EsiValue {
  switch (name) {
    case 'HTTP_ACCEPT_LANGUAGE': {
      const header = request.headers['accept-language'];
      if (key === undefined) return header;
      if (header === undefined) return false;
      const wanted = key.toLowerCase();
      return header.split(',').some((part) => part.split(';')[0].trim().toLowerCase() === wanted);
    }
    case 'HTTP_COOKIE': {
      const header = request.headers.cookie;
      return key === undefined ? header : header === undefined ? undefined : cookieValue(header, key);
    }
    case 'HTTP_HOST':
      return key === undefined ? request.host : undefined;
    case 'HTTP_REFERER':
      return key === undefined ? request.headers.referer : undefined;
    case 'HTTP_USER_AGENT': {
      const header = request.headers['user-agent'];
      if (key === undefined) return header;
      return userAgentField(header ?? '', key);
    }
    case 'QUERY_STRING':
      return key === undefined ? request.queryString || undefined : queryValue(request.queryString, key);
    case 'HTTP_HEADER':
      return key === undefined ? undefined : request.headers[key.toLowerCase()];
    default:
      return key === undefined ? request.assigned.get(name) : undefined;
  }
}

function cookieValue(header: string, name: string): string | undefined {
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1) continue;
    if (pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}

function queryValue(query: string, name: string): string | undefined {
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    const key = eq === -1 ? pair : pair.slice(0, eq);
    if (safeDecode(key) !== name) continue;
    return eq === -1 ? '' : safeDecode(pair.slice(eq + 1));
  }
  return undefined;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** The W3C note's three `HTTP_USER_AGENT` fields. */
function userAgentField(userAgent: string, field: string): string | undefined {
  switch (field) {
    case 'browser':
      if (/MSIE|Trident\//.test(userAgent)) return 'MSIE';
      return /Mozilla/.test(userAgent) ? 'MOZILLA' : 'OTHER';
    case 'os':
      if (/Windows|Win(?:95|98|NT|32)/.test(userAgent)) return 'WIN';
      if (/Mac/.test(userAgent)) return 'MAC';
      return /Linux|X11|BSD|SunOS|UNIX/i.test(userAgent) ? 'UNIX' : 'OTHER';
    case 'version': {
      const msie = /MSIE (\d+(?:\.\d+)?)/.exec(userAgent);
      if (msie) return msie[1];
      const mozilla = /Mozilla\/(\d+(?:\.\d+)?)/.exec(userAgent);
      return mozilla ? mozilla[1] : undefined;
    }
    default:
      return undefined;
  }
}
