import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ScanOptions } from '../../src/html/scan-page.js';
import { markersOf, scanChecked, show, splitAt, splitEvery, plantedPages, type Planted, includePlantables, riskyPage } from './scan-harness.js';

/**
 * The scanner must give back every byte it was given, in order, whatever the page and however
 * it is chunked: checked on ~258 real-world pages, on generated hostile input, and in legacy
 * charsets. `scanChecked` asserts identity, order and `raw` on every call.
 */

const corpusDir = join(dirname(createRequire(import.meta.url).resolve('htmlparser-benchmark/package.json')), 'files');
const corpus = readdirSync(corpusDir)
  .sort()
  .map((name) => ({ name, page: readFileSync(join(corpusDir, name)) }));

/** Options that make markers likely on ordinary pages. */
const busy: ScanOptions = { selectors: ['header', 'div[id]', 'nav a', 'ul > li.active'], assetPrefixes: ['/', 'https://'], bodyEnd: true };

// CPU-heavy (hundreds of real pages): a generous bound for a machine busy with other work.
describe('real-world corpus (htmlparser-benchmark)', { timeout: 240_000 }, () => {
  it('has the corpus', () => {
    expect(corpus.length).toBeGreaterThan(200);
  });

  it('keeps identity on every page, whole and in 1 KB chunks, with and without options; chunking changes nothing', () => {
    const types = new Map<string, number>();
    for (const { name, page } of corpus) {
      for (const options of [{}, busy]) {
        const whole = show(scanChecked([page], options), 'latin1');
        const chunked = show(scanChecked(splitEvery(page, 1024), options), 'latin1');
        if (JSON.stringify(chunked) !== JSON.stringify(whole)) expect.fail(`${name}: 1 KB chunks give other parts than the whole page`);
        for (const part of whole) if (typeof part !== 'string') types.set(part.type, (types.get(part.type) ?? 0) + 1);
      }
    }
    // The options do find things: thousands of elements and asset URLs, a body end per page,
    // and the one page of the corpus that production composes with ESI.
    expect(types.get('element')).toBeGreaterThan(1000);
    expect(types.get('asset-url')).toBeGreaterThan(1000);
    expect(types.get('body-end')).toBeGreaterThan(200);
    expect(types.get('esi-include')).toBeGreaterThan(0);
    expect(types.get('esi-remove')).toBeGreaterThan(0);
  });

  it('keeps identity in 7-byte chunks', () => {
    for (const { name, page } of corpus) {
      const whole = show(scanChecked([page], busy), 'latin1');
      const chunked = show(scanChecked(splitEvery(page, 7), busy), 'latin1');
      if (JSON.stringify(chunked) !== JSON.stringify(whole)) expect.fail(`${name}: 7-byte chunks give other parts than the whole page`);
    }
  });

  it('keeps identity in 1-byte chunks (a few pages)', () => {
    const few = [...corpus].sort((a, b) => a.page.length - b.page.length).filter((_, i) => i % 60 === 7);
    for (const { name, page } of few) {
      const whole = show(scanChecked([page], busy), 'latin1');
      const chunked = show(scanChecked(splitEvery(page, 1), busy), 'latin1');
      if (JSON.stringify(chunked) !== JSON.stringify(whole)) expect.fail(`${name}: 1-byte chunks give other parts than the whole page`);
    }
  });
});

// ---- generated input -----------------------------------------------------------------------

const cuts = fc.array(fc.nat({ max: 2000 }), { maxLength: 25 });
/** `SCAN_FUZZ=50 npx vitest run test/html/scan-fidelity` runs the properties 50 times longer. */
const fuzz = Math.max(1, Number(process.env.SCAN_FUZZ) || 1);

