/**
 * The dev page's side-by-side view of a shadow difference (ui/side-by-side.ts), on diffs the
 * comparison really makes: production left, local right, the changed lines (and words) marked,
 * a few unchanged lines around each change, everything escaped and bounded.
 */
import * as cheerio from 'cheerio';
import { describe, expect, it } from 'vitest';
import { compareResponses, type SideResponse } from '../../src/shadow/compare.js';
import { NO_IGNORES } from '../../src/html/comparable-document.js';
import { NoiseBook } from '../../src/shadow/noise.js';
import { diffDocuments } from '../../src/shadow/structural-diff.js';
import { parseForComparison } from '../../src/html/comparable-document.js';
import { MAX_LINE_CHARS, renderSideBySide } from '../../src/ui/side-by-side.js';

const side = (body: string): SideResponse => ({ status: 200, headers: { 'content-type': 'text/html' }, body, durationMs: 1 });
const diffOf = (prod: string, local: string) =>
  compareResponses({ fragment: 'header', path: '/fragments/header', prod: side(prod), local: side(local), ignores: NO_IGNORES, noise: new NoiseBook() }).diff;

/** The rendered table as rows of [prod number, prod cell class, prod text, local number, local class, local text]. */
function rows(html: string) {
  const $ = cheerio.load(html);
  return $('table.sxs tr')
    .toArray()
    .filter((tr) => $(tr).find('td').length === 4)
    .map((tr) => {
      const td = $(tr).find('td').toArray().map((c) => $(c));
      return { changed: $(tr).attr('data-changed') !== undefined, prodNo: td[0].text(), prodClass: td[1].attr('class'), prod: td[1].text(), localNo: td[2].text(), localClass: td[3].attr('class'), local: td[3].text(), html: $(tr).html() ?? '' };
    });
}

const nav = (items: string[]) => `<header class="site-header"><nav class="main">${items.map((t, i) => `<a href="/${i}">${t}</a>`).join('')}</nav></header>`;

describe('renderSideBySide', () => {
  it('marks exactly the changed line, red on the left and green on the right, the changed word within it, with unchanged lines around', () => {
    const items = Array.from({ length: 12 }, (_, i) => `Item ${i}`);
    const changed = [...items];
    changed[6] = 'Item six, renamed';
    const table = rows(renderSideBySide(diffOf(nav(items), nav(changed))));
    const marked = table.filter((r) => r.changed);
    expect(marked).toHaveLength(1);
    expect(marked[0]).toMatchObject({ prodClass: 'del', localClass: 'ins', prod: '      "Item 6"', local: '      "Item six, renamed"' });
    expect(marked[0].html).toContain('<del>6</del>');
    expect(marked[0].html).toContain('<ins>six, renamed</ins>');
    expect(marked[0].prodNo).toBe(marked[0].localNo);
    // Three unchanged lines before and after, the same on both sides, numbered in order.
    const index = table.indexOf(marked[0]);
    const context = [...table.slice(index - 3, index), ...table.slice(index + 1, index + 4)];
    expect(context.map((r) => [r.prodClass, r.localClass])).toEqual(Array(6).fill(['ctx', 'ctx']));
    expect(context.every((r) => r.prod === r.local)).toBe(true);
    expect(table[index - 1].prod).toBe('    <a href="/6">');
    expect(Number(table[index - 1].prodNo) + 1).toBe(Number(marked[0].prodNo));
    expect(table).toHaveLength(7);
  });

  it('a line only production has faces an empty cell, and the other way round', () => {
    const table = rows(renderSideBySide(diffOf(nav(['Home', 'Deals', 'Help']), nav(['Home', 'Help', 'Stores', 'Offers']))));
    const marked = table.filter((r) => r.changed);
    // Production's "Deals" link is gone: red on the left, an empty, unnumbered cell on the right.
    expect(marked.filter((r) => r.prodClass === 'del').map((r) => [r.prod.trim(), r.localClass, r.local, r.localNo])).toEqual([
      ['"Deals"', 'none', '', ''],
      ['<a href="/2">', 'none', '', ''],
    ]);
    // The local links added after "Help": green on the right, empty on the left.
    expect(marked.filter((r) => r.localClass === 'ins').map((r) => [r.local.trim(), r.prodClass, r.prod, r.prodNo])).toEqual([
      ['<a href="/2">', 'none', '', ''],
      ['"Stores"', 'none', '', ''],
      ['<a href="/3">', 'none', '', ''],
      ['"Offers"', 'none', '', ''],
    ]);
  });

  it('escapes every text: paths, lines, marked words', () => {
    const evil = '</td></table><script>alert(1)</script><img src=x onerror=alert(2)>';
    const html = renderSideBySide({
      hunks: [{ path: `div > ${evil}`, prod: [`"${evil}"`], local: [`"${evil} & more"`], before: [`<p title="${evil}">`], after: [], prodLine: 2, localLine: 2 }],
      omitted: 0,
    });
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    const $ = cheerio.load(html);
    expect($('script, img').length).toBe(0);
    expect($('tr.path td').text()).toBe(`div > ${evil}`);
    expect($('ins').text()).toBe(' & more');
  });

  it('stays bounded: a long fragment shows its change with context only, long lines are cut, at most 20 changes, word marking stops at the budget', () => {
    const many = Array.from({ length: 1000 }, (_, i) => `Line ${i}`);
    const changed = [...many];
    changed[500] = 'Line five hundred';
    const html = renderSideBySide(diffOf(nav(many), nav(changed)));
    expect(rows(html)).toHaveLength(7);
    expect(html.length).toBeLessThan(5000);

    const long = 'x'.repeat(5000);
    const cut = rows(renderSideBySide({ hunks: [{ path: 'p', prod: [long], local: ['y'], before: [], after: [] }], omitted: 0 }));
    expect(cut[0].prod.length).toBeLessThan(MAX_LINE_CHARS + 50);
    expect(cut[0].prod).toContain(`… (${5000 - MAX_LINE_CHARS} more characters)`);

    const scattered = Array.from({ length: 200 }, (_, i) => `Link ${i}`);
    const everyTenth = scattered.map((t, i) => (i % 8 === 0 ? `${t} changed` : t));
    const capped = diffOf(nav(scattered), nav(everyTenth));
    expect(capped.hunks).toHaveLength(20);
    expect(capped.omitted).toBeGreaterThan(0);
    const cappedHtml = renderSideBySide(capped, { pairs: 3 });
    expect(cappedHtml).toMatch(/\d+ more line\(s\) or change\(s\) left out/);
    expect(cappedHtml.match(/<ins>/g)).toHaveLength(3);
  });

  it('context between two nearby changes is shown once', () => {
    const prod = parseForComparison(nav(['A', 'B', 'C', 'D']));
    const local = parseForComparison(nav(['A2', 'B', 'C', 'D2']));
    const diff = diffDocuments(prod, local);
    expect(diff.hunks).toHaveLength(2);
    const shown = diff.hunks.flatMap((h) => [...(h.before ?? []), ...(h.after ?? [])]);
    expect(new Set(shown).size).toBe(shown.length);
    expect(renderSideBySide({ hunks: [], omitted: 0 })).toBe('');
  });
});
