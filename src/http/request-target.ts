/**
 * The one way a browser's request-target becomes a URL on production.
 *
 * A request-target is a path, never a URL: `GET //other.example/x` asks for the path
 * `//other.example/x` of the gateway, so the page it names is that path on upstream. Resolving
 * the target against upstream as a relative URL (`new URL(target, upstream)`) would read `//host`
 * (and `/\host`, which URL parsers treat alike) as another host, and every include of that page
 * would then be fetched from wherever the request pointed, with the developer's cookies.
 */

/**
 * `upstreamOrigin` + the target's path and query, or `undefined` when the target is not in
 * origin form (does not start with `/`) or cannot be a path on upstream.
 *
 * @example upstreamUrlFor('https://www.example.com', '//evil.example/x').href
 *          // 'https://www.example.com//evil.example/x'
 */
export function upstreamUrlFor(upstreamOrigin: string, target: string): URL | undefined {
  if (!target.startsWith('/')) return undefined;
  let url: URL;
  try {
    // Concatenation keeps the target a path: the authority is upstream's, whatever follows it.
    url = new URL(upstreamOrigin + target);
  } catch {
    return undefined;
  }
  return url.origin === upstreamOrigin ? url : undefined;
}

/**
 * A target of path characters only (RFC 3986's `pchar`, `/`, `?` and `%`) after its leading `/`:
 * concatenated to an origin it can only be that origin's path and query, so it needs no parse.
 */
const PLAIN_TARGET = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*$/;

/** Whether `target` is a path on upstream (what `upstreamUrlFor` accepts), without a URL parse for a plain one. */
export function isUpstreamPath(upstreamOrigin: string, target: string): boolean {
  return PLAIN_TARGET.test(target) || upstreamUrlFor(upstreamOrigin, target) !== undefined;
}

/** Text for a 400 answer to a request-target that cannot be a path on upstream. */
export function badTargetMessage(upstreamOrigin: string): string {
  return `mfe-dev: this request's target is not a path. The gateway only serves paths of ${upstreamOrigin} (it is not a forward proxy).\n`;
}
