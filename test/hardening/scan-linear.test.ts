import { describe, expect, it } from 'vitest';
import { PageScanner, type ScanOptions } from '../../src/html/scan-page.js';

/**
 * Issue 8 item 8: every scanner is linear in the page size for every input. A first marker left
 * unclosed, followed by megabytes of ordinary HTML, must not make the scanner look at the held
 * bytes again from the start on every chunk. 10 MB in 16 KB chunks takes well under a second on a
 * linear scanner and minutes on a quadratic one, so the bound below (on CPU time, and generous)
 * can only be met by a linear scanner. `node bench/scan-linearity.js` prints the 1× vs 4× ratios.
 */
const MB = 1 << 20;
const ordinary = Buffer.from('<div class="row"><p>Some <b>ordinary</b> text &amp; a <a href="/x?a=1">link</a>.</p></div>\n');

function page(head: string, size: number, tail = ''): Buffer {
  const body = Buffer.alloc(size);
  for (let at = 0; at < size; at += ordinary.length) ordinary.copy(body, at, 0, Math.min(ordinary.length, size - at));
  return Buffer.concat([Buffer.from(`<!DOCTYPE html><html><body>${head}`), body, Buffer.from(tail)]);
}

/** Scans `input` in `chunk`-byte pieces; returns the byte count seen by the sink and the markers. */
function scanInChunks(input: Buffer, options: ScanOptions, chunk = 16 * 1024): { bytes: number; markers: string[] } {
  let bytes = 0;
  const markers: string[] = [];
  const scanner = new PageScanner(options, {
    bytes(b) {
      bytes += b.length;
    },
    marker(marker, raw) {
      bytes += raw.length;
      markers.push(marker.type);
    },
  });
  for (let at = 0; at < input.length; at += chunk) scanner.write(input.subarray(at, at + chunk));
  scanner.end();
  return { bytes, markers };
}

export const UNCLOSED_HEADS: ReadonlyArray<readonly [string, string]> = [
  ['an unclosed <fragment>', '<fragment src="/f/h">'],
  ['an unclosed <esi:include>', '<esi:include src="/f/h">'],
  ['an <esi:include with no end of tag', '<esi:include src="/f/h" '],
  ['an unclosed <esi:remove>', '<esi:remove>'],
  ['an SSI include with no -->', '<!--#include virtual="/f/h" '],
  ['an <!--esi with no -->', '<!--esi <esi:include src="/f/h"/> '],
  ['a plain comment with no -->', '<!-- a comment '],
  ['an attribute with an unclosed quote', '<div title="unclosed '],
  ['a marker with an unclosed quote', '<fragment src="/f/h '],
  ['a <script> with no </script>', '<script>var a = 1;'],
  ['a processing instruction with no >', '<?xml '],
  ['a close tag with no >', '</div '],
  ['a CDATA section with no ]]>', '<![CDATA[ '],
  ['a <fragment> inside a comment-free unclosed <esi:include>', '<esi:include src="/a"><fragment src="/b">'],
  ['ten thousand unclosed <fragment>s', '<fragment src="/f/h">'.repeat(10_000)],
];

const modes: ReadonlyArray<readonly [string, ScanOptions]> = [
  ['byte-level scanner', { bodyEnd: true }],
  ['tokenizer scanner', { bodyEnd: true, forceTokenizer: true }],
];

describe('scanners are linear in the page size', () => {
  for (const [mode, options] of modes) {
    for (const [name, head] of UNCLOSED_HEADS) {
      it(`${mode}: ${name} followed by 10 MB of HTML`, () => {
        const input = page(head, 10 * MB, '</body></html>');
        // CPU time, not wall-clock time: other processes on a busy machine do not count.
        const started = process.cpuUsage();
        const { bytes } = scanInChunks(input, options);
        const used = process.cpuUsage(started);
        const seconds = (used.user + used.system) / 1e6;
        expect(bytes).toBe(input.length);
        // A quadratic scanner needs minutes of CPU here; a linear one about a second at most.
        expect(seconds).toBeLessThan(8);
      }, 240_000);
    }
  }
});

describe('selectors on endlessly nested elements', () => {
  it('60,000 unclosed nested <div>s with a descendant selector: each tested against at most 512 ancestors (as Chromium builds the tree)', () => {
    const n = 60_000;
    const input = Buffer.from(`<body><section>${'<div class="b">'.repeat(n)}<div class="x">the one</div>${'</div>'.repeat(n)}</section></body>`);
    const started = process.cpuUsage();
    const { bytes, markers } = scanInChunks(input, { selectors: ['section div.x', '.a .b'] });
    const used = process.cpuUsage(started);
    expect(bytes).toBe(input.length);
    // The element deep down is still inside the section (the tree's top is kept).
    expect(markers).toEqual(['element']);
    // Testing every ancestor of every element: 1.8 billion steps, minutes of CPU; capped, about a second.
    expect((used.user + used.system) / 1e6).toBeLessThan(20);
  }, 240_000);
});
