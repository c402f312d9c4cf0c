/**
 * Where an include may be fetched from, and whether the browser's cookies go with it. Production
 * markup (or a fragment's, or a redirect's) never chooses where the gateway connects: only the
 * config does. This is the one place that decides, for every include, its ESI `alt`, its Tailor
 * `fallback-src` and the includes nested in fragments.
 *
 * - upstream's origin (every configured fragment `src` lives there): fetched, with the cookies,
 *   as production's edge would send them to its own backends;
 * - the origin of a configured `local` service: fetched, with the cookies (the developer's own
 *   service, which already gets them in local mode);
 * - an origin listed in `includeHosts`: fetched, without the browser's cookies (a browser never
 *   sends production's cookies to another site, so an edge that included from there would not
 *   either);
 * - anything else, and any URL with user info (`http://user:pass@…`): not fetched; the reason says
 *   which config key would allow it.
 */
export type IncludeDecision = { fetch: true; cookies: boolean } | { fetch: false; reason: string };

export interface IncludePolicyOrigins {
  upstreamOrigin: string;
  localOrigins: readonly string[];
  includeHosts: readonly string[];
}

export type IncludePolicy = (url: URL) => IncludeDecision;

export function createIncludePolicy({ upstreamOrigin, localOrigins, includeHosts }: IncludePolicyOrigins): IncludePolicy {
  const withCookies = new Set([upstreamOrigin, ...localOrigins]);
  const withoutCookies = new Set(includeHosts);
  return (url) => {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return { fetch: false, reason: `only http(s) includes are followed, not ${url.protocol}` };
    }
    if (url.username !== '' || url.password !== '') {
      return { fetch: false, reason: 'not fetched: includes with user info (user:password@) are never followed' };
    }
    if (withCookies.has(url.origin)) return { fetch: true, cookies: true };
    if (withoutCookies.has(url.origin)) return { fetch: true, cookies: false };
    return {
      fetch: false,
      reason: `not fetched: ${url.origin} is not upstream (${upstreamOrigin}), a configured local service or in \`includeHosts\`; add '${url.origin}' to \`includeHosts\` in the mfe-dev config to allow it`,
    };
  };
}
