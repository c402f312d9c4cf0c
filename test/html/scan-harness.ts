import fc from 'fast-check';
import { PageScanner, type Marker, type ScanOptions } from '../../src/html/scan-page.js';

/** What a scan produced, in call order. */
export type Event = { bytes: Buffer } | { marker: Marker; raw: Buffer; start: number; end: number };

/** Splits `input` at the given cut offsets (sorted or not, duplicates and out-of-range ignored). */
export function splitAt(input: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < input.length))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(input.subarray(from, point));
    from = point;
  }
  chunks.push(input.subarray(from));
  return chunks;
}

export function splitEvery(input: Buffer, size: number): Buffer[] {
  if (size >= input.length) return [input];
  const chunks: Buffer[] = [];
  for (let i = 0; i < input.length; i += size) chunks.push(input.subarray(i, i + size));
  return chunks;
}

/**
 * Scans `chunks` and checks the hard invariants on the way: every byte run and marker `raw`,
 * in call order, rebuilds the input; markers are in order, don't overlap, and `raw` is the
 * input at [start, end). Throws a descriptive error (cheaper than `expect` in big loops).
 * `afterWrite` is told, after each write, how many bytes were written and handed on so far.
 */
export function scanChecked(chunks: readonly Buffer[], options: ScanOptions = {}, afterWrite?: (written: number, handed: number) => void): Event[] {
  const input = Buffer.concat(chunks as Buffer[]);
  const events: Event[] = [];
  let offset = 0;
  const fail = (message: string): never => {
    throw new Error(`${message} (at byte ${offset} of ${input.length})`);
  };
  const scanner = new PageScanner(options, {
    bytes(chunk) {
      if (chunk.length === 0) fail('empty bytes() call');
      if (!chunk.equals(input.subarray(offset, offset + chunk.length))) fail('bytes() out of order or altered');
      offset += chunk.length;
      events.push({ bytes: chunk });
    },
    marker(marker, raw, start, end) {
      if (start !== offset) fail(`marker ${marker.type} starts at ${start}, expected ${offset}`);
      if (end < start) fail(`marker ${marker.type} ends before it starts`);
      if (!raw.equals(input.subarray(start, end))) fail(`marker ${marker.type} raw differs from input[${start}, ${end})`);
      offset = end;
      events.push({ marker, raw, start, end });
    },
  });
  let written = 0;
  for (const chunk of chunks) {
    scanner.write(chunk);
    written += chunk.length;
    afterWrite?.(written, offset);
  }
  scanner.end();
  if (offset !== input.length) fail(`output ends at ${offset}`);
  return events;
}

/** A readable, chunking-independent form: byte runs merged into strings, markers with raw text. */
export type Shown = string | (Record<string, unknown> & { type: string; raw: string });

export function show(events: readonly Event[], encoding: BufferEncoding = 'utf8'): Shown[] {
  const shown: Shown[] = [];
  let pending: Buffer[] = [];
  const flush = () => {
    if (pending.length > 0) shown.push(Buffer.concat(pending).toString(encoding));
    pending = [];
  };
  for (const event of events) {
    if ('bytes' in event) {
      pending.push(event.bytes);
      continue;
    }
    flush();
    const marker: Record<string, unknown> = { ...event.marker };
    if (event.marker.type === 'esi-comment') marker.inner = event.marker.inner.toString(encoding);
    shown.push({ ...(marker as { type: string }), raw: event.raw.toString(encoding) });
  }
  flush();
  return shown;
}

export function markersOf(events: readonly Event[]): Array<Extract<Event, { marker: Marker }>> {
  return events.filter((event): event is Extract<Event, { marker: Marker }> => 'marker' in event);
}

/** A marker planted in a generated page: its source and what the scanner must report for it. */
export interface Planted {
  html: string;
  marker: Marker;
}

/**
 * Generated pages made of filler (which can neither create, hide nor break a marker) and planted
 * markers, optionally ending with `</body>`; `planted` lists the markers in document order.
 */
