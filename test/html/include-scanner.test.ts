import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ScanOptions } from '../../src/html/scan-page.js';
import { markersOf, scanChecked, show, splitAt, splitEvery, plantedPages, type Planted, includePlantables } from './scan-harness.js';

/**
 * The byte-level fast path (include markers only) must find exactly what htmlparser2's
 * tokenizer finds: the same markers, at the same offsets, on real pages and on generated ones.
 * (Every include case of scan-page.test.ts also runs through the fast path.)
 */
const corpusDir = join(dirname(createRequire(import.meta.url).resolve('htmlparser-benchmark/package.json')), 'files');
const corpus = readdirSync(corpusDir)
  .filter((f) => f.endsWith('.html'))
  .sort()
  .map((name) => ({ name, bytes: readFileSync(join(corpusDir, name)) }));

const tokenizer = (options: ScanOptions): ScanOptions => ({ ...options, forceTokenizer: true });

// CPU-heavy (hundreds of real pages): a generous bound for a machine busy with other work.
describe('fast include scanner', { timeout: 240_000 }, () => {
  it('finds the same parts as the tokenizer on every real-world page, whole and in chunks', () => {
    // htmlparser2 10 reads `<tmp>` as `<xmp>` (raw text to `</xmp>`), unlike browsers; the fast
    // scanner reads it as browsers do, so pages with a `<tmp>` element are compared by identity only.
    const comparable = corpus.filter(({ bytes }) => !/<tmp[\s/>]/i.test(bytes.toString('latin1')));
    expect(comparable.length).toBeGreaterThan(corpus.length - 5);
    for (const options of [{}, { bodyEnd: true }] satisfies ScanOptions[]) {
      for (const { name, bytes } of comparable) {
        const expected = show(scanChecked([bytes], tokenizer(options)), 'latin1');
        const whole = show(scanChecked([bytes], options), 'latin1');
        if (JSON.stringify(whole) !== JSON.stringify(expected)) expect.fail(`${name} ${JSON.stringify(options)}: fast scanner differs from the tokenizer`);
        const chunked = show(scanChecked(splitEvery(bytes, 997), options), 'latin1');
        if (JSON.stringify(chunked) !== JSON.stringify(expected)) expect.fail(`${name}: 997-byte chunks differ`);
      }
    }
  });

  const filler = fc.constantFrom(
    'text ', 'a < b ', 'x > y ', '&amp;', 'é', '日本語', '<p>', '</p>', '<br/>', '<a href="/x" title="a > b">', '</a>', '<!-- a comment -->', '<!---->',
    '<div class="x">', '</div>', `<script>var s = '<esi:include src="/no"/></fragment><!--#include virtual="/no" -->';</script>`,
    '<style>a::after{content:"<!--esi x -->"}</style>', '<title><fragment src="/no"></title>', '<textarea><!--#include virtual="/no" --></textarea>',
    '<!DOCTYPE html>', '<?xml version="1.0"?>', '<![CDATA[ <esi:include src="/no"/> ]]>', '<input value="<!--#include virtual=/no -->">',
  );
  const plantable: fc.Arbitrary<Planted>[] = [
    ...includePlantables(filler),
  ];
  const plantedPage = plantedPages(plantable, filler);
  const cuts = fc.array(fc.nat({ max: 1500 }), { maxLength: 25 });

  it('reports exactly the planted markers, however the page is chunked, as the tokenizer does', () => {
    fc.assert(
      fc.property(plantedPage, cuts, ({ page, planted }, at) => {
        const options: ScanOptions = { bodyEnd: planted.some((m) => m.type === 'body-end') };
        const fast = scanChecked(splitAt(page, at), options);
        expect(markersOf(fast).map((event) => event.marker)).toEqual(planted);
        expect(show(fast, 'latin1')).toEqual(show(scanChecked([page], tokenizer(options)), 'latin1'));
      }),
      { numRuns: 400 * (Math.max(1, Number(process.env.SCAN_FUZZ) || 1)) },
    );
  });
});
