import type { EsiAttemptScope } from './esi/evaluate.js';

/**
 * Where an include sits: the document it appears in, how deep that document is nested, the
 * includes that led there, and the `<esi:attempt>` it belongs to. One value, handed on whole.
 */
export interface IncludeSite {
  /** The document the include appears in (relative srcs resolve against it). */
  readonly base: URL;
  /** 0 for the page itself, 1 inside one of its fragments, … */
  readonly depth: number;
  /** Production URLs of the documents that led here (the page first), to detect loops. */
  readonly chain: readonly string[];
  /** The `<esi:attempt>` being composed, if any: a failed ESI include there makes it fail. */
  readonly scope?: EsiAttemptScope;
}

/** The page itself. */
export function pageSite(pageUrl: URL): IncludeSite {
  return { base: pageUrl, depth: 0, chain: [pageUrl.href] };
}

/** Inside the fragment at `url`, included from `site` (an attempt's scope does not reach into fragments). */
export function insideFragment(site: IncludeSite, url: URL): IncludeSite {
  return { base: url, depth: site.depth + 1, chain: [...site.chain, url.href] };
}

/** The same site, in the `<esi:attempt>` `scope` (or in none). */
export function inScope(site: IncludeSite, scope: EsiAttemptScope | undefined): IncludeSite {
  return scope === site.scope ? site : { ...site, scope };
}

/**
 * The site with its base on upstream: a local fragment's relative includes resolve against the
 * page on upstream, as production would see them.
 */
export function onUpstream(site: IncludeSite, pageUrl: URL): IncludeSite {
  // (Most includes sit in the page itself: its own URL, no origins to build and compare.)
  return site.base === pageUrl || site.base.origin === pageUrl.origin ? site : { ...site, base: pageUrl };
}
