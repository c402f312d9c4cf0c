/**
 * Property-based fuzzing of the whole page path (issue 8): generated pages (ordinary HTML, raw
 * text and comments holding look-alike markers, attributes, odd bytes) with include markers of
 * every dialect planted at random places, served by a real production server in random chunkings
 * through a real gateway. Properties: the answer is the page with exactly the planted markers
 * replaced (every other byte as production sent it), and each run's CPU time stays within a bound
 * linear in the page size.
 *
 * `npm test` runs a bounded number of cases; `npm run fuzz` runs many more (FUZZ_RUNS=N to choose).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../helpers/gateway.js';
import { listen, request, type TestServer } from '../helpers/servers.js';

const RUNS = Number(process.env.FUZZ_RUNS) || (process.env.npm_lifecycle_event === 'fuzz' ? 2000 : 60);

/** Text that can neither start nor end a tag (no `<`), with what else trips scanners up. */
const text = fc.string({ unit: fc.constantFrom(...'ab c>&;="\'/-!#é日\u0000\t\n'.split('')), maxLength: 30 });
const filler: fc.Arbitrary<string> = fc.oneof(
  text,
  fc.constantFrom(
    '<p>', '</p>', '<br/>', '<a href="/x" title="a > b">', '</a>', '<!-- a comment -->', '<!---->', '<!DOCTYPE html>',
    '<div class="x" data-y=\'<esi:include src="/no"/>\'>', '</div>', '<input value="<!--#include virtual=/no -->">',
    `<script>var s = '<esi:include src="/no"/></fragment><!--#include virtual="/no" -->';</script>`,
    '<style>a::after{content:"<!--esi x -->"}</style>', '<title><fragment src="/no"></title>',
    '<textarea><!--#include virtual="/no" --></textarea>', '<?xml version="1.0"?>', '<![CDATA[ <esi:include src="/no"/> ]]>',
    '<!-- <esi:include src="/no"/> -->', '&amp;&lt;&#x3c;',
  ),
);

/** A planted marker and what the gateway must put in its place (fragment /f/N answers `[N]`). */
const planted: fc.Arbitrary<{ html: string; out: string }> = fc.tuple(fc.nat({ max: 20 }), fc.nat({ max: 6 }), text).map(([n, kind, inner]) => {
  const src = `/f/${n}`;
  switch (kind) {
    case 0: return { html: `<!--#include virtual="${src}" -->`, out: `[${n}]` };
    case 1: return { html: `<esi:include src="${src}"/>`, out: `[${n}]` };
    case 2: return { html: `<ESI:include src='${src}'>${inner}</esi:include>`, out: `[${n}]` };
    // node-tailor renders a paired fragment's children after it.
    case 3: return { html: `<fragment src=${src}>${inner}</fragment>`, out: `[${n}]${inner}` };
    case 4: return { html: `<fragment src="${src}" timeout="5000"/>`, out: `[${n}]` };
    case 5: return { html: `<!--esi <esi:include src="${src}"/>${inner.replaceAll('-', '')} -->`, out: ` [${n}]${inner.replaceAll('-', '')} ` };
    default: return { html: `<esi:remove>${inner}<esi:include src="${src}"/></esi:remove>`, out: '' };
  }
});

const generated = fc
  .tuple(fc.array(fc.tuple(fc.array(filler, { maxLength: 5 }), planted), { maxLength: 12 }), fc.array(filler, { maxLength: 5 }), fc.array(fc.nat({ max: 4000 }), { maxLength: 12 }))
  .map(([pieces, tail, cuts]) => {
    let page = '<html><body>';
    let expected = page;
    for (const [before, marker] of pieces) {
      page += before.join('') + marker.html;
      expected += before.join('') + marker.out;
    }
    page += `${tail.join('')}</body></html>`;
    expected += `${tail.join('')}</body></html>`;
    return { page: Buffer.from(page), expected: Buffer.from(expected), cuts };
  });

const served = new Map<string, { page: Buffer; cuts: number[] }>();
let upstream: TestServer;
let gateway: Awaited<ReturnType<typeof startGateway>>;
/**
 * The same, with a fragment in local mode whose selector matches nothing in these pages: the page
 * then goes through htmlparser2's tokenizer (the scanner used when selectors are in play) rather
 * than the byte-level one.
 */
let tokenizerGateway: Awaited<ReturnType<typeof startGateway>>;

beforeAll(async () => {
  upstream = await listen((req, res) => {
    const url = req.url ?? '/';
    res.writeHead(200, { 'content-type': 'text/html' });
    if (url.startsWith('/f/')) return res.end(`[${url.slice(3)}]`);
    const entry = served.get(url);
    if (!entry) return res.end('missing');
    // The page in the generated chunks, one event-loop turn apart.
    const points = [...new Set(entry.cuts.filter((c) => c > 0 && c < entry.page.length))].sort((a, b) => a - b);
    let from = 0;
    const writeNext = () => {
      const to = points.shift();
      if (to === undefined) return res.end(entry.page.subarray(from));
      res.write(entry.page.subarray(from, to));
      from = to;
      setImmediate(writeNext);
    };
    writeNext();
  });
  gateway = await startGateway({ upstream: upstream.url });
  tokenizerGateway = await startGateway({
    upstream: upstream.url,
    fragments: { header: { src: '/fragments/header', selector: 'header.not-in-these-pages', local: `${upstream.url}/local` } },
    local: ['header'],
    overlay: false,
  });
});
afterAll(async () => {
  await gateway?.close();
  await tokenizerGateway?.close();
  await upstream?.close();
});

describe('fuzzing the gateway with generated pages and chunkings', () => {
  it(`answers every page with exactly the planted markers replaced (${RUNS} runs)`, { timeout: Math.max(240_000, RUNS * 1000) }, async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(generated, fc.boolean(), async ({ page, expected, cuts }, viaTokenizer) => {
        const path = `/fuzz-${run++}`;
        served.set(path, { page, cuts });
        const started = process.cpuUsage();
        try {
          const response = await request((viaTokenizer ? tokenizerGateway : gateway).url + path, { timeout: 60_000 });
          const used = process.cpuUsage(started);
          expect(response.status).toBe(200);
          expect(response.body.toString('latin1')).toBe(expected.toString('latin1'));
          // Gateway, production and client share this process: 0.5 s of CPU plus 1 ms per KB is
          // far more than a linear path needs and far less than a quadratic one would.
          expect((used.user + used.system) / 1000).toBeLessThan(500 + page.length / 1024);
        } finally {
          served.delete(path);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
