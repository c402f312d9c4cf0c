import { describe, expect, it } from 'vitest';
import { compareResponses, type SideResponse } from '../../src/shadow/compare.js';
import { NO_IGNORES, type DocumentIgnores } from '../../src/html/comparable-document.js';
import { NoiseBook } from '../../src/shadow/noise.js';
import { diffAsText, diffDocuments } from '../../src/shadow/structural-diff.js';
import { parseForComparison } from '../../src/html/comparable-document.js';

const html = (body: string, extra: Partial<SideResponse> = {}): SideResponse => ({
  status: 200,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body,
  durationMs: 1,
  ...extra,
});

function compare(prod: string | SideResponse, local: string | SideResponse, options: { calibration?: string | SideResponse; ignores?: DocumentIgnores; noise?: NoiseBook } = {}) {
  const side = (value: string | SideResponse) => (typeof value === 'string' ? html(value) : value);
  return compareResponses({
    fragment: 'header',
    path: '/fragments/header',
    prod: side(prod),
    calibration: options.calibration === undefined ? undefined : side(options.calibration),
    local: side(local),
    ignores: options.ignores ?? NO_IGNORES,
    noise: options.noise ?? new NoiseBook(),
  });
}

describe('shadow comparison of two answers', () => {
  it.each([
    ['whitespace', '<nav><a href="/">Home</a></nav>', '<nav>\n  <a href="/">\n    Home\n  </a>\n</nav>'],
    ['attribute order and quotes', `<a class="x" href="/" id=y>Hi</a>`, `<a id="y" href='/' class="x">Hi</a>`],
    ['comments', '<p>Hi<!-- built 12:00 --></p>', '<p>Hi</p>'],
    ['entities', '<p>Fish &amp; chips</p>', '<p>Fish &#38; chips</p>'],
  ])('treats a difference in %s as identical', (_what, prod, local) => {
    const result = compare(prod, local);
    expect(result.identical).toBe(true);
    expect(result.diff.hunks).toEqual([]);
  });

  it('shows a real change with its path in the document, production beside local', () => {
    const prod = '<header id="top"><nav class="main"><a href="/">Home</a><a href="/shop">Shop</a></nav></header>';
    const local = '<header id="top"><nav class="main"><a href="/">Home</a><a href="/store">Store</a></nav></header>';
    const result = compare(prod, local);
    expect(result.identical).toBe(false);
    expect(result.diff.hunks).toEqual([
      {
        path: 'header#top > nav.main > a:nth-of-type(2)',
        prod: ['    <a href="/shop">', '      "Shop"'],
        local: ['    <a href="/store">', '      "Store"'],
        // The unchanged lines around it, for the dev page's side-by-side view.
        before: ['  <nav class="main">', '    <a href="/">', '      "Home"'],
        after: [],
        prodLine: 5,
        localLine: 5,
      },
    ]);
    expect(diffAsText(result.diff)).toEqual(['@ header#top > nav.main > a:nth-of-type(2)', '- <a href="/shop">', '- "Shop"', '+ <a href="/store">', '+ "Store"']);
  });

  it('ignores what differs between two production answers (a token and a timestamp), and only that', () => {
    const page = (token: string, time: string, title = 'Welcome') =>
      `<form><input type="hidden" name="csrf" value="${token}"><h1>${title}</h1><p>Rendered at ${time}</p></form>`;
    const noise = new NoiseBook();
    // Without calibration the token and the time count.
    expect(compare(page('a1', '10:00:01'), page('zz', '10:00:07')).identical).toBe(false);
    // Production asked twice: token and time differ between its own answers, so they are noise.
    expect(compare(page('a1', '10:00:01'), page('zz', '10:00:07'), { calibration: page('b2', '10:00:02'), noise }).identical).toBe(true);
    // Learned for this fragment and path: later comparisons ignore them without a new calibration.
    expect(compare(page('c3', '11:00:00'), page('q9', '12:00:00'), { noise }).identical).toBe(true);
    // The title is not noise: a change there is still found, and shown.
    const changed = compare(page('c3', '11:00:00'), page('q9', '12:00:00', 'Hello'), { noise });
    expect(changed.identical).toBe(false);
    expect(diffAsText(changed.diff)).toEqual(['@ form > h1', '- "Welcome"', '+ "Hello"']);
  });

  it('drops an element that production shows only sometimes (a rotating slot) as noise', () => {
    const noise = new NoiseBook();
    const withAd = '<main><p>News</p><aside class="ad">Buy now</aside></main>';
    const withoutAd = '<main><p>News</p></main>';
    expect(compare(withAd, withoutAd, { calibration: withoutAd, noise }).identical).toBe(true);
  });

  it('applies the user ignores: selectors, attribute names (prefixes too), text patterns', () => {
    const ignores: DocumentIgnores = {
      selectors: ['.promo', 'footer [data-build]'],
      attributes: ['data-request-id', 'data-track-*'],
      text: [/v\d+\.\d+\.\d+/g],
    };
    const prod = '<div data-request-id="1" data-track-click="a"><p class="promo">Sale!</p><footer><span data-build="x1">Version v1.2.3</span></footer><p>Same</p></div>';
    const local = '<div data-request-id="2" data-track-click="b"><footer><span data-build="x2">other</span></footer><p>Version v2.0.0</p><p>Same</p></div>';
    expect(compare(prod, local).identical).toBe(false);
    const result = compare(prod, local.replace('<p>Version v2.0.0</p>', ''), { ignores });
    expect(result.identical).toBe(true);
    // The text pattern masks only its matches: the words around them still count.
    const text = compare('<p>Version v1.2.3</p>', '<p>Release v2.0.0</p>', { ignores });
    expect(diffAsText(text.diff)).toEqual(['@ p', '- "Version …"', '+ "Release …"']);
  });

  it('compares status and selected headers, with cookie values masked', () => {
    const prod = html('<p>x</p>', { headers: { 'content-type': 'text/html; charset=UTF-8', 'cache-control': 'public, max-age=60', 'set-cookie': ['session=secret-prod; Path=/'] } });
    const same = html('<p>x</p>', { headers: { 'content-type': 'text/html;charset=utf-8', 'cache-control': 'max-age=60, public', 'set-cookie': ['session=secret-local'] } });
    expect(compare(prod, same).identical).toBe(true);

    const other = html('<p>x</p>', { status: 500, headers: { 'content-type': 'text/plain', 'cache-control': 'private, max-age=5', 'set-cookie': ['tracking=secret-local'] } });
    const result = compare(prod, other);
    expect(result.fields).toEqual([
      { field: 'status', prod: '200', local: '500' },
      { field: 'header:content-type', prod: 'text/html; charset=utf-8', local: 'text/plain' },
      { field: 'header:cache-control', prod: 'max-age=60, public', local: 'max-age=5, private' },
      { field: 'header:set-cookie', prod: 'session=…', local: 'tracking=…' },
    ]);
    expect(JSON.stringify(result)).not.toContain('secret');
    // A dev server's "never cache" is not the fragment's doing.
    const devServer = html('<p>x</p>', { headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'set-cookie': ['session=x'] } });
    expect(compare(prod, devServer).identical).toBe(true);
  });

  it('learns header noise too (a cache-control that counts down)', () => {
    const noise = new NoiseBook();
    const at = (maxAge: number) => html('<p>x</p>', { headers: { 'content-type': 'text/html', 'cache-control': `max-age=${maxAge}` } });
    expect(compare(at(60), at(10), { calibration: at(59), noise }).identical).toBe(true);
  });

  it('keeps a huge rewrite readable: both sides shown from the start, bounded', () => {
    const many = (word: string) => `<ul>${Array.from({ length: 3000 }, (_, i) => `<li>${word} ${i}</li>`).join('')}</ul>`;
    const result = compare(many('a'), many('b'));
    expect(result.identical).toBe(false);
    expect(result.diff.hunks.length).toBeLessThanOrEqual(20);
    for (const hunk of result.diff.hunks) expect(hunk.prod.length + hunk.local.length).toBeLessThanOrEqual(60);
    expect(result.diff.omitted).toBeGreaterThan(0);
  });

  it('bounds the diff by its work, not the clock: a busy machine gets the same diff, a long document a smaller edit allowance', () => {
    const list = (n: number, changed: (i: number) => boolean) => parseForComparison(`<ul>${Array.from({ length: n }, (_, i) => `<li>Link ${i}${changed(i) ? ' changed' : ''}</li>`).join('')}</ul>`);
    // 200 lines, 25 changed: aligned line by line (the first 20 changes shown), however long it takes.
    const small = diffDocuments(list(200, () => false), list(200, (i) => i % 8 === 0), { timeoutMs: 60_000 });
    expect(small.hunks).toHaveLength(20);
    expect(diffDocuments(list(200, () => false), list(200, (i) => i % 8 === 0))).toEqual(small);
    // 20,000 lines, 30 changed (60 edits): past 1,000,000 / 40,000 = 25 edits, shown from the start.
    const big = diffDocuments(list(20_000, () => false), list(20_000, (i) => i % 667 === 1), { timeoutMs: 60_000 });
    expect(big.hunks).toHaveLength(1);
    expect(big.hunks[0].prodLine).toBe(1);
    // With the allowance raised, the same documents align.
    expect(diffDocuments(list(20_000, () => false), list(20_000, (i) => i % 667 === 1), { maxWork: 10_000_000, timeoutMs: 60_000 }).hunks).toHaveLength(20);
  });
});
