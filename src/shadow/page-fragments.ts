import { scanBuffer } from '../html/scan-page.js';

/**
 * What a production page holds for shadow mode, read with the gateway's own scanner: the srcs of
 * its include markers (SSI `include`, ESI, Tailor, inside `<!--esi … -->` too), and the elements matching
 * the selectors of fragments that production composed already.
 */
export interface PageFragments {
  /** Include srcs as written, in document order. */
  includes: string[];
  /** Outer HTML of the first element matching each selector. */
  elements: Map<string, string>;
}

export function findPageFragments(page: Buffer, selectors: readonly string[] = []): PageFragments {
  const found: PageFragments = { includes: [], elements: new Map() };
  const visit = (bytes: Buffer, withSelectors: boolean) => {
    for (const part of scanBuffer(bytes, withSelectors && selectors.length ? { selectors } : {})) {
      if (Buffer.isBuffer(part)) continue;
      const { marker } = part;
      if (marker.type === 'ssi' || marker.type === 'esi-include' || marker.type === 'tailor') found.includes.push(marker.src);
      else if (marker.type === 'ssi-command' && marker.command.name === 'include') {
        // `virtual` or `file`, as written: a src with SSI variables in it is left out (no request state here).
        const src = marker.command.params.find((p) => p.name === 'virtual' || p.name === 'file')?.value;
        if (src !== undefined && !src.includes('$')) found.includes.push(src);
      }
      else if (marker.type === 'esi-comment') visit(marker.inner, false);
      else if (marker.type === 'esi-block' && marker.tag !== 'text' && marker.tag !== 'comment') {
        // `<esi:try>`, `<esi:choose>`, `<esi:vars>`: the includes inside (any branch) count; the
        // block's own tags are cut off, so the inner bytes are shorter and scanned once more.
        const open = part.raw.indexOf('>') + 1;
        const close = part.raw.lastIndexOf('<');
        if (open > 0 && close > open) visit(part.raw.subarray(open, close), false);
      }
      else if (marker.type === 'element' && !found.elements.has(marker.selector)) found.elements.set(marker.selector, part.raw.toString('utf8'));
    }
  };
  visit(page, true);
  return found;
}

/** The outer HTML of the first element matching `selector`, or undefined. */
export function extractElement(page: string, selector: string): string | undefined {
  return findPageFragments(Buffer.from(page, 'utf8'), [selector]).elements.get(selector);
}