export function plantedPages(plantable: readonly fc.Arbitrary<Planted>[], filler: fc.Arbitrary<string>): fc.Arbitrary<{ page: Buffer; planted: Marker[] }> {
  return fc
    .tuple(fc.array(fc.tuple(fc.array(filler, { maxLength: 4 }), fc.oneof(...plantable)), { maxLength: 8 }), fc.array(filler, { maxLength: 4 }), fc.boolean())
    .map(([pieces, tail, body]) => {
      let html = '';
      const planted: Marker[] = [];
      for (const [before, marker] of pieces) {
        html += before.join('') + marker.html;
        planted.push(marker.marker);
      }
      html += tail.join('');
      if (body) {
        html += '</body>';
        planted.push({ type: 'body-end' });
      }
      return { page: Buffer.from(html, 'utf8'), planted };
    });
}

/** Include markers to plant, each around `filler` where the marker is paired. */
export function includePlantables(filler: fc.Arbitrary<string>): fc.Arbitrary<Planted>[] {
  return [
    fc.constant({ html: '<!--#include virtual="/s" -->', marker: { type: 'ssi-command', command: { name: 'include', params: [{ name: 'virtual', value: '/s' }] } } }),
    fc.constant({ html: "<!--# include file='/f.html'-->", marker: { type: 'ssi-command', command: { name: 'include', params: [{ name: 'file', value: '/f.html' }] } } }),
    fc.constant({ html: '<esi:include src="/e?a=1&amp;b=2" alt="/alt"/>', marker: { type: 'esi-include', src: '/e?a=1&b=2', alt: '/alt' } }),
    filler.map((inner) => ({ html: `<ESI:include src='/p' onerror="continue">${inner}</esi:include>`, marker: { type: 'esi-include', src: '/p', onerror: 'continue' } })),
    filler.map((inner) => ({ html: `<esi:remove>${inner}</esi:remove>`, marker: { type: 'esi-remove' } })),
    fc.constant({ html: '<!--esi <esi:include src="/in"/> -->', marker: { type: 'esi-comment', inner: Buffer.from(' <esi:include src="/in"/> ') } }),
    fc.constant({ html: '<fragment src="/t" timeout="250" primary/>', marker: { type: 'tailor', src: '/t', timeout: 250, primary: true, attributes: { src: '/t', timeout: '250', primary: '' } } }),
    filler.map((inner) => ({
      html: `<fragment src=/u fallback-src="/v">${inner}</fragment>`,
      marker: { type: 'tailor', src: '/u', fallbackSrc: '/v', primary: false, attributes: { src: '/u', 'fallback-src': '/v' } },
    })),
  ];
}

/** Pieces that open, close and half-write every construct the scanners read. */
const risky = [
  '<', '>', '</', '/>', '<!', '<!-', '<!--', '-->', '--->', '--!>', '<?', '<![CDATA[', ']]>', '"', "'", '=', ' ', '\n', '&', '&amp;', '&#', '&#x',
  '<!--#include virtual="/s" -->', '<!--# include file=\'/f\'-->', '<!--#include ', 'virtual="', '<!--esi ', '<!--esi<esi:include src=/e/>-->',
  '<esi:include src="/a"/>', '<esi:include src=/b>', '</esi:include>', '<ESI:INCLUDE SRC="/c?x=1&amp;y=2" alt="/d"/>', '<esi:include ',
  '<esi:remove>', '</esi:remove>', '<fragment src="/t" primary timeout=5>', '</fragment>', '<fragment src=/u/>', '<Fragment ',
  '<script>', '</script>', '<script type="importmap">', '<style>', '</style>', '<textarea>', '</textarea>', '<title>', '</title>',
  '<header id="h">', '</header>', '<div id=x>', '<div>', '</div>', '<p>', '</p>', '<li class=active>', '<ul>', '</ul>', '<br/>', '<img src="/i.png" srcset="/a 1x, https://b 2x">',
  '<svg>', '</svg>', '<a href="https://x/">', '</a>', '</body>', '<body>', '</ body >', 'é', '日本', '\u{1f600}', 'plain text ',
  '</div ', '</esi:remove x', '</fragment\n', '</esi:include ', '</script ', '<!--esi', '#include', 'esi ', '<!-- ', '--',
];
const riskyPiece = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...risky).map((s) => Buffer.from(s, 'utf8')) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 6 }).map((a) => Buffer.from(a)) },
);
/** Hostile input: risky pieces and random bytes. */
export const riskyPage = fc.array(riskyPiece, { maxLength: 60 }).map((pieces) => Buffer.concat(pieces));