describe('generated pages (fast-check)', { timeout: 240_000 }, () => {
  it('identity holds and chunking changes nothing, for hostile input', () => {
    fc.assert(
      fc.property(riskyPage, cuts, fc.constantFrom<ScanOptions>({}, busy, { bodyEnd: true }), (page, at, options) => {
        const whole = show(scanChecked([page], options), 'latin1');
        const chunked = show(scanChecked(splitAt(page, at), options), 'latin1');
        expect(chunked).toEqual(whole);
      }),
      { numRuns: 400 * fuzz },
    );
  });

  /** Filler that can sit between markers without creating, hiding or breaking one. */
  const filler = fc.constantFrom(
    'text ', 'a < b ', 'x > y ', '&amp; &lt;', 'é', '日本語', '\u{1f600}', '"quoted" ', "'single' ", '<p>', '</p>', '<br/>', '<a href="/x">', '</a>',
    '<!-- a comment -->', '<!---->', '<div class="x">', '</div>', '<img alt="日本" src=/i.png>', '</span>',
    `<script>var s = '<esi:include src="/no"/></fragment><!--#include virtual="/no" -->';</script>`, '<style>a::after{content:"<!--esi x -->"}</style>',
  );
  const plantable: fc.Arbitrary<Planted>[] = [
    ...includePlantables(filler),
    filler.map((inner) => ({ html: `<section class="frag">${inner}</section>`, marker: { type: 'element', selector: 'section.frag' } })),
    fc.constant({ html: '<link href="/assets/h/a.css">', marker: { type: 'asset-url', attribute: 'href', value: '/assets/h/a.css' } }),
    fc.constant({ html: '<img srcset="/x.png 1x, /assets/h/b.png 2x">', marker: { type: 'asset-url', attribute: 'srcset', value: '/x.png 1x, /assets/h/b.png 2x' } }),
    fc.constant({ html: '<script type=importmap>{"imports":{}}</script>', marker: { type: 'importmap', json: '{"imports":{}}' } }),
  ];
  const plantedPage = plantedPages(plantable, filler);

  it('reports exactly the planted markers, however the page is chunked', () => {
    const options: ScanOptions = { selectors: ['section.frag'], assetPrefixes: ['/assets/h/'], bodyEnd: true };
    fc.assert(
      fc.property(plantedPage, cuts, ({ page, planted }, at) => {
        const found = markersOf(scanChecked(splitAt(page, at), options)).map((event) => event.marker);
        expect(found).toEqual(planted);
      }),
      { numRuns: 300 * fuzz },
    );
  });
});

// ---- charsets ------------------------------------------------------------------------------

describe('legacy charsets', () => {
  it('windows-1252: identity and src values read as latin1', () => {
    // "Café – €5" in windows-1252, then includes whose src has é (0xE9).
    const page = Buffer.concat([
      Buffer.from('<html><head><meta charset="windows-1252"></head><body><p>Caf'),
      Buffer.from([0xe9, 0x20, 0x96, 0x20, 0x80, 0x35]),
      Buffer.from('</p><esi:include src="/caf'),
      Buffer.from([0xe9]),
      Buffer.from('?q=na'),
      Buffer.from([0xef]),
      Buffer.from('ve"/><img src="/assets/h/'),
      Buffer.from([0xe9, 0xe8]),
      Buffer.from('.png"></body></html>'),
    ]);
    const options = { assetPrefixes: ['/assets/h/'], bodyEnd: true };
    for (const size of [page.length, 1, 3, 5]) {
      const markers = markersOf(scanChecked(splitEvery(page, size), options)).map((event) => event.marker);
      expect(markers).toEqual([
        { type: 'esi-include', src: '/café?q=naïve' },
        { type: 'asset-url', attribute: 'src', value: '/assets/h/éè.png' },
        { type: 'body-end' },
      ]);
    }
  });

  it('Shift_JIS: identity, with trail bytes that look like ASCII (0x5C) split across chunks', () => {
    // 表示 (0x95 0x5C 0x8E 0xA6) and ソ (0x83 0x5C): their second bytes are `\` in ASCII.
    const hyouji = [0x95, 0x5c, 0x8e, 0xa6];
    const so = [0x83, 0x5c];
    const page = Buffer.concat([
      Buffer.from('<html><head><meta charset="Shift_JIS"><title>'),
      Buffer.from(hyouji),
      Buffer.from('</title></head><body><p title="'),
      Buffer.from(so),
      Buffer.from('">'),
      Buffer.from(hyouji),
      Buffer.from('</p><!--#include virtual="/ssi/'),
      Buffer.from(so),
      Buffer.from('" --><esi:include src="/frag?x=1&amp;y=2" alt="/'),
      Buffer.from(hyouji),
      Buffer.from('"/><fragment src="/t"></fragment>'),
      Buffer.from(so),
      Buffer.from('</body>'),
    ]);
    const latin1 = (bytes: number[]) => Buffer.from(bytes).toString('latin1');
    for (const size of [page.length, 1, 2, 7]) {
      const markers = markersOf(scanChecked(splitEvery(page, size), { bodyEnd: true })).map((event) => event.marker);
      expect(markers).toEqual([
        // nginx reads SSI as bytes: ソ's trail byte 0x5C is a backslash to it, which keeps the
        // closing quote in the value, so the command is malformed (nginx prints its errmsg).
        { type: 'ssi-command', command: expect.objectContaining({ name: 'include', error: expect.stringContaining('not terminated') }) },
        { type: 'esi-include', src: '/frag?x=1&y=2', alt: `/${latin1(hyouji)}` },
        { type: 'tailor', src: '/t', primary: false, attributes: { src: '/t' } },
        { type: 'body-end' },
      ]);
    }
  });

  it('UTF-8: a multi-byte src split inside a character decodes whole', () => {
    const page = Buffer.from('<p>日本</p><esi:include src="/日本/ü"/>', 'utf8');
    for (let cut = 1; cut < page.length; cut++) {
      const markers = markersOf(scanChecked(splitAt(page, [cut, cut + 1]))).map((event) => event.marker);
      expect(markers).toEqual([{ type: 'esi-include', src: '/日本/ü' }]);
    }
  });
});
