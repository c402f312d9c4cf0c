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
 * - the origin of a configured `previews` URL, for any preview id (`{id}` in the host matches an
 *   id): fetched, with the cookies (the team's own build of the fragment, asked as production's is);
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
  /** The fragments' `previews` URL templates (with `{id}`). */
  previewTemplates?: readonly string[];
}

export type IncludePolicy = (url: URL) => IncludeDecision;

/** The two answers that allow (every include of every page gets one of them: made once). */
const WITH_COOKIES: IncludeDecision = Object.freeze({ fetch: true, cookies: true });
const WITHOUT_COOKIES: IncludeDecision = Object.freeze({ fetch: true, cookies: false });

export function createIncludePolicy({ upstreamOrigin, localOrigins, includeHosts, previewTemplates = [] }: IncludePolicyOrigins): IncludePolicy {
  const withCookies = [...new Set([upstreamOrigin, ...localOrigins])];
  const previewOrigins = previewTemplates.map(previewOriginPattern);
  const withoutCookies = [...new Set(includeHosts)];
  return (url) => {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return { fetch: false, reason: `only http(s) includes are followed, not ${url.protocol}` };
    }
    if (url.username !== '' || url.password !== '') {
      return { fetch: false, reason: 'not fetched: includes with user info (user:password@) are never followed' };
    }
    const { href } = url;
    if (withCookies.some((origin) => hasOrigin(href, origin)) || (previewOrigins.length > 0 && previewOrigins.some((pattern) => pattern.test(url.origin)))) return WITH_COOKIES;
    if (withoutCookies.some((origin) => hasOrigin(href, origin))) return WITHOUT_COOKIES;
    return {
      fetch: false,
      reason: `not fetched: ${url.origin} is not upstream (${upstreamOrigin}), a configured local service or in \`includeHosts\`; add '${url.origin}' to \`includeHosts\` in the mfe-dev config to allow it`,
    };
  };
}

/**
 * Whether an http(s) URL without user info (its `href`) is on `origin`, without building
 * `url.origin` (a new string per include): such an href is the origin, then the path's `/`.
 */
function hasOrigin(href: string, origin: string): boolean {
  return href.startsWith(origin) && href.charCodeAt(origin.length) === 0x2f;
}

/** `http://header-pr-{id}.previews.svc:8080/x` → a pattern of the origins its preview ids give. */
function previewOriginPattern(template: string): RegExp {
  const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(template)?.[0] ?? template;
  const parts = origin.toLowerCase().split('{id}').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  // Default ports are dropped from an origin, as URL does.
  const pattern = parts.join('[a-z0-9][a-z0-9-]{0,39}').replace(/^(http:.*):80$/, '$1').replace(/^(https:.*):443$/, '$1');
  return new RegExp(`^${pattern}$`);
}
