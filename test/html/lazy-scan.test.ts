import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IncludeScanner } from '../../src/html/include-scanner.js';
import { findIncludeTrigger } from '../../src/html/include-triggers.js';
import { LazyScanner, MAX_PARTIAL } from '../../src/html/lazy-scan.js';
import type { ScanSink } from '../../src/html/markers.js';
import { riskyPage, show, splitAt, type Event } from './scan-harness.js';

/**
 * The lazy scanner (a page is read tag by tag only from the first place a marker could begin)
 * must hand on exactly what the include scanner hands on, however the page is chunked and
 * wherever the first trigger falls; and a page with no trigger must never be read at all.
 */

function recorder(events: Event[], count = { handed: 0 }): ScanSink {
  return {
    bytes: (chunk) => {
      count.handed += chunk.length;
      events.push({ bytes: Buffer.from(chunk) });
    },
    marker: (marker, raw, start, end) => {
      count.handed += raw.length;
      events.push({ marker, raw: Buffer.from(raw), start, end });
    },
  };
}

function direct(chunks: Buffer[], bodyEnd: boolean): Event[] {
  const events: Event[] = [];
  const scanner = new IncludeScanner(bodyEnd, recorder(events));
  for (const chunk of chunks) scanner.write(chunk);
  scanner.end();
  return events;
}

function lazy(chunks: Buffer[], bodyEnd: boolean, retainLimit?: number): { events: Event[]; engaged: boolean; handedOnAtOnce: boolean[] } {
  const events: Event[] = [];
  const count = { handed: 0 };
  let engaged = false;
  const scanner = new LazyScanner(
    recorder(events, count),
    (stage) => {
      engaged = true;
      return new IncludeScanner(bodyEnd, stage);
    },
    (buf, from) => findIncludeTrigger(buf, from, bodyEnd),
    retainLimit,
  );
  const handedOnAtOnce: boolean[] = [];
  let written = 0;
  for (const chunk of chunks) {
    scanner.write(chunk);
    written += chunk.length;
    // What is held back is at most the start of one trigger (a `<script` tag being read).
    handedOnAtOnce.push(written - count.handed <= MAX_PARTIAL);
  }
  scanner.end();
  return { events, engaged, handedOnAtOnce };
}

/** With offsets, as the engine sees them (show() drops them). */
const shown = (events: Event[]) => [show(events, 'latin1'), events.flatMap((e) => ('marker' in e ? [[e.start, e.end]] : []))];

const tricky = [
  '<script type="fragment" src="/s"></script>',
  '<script data-x=">" type="fragment" src=/q></script>',
  '<script a="<" type=fragment src=/r>',
  "<SCRIPT type='fragment' src='/u'></SCRIPT>",
  '<script src="/app.js"></script>',
  '<script>var fragment = 1;</script>',
  '<scripts>',
  'fragment',
  ' type="fragment"',
  '<div title="<!--#include virtual=/no -->">',
  '<a title="<esi:include src=/no/>" href=x>',
  '<p data-x=\'<fragment src=/no>\'>',
  '</ body>',
  '</BODY>',
  '</b',
  '<!--E',
  '<!--e',
  '<e',
  '<Es',
  '<esi',
  '<fr',
  '<FRAGMEN',
  '<scr',
  '<!--#',
  '<!-',
  '<!--',
  ' -->',
  '<style>.fragment{}</style>',
  '<div class="fragment">',
];
const trickyPiece = fc.constantFrom(...tricky).map((s) => Buffer.from(s, 'latin1'));
const page = fc
  .array(fc.oneof({ weight: 3, arbitrary: riskyPage }, { weight: 2, arbitrary: trickyPiece }, { weight: 2, arbitrary: fc.constant(Buffer.from('<div class="product"><a href="/p/1">Tents &amp; tarps</a></div>\n')) }), { maxLength: 30 })
  .map((pieces) => Buffer.concat(pieces));
const cuts = fc.array(fc.nat({ max: 3000 }), { maxLength: 30 });

describe('lazy page scanner', { timeout: 120_000 }, () => {
  it('hands on exactly what the include scanner does, however the page is chunked and whatever it keeps', () => {
    fc.assert(
      fc.property(page, cuts, fc.boolean(), fc.option(fc.nat({ max: 400 }), { nil: undefined }), (bytes, at, bodyEnd, retainLimit) => {
        const chunks = splitAt(bytes, at);
        expect(shown(lazy(chunks, bodyEnd, retainLimit).events)).toEqual(shown(direct(chunks, bodyEnd)));
      }),
      { numRuns: 3000 * Math.max(1, Number(process.env.SCAN_FUZZ) || 1) },
    );
  });

  it('never reads a page in which no marker can begin, and hands each chunk on in the call it came in', () => {
    const filler = '<!doctype html><html><head><title>Shop</title><style>.fragment{border:0}</style><script>if (a < b) go("<!-- x -->")</script>' +
      '<script type="module" src="/app.js"></script></head><body>' + '<article class="product"><a href="/p"><img src="/i.jpg" alt="x"></a><p>Tents</p></article>\n'.repeat(500);
    const bytes = Buffer.from(filler + '</body></html>\n', 'latin1');
    for (const size of [1, 7, 997, 16_384, bytes.length]) {
      const chunks = splitAt(bytes, Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => i * size));
      const run = lazy(chunks, false);
      expect(run.engaged, `${size}-byte chunks`).toBe(false);
      expect(run.handedOnAtOnce.every(Boolean), `${size}-byte chunks`).toBe(true);
      expect(Buffer.concat(run.events.map((e) => ('bytes' in e ? e.bytes : e.raw))).equals(bytes)).toBe(true);
      // With the end of the body wanted, `</body>` is where reading starts.
      expect(lazy(chunks, true).engaged).toBe(true);
    }
  });

  it('starts reading at each kind of marker, in any case, however it is split', () => {
    const markers = ['<!--#include virtual="/a" -->', '<!--esi <esi:include src="/b"/> -->', '<ESI:include src="/c"/>', '<Fragment src="/d"/>', '<script data-x=">" type="fragment" src="/e"></script>'];
    for (const marker of markers) {
      const bytes = Buffer.from(`<p>before</p>${marker}<p>after</p>`, 'latin1');
      for (let cut = 1; cut < bytes.length; cut++) {
        const chunks = splitAt(bytes, [cut]);
        const run = lazy(chunks, false);
        expect(run.engaged, `${marker} cut at ${cut}`).toBe(true);
        expect(shown(run.events)).toEqual(shown(direct(chunks, false)));
      }
    }
  });
});
