/**
 * `node bench/scan-linearity.js [--mb N]`: how the page scanners' time grows with the page size
 * when the first marker is left unclosed (issue 8 item 8). For each input: N MB and 4×N MB of
 * ordinary HTML after the unclosed head, in 16 KB chunks; a linear scanner's ratio is about 4, a
 * quadratic one's about 16. Exits 1 when a ratio exceeds 8 (generous: a loaded machine jitters).
 * Needs `npm run build` first.
 */
import { PageScanner } from '../dist/html/scan-page.js';

const args = process.argv.slice(2);
const mbArg = args.indexOf('--mb');
const MB = 1 << 20;
const base = (mbArg >= 0 ? Number(args[mbArg + 1]) : 1) * MB;
const ordinary = Buffer.from('<div class="row"><p>Some <b>ordinary</b> text &amp; a <a href="/x?a=1">link</a>.</p></div>\n');

const HEADS = [
  ['unclosed <fragment>', '<fragment src="/f/h">'],
  ['unclosed <esi:include>', '<esi:include src="/f/h">'],
  ['<esi:include without >', '<esi:include src="/f/h" '],
  ['unclosed <esi:remove>', '<esi:remove>'],
  ['SSI without -->', '<!--#include virtual="/f/h" '],
  ['<!--esi without -->', '<!--esi <esi:include src="/f/h"/> '],
  ['unclosed quote', '<div title="unclosed '],
  ['</div without >', '</div '],
  ['1,000 unclosed <fragment>s', '<fragment src="/f/h">'.repeat(1000)],
];

function page(head, size) {
  const body = Buffer.alloc(size);
  for (let at = 0; at < size; at += ordinary.length) ordinary.copy(body, at, 0, Math.min(ordinary.length, size - at));
  return Buffer.concat([Buffer.from(`<html><body>${head}`), body, Buffer.from('</body></html>')]);
}

function time(input, options) {
  const started = performance.now();
  const scanner = new PageScanner(options, { bytes() {}, marker() {} });
  for (let at = 0; at < input.length; at += 16 * 1024) scanner.write(input.subarray(at, at + 16 * 1024));
  scanner.end();
  return performance.now() - started;
}

let failed = false;
console.log(`scanner time for ${base / MB} MB and ${(4 * base) / MB} MB after an unclosed head (ratio ≈4 linear, ≈16 quadratic)`);
for (const [mode, options] of [['bytes', { bodyEnd: true }], ['tokenizer', { bodyEnd: true, forceTokenizer: true }]]) {
  for (const [name, head] of HEADS) {
    const small = page(head, base);
    const large = page(head, 4 * base);
    time(small, options); // warm-up
    const a = time(small, options);
    const b = time(large, options);
    const ratio = b / Math.max(a, 10); // below 10 ms, timer and GC noise dominate
    if (ratio > 8) failed = true;
    console.log(`${mode.padEnd(9)} ${name.padEnd(28)} ${a.toFixed(1).padStart(8)} ms ${b.toFixed(1).padStart(9)} ms  ×${ratio.toFixed(1)}${ratio > 8 ? '  NOT LINEAR' : ''}`);
  }
}
process.exit(failed ? 1 : 0);
