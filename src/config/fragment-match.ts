import { previewIdOf, type FragmentMode, type ResolvedConfig, type ResolvedFragment } from './types.js';
import { PREVIEW_PLACEHOLDER } from './urls.js';

/**
 * Which configured fragment an include belongs to: its src path is the fragment's `src` or lies
 * under it in whole path segments (`/fragments/header/x` and `/fragments/header?q` match,
 * `/fragments/headerx` does not). The longest `src` wins when several match.
 */
export type FragmentMatcher = (url: URL) => ResolvedFragment | undefined;

export function createFragmentMatcher(config: ResolvedConfig): FragmentMatcher {
  const upstreamOrigin = new URL(config.upstream).origin;
  // Longest first; each with the strings it is compared by, made once (a page asks per include).
  const bySrcLength = [...config.fragments.values()]
    .sort((a, b) => b.src.length - a.src.length)
    .map((fragment) => {
      const src = fragment.src.endsWith('/') ? fragment.src.slice(0, -1) : fragment.src;
      return { fragment, src, under: `${src}/` };
    });
  return (url) => {
    // `url.origin`, without building it: the href starts with the origin and then the path,
    // unless it has user info (then the origin is asked).
    const href = url.href;
    const sameOrigin = (href.startsWith(upstreamOrigin) && href.charCodeAt(upstreamOrigin.length) === 0x2f) || (href.includes('@') && url.origin === upstreamOrigin);
    if (!sameOrigin) return undefined;
    const path = url.pathname;
    for (const { fragment, src, under } of bySrcLength) {
      if (path === src || path.startsWith(under)) return fragment;
    }
    return undefined;
  };
}

/** The local service's URL for an include: local's own path, then the include's path and query. */
export function localUrlFor(fragment: ResolvedFragment, includeUrl: URL): URL {
  return serviceUrlFor(fragment.local!, includeUrl);
}

/** Where a fragment's preview `id` runs: its `previews` template with the id put in (a validated id). */
export function previewServiceOf(fragment: ResolvedFragment, id: string): string {
  return fragment.previews!.split(PREVIEW_PLACEHOLDER).join(id);
}

/** A preview's URL for an include: the `previews` template with the id, then the include's path and query. */
export function previewUrlFor(fragment: ResolvedFragment, id: string, includeUrl: URL): URL {
  return serviceUrlFor(previewServiceOf(fragment, id), includeUrl);
}

/**
 * Where a fragment in `mode` is fetched instead of production: its local service (`local`), a
 * preview (`preview:ID`), or undefined (`prod`, `shadow`, or nothing configured for the mode).
 */
export function overrideUrlFor(fragment: ResolvedFragment, mode: FragmentMode, includeUrl: URL): URL | undefined {
  if (mode === 'local') return fragment.local === undefined ? undefined : localUrlFor(fragment, includeUrl);
  const id = previewIdOf(mode);
  return id !== undefined && fragment.previews !== undefined ? previewUrlFor(fragment, id, includeUrl) : undefined;
}

function serviceUrlFor(service: string, includeUrl: URL): URL {
  const local = new URL(service);
  const base = local.pathname.endsWith('/') ? local.pathname.slice(0, -1) : local.pathname;
  local.pathname = base + includeUrl.pathname;
  local.search = includeUrl.search;
  return local;
}
