import type { ResolvedConfig, ResolvedFragment } from './types.js';

/**
 * Which configured fragment an include belongs to: its src path is the fragment's `src` or lies
 * under it in whole path segments (`/fragments/header/x` and `/fragments/header?q` match,
 * `/fragments/headerx` does not). The longest `src` wins when several match.
 */
export type FragmentMatcher = (url: URL) => ResolvedFragment | undefined;

export function createFragmentMatcher(config: ResolvedConfig): FragmentMatcher {
  const upstreamOrigin = new URL(config.upstream).origin;
  const bySrcLength = [...config.fragments.values()].sort((a, b) => b.src.length - a.src.length);
  return (url) => {
    if (url.origin !== upstreamOrigin) return undefined;
    const path = url.pathname;
    for (const fragment of bySrcLength) {
      const src = fragment.src.endsWith('/') ? fragment.src.slice(0, -1) : fragment.src;
      if (path === src || path.startsWith(src + '/') || (src === '' && path.startsWith('/'))) return fragment;
    }
    return undefined;
  };
}

/** The local service's URL for an include: local's own path, then the include's path and query. */
export function localUrlFor(fragment: ResolvedFragment, includeUrl: URL): URL {
  const local = new URL(fragment.local!);
  const base = local.pathname.endsWith('/') ? local.pathname.slice(0, -1) : local.pathname;
  local.pathname = base + includeUrl.pathname;
  local.search = includeUrl.search;
  return local;
}
