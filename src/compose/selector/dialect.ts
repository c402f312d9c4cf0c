import { localUrlFor, overrideUrlFor } from '../../config/fragment-match.js';
import type { Marker } from '../../html/scan-page.js';
import type { Dialect } from '../dialect.js';
import { DEFAULT_FRAGMENT_TIMEOUT_MS } from '../fetch-fragment.js';

/**
 * Pages production composed already: the element a non-`prod` fragment's `selector` matches is
 * replaced by the local service's (or the preview's) answer for the fragment's `src` (with the
 * page's query), or shadowed (the element stays production's). Nothing is requested from
 * production for it: the page has it.
 */

type ElementMarker = Extract<Marker, { type: 'element' }>;

export const selectorDialect: Dialect<ElementMarker> = {
  name: 'selector',
  markers: ['element'],
  resolve(engine, site, marker, raw) {
    const { ctx } = engine;
    const fragment = ctx.selectorFragments?.get(marker.selector);
    const mode = (fragment && ctx.modes.get(fragment.name)) ?? 'prod';
    if (!fragment || mode === 'prod') return raw;
    // The local service (or the preview) answers for the fragment's `src`, with the page's query.
    const includeUrl = new URL(fragment.src, ctx.pageUrl);
    includeUrl.search = ctx.pageUrl.search;
    const timeoutMs = fragment.timeout ?? DEFAULT_FRAGMENT_TIMEOUT_MS;
    if (mode === 'shadow') {
      if (!fragment.local) return raw;
      ctx.overridden = true;
      ctx.shadowFragment?.({ page: ctx.page, name: fragment.name, prodUrl: ctx.pageUrl, localUrl: localUrlFor(fragment, includeUrl), headers: ctx.fragmentHeaders, timeoutMs, extract: fragment.selector });
      return raw;
    }
    const targetUrl = overrideUrlFor(fragment, mode, includeUrl);
    if (!targetUrl) return raw;
    if (mode === 'local') ctx.overridden = true;
    const info = { page: ctx.page, name: fragment.name, mode, src: fragment.src, url: targetUrl.href, depth: site.depth };
    return engine.fetchLocal(info, targetUrl, timeoutMs, site);
  },
};
