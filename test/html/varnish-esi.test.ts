/**
 * Varnish's reading of ESI (src/html/varnish-esi.ts), each row's output as Varnish 7.1.1 gave it
 * (found with `npm run differential -- --edge varnish`): includes are shown as `[src]`. Every
 * row is also fed in every two-piece split, since Varnish's result does not depend on chunking.
 */
import { describe, expect, it } from 'vitest';
import type { Marker } from '../../src/html/markers.js';
import { PageScanner } from '../../src/html/scan-page.js';

function read(pieces: string[]): string {
  let out = '';
  const scanner = new PageScanner({ esi: 'varnish' }, {
    bytes: (chunk) => (out += chunk.toString('latin1')),
    marker: (marker: Marker) => {
      if (marker.type === 'esi-include') out += `[${marker.src}]`;
      else expect(marker.type).toBe('esi-remove');
    },
  });
  for (const piece of pieces) scanner.write(Buffer.from(piece, 'latin1'));
  scanner.end();
  return out;
}

const ROWS: Array<[string, string]> = [
  ['<p>a<esi:include src="/f"/>b</p>', '<p>a[/f]b</p>'],
  ['<p><esi:include src = "/f"/></p>', '<p></p>'],
  ['<p><esi:include SRC="/f"/></p>', '<p></p>'],
  ['<p><esi:include src="/f" / ></p>', '<p></p>'],
  ['<p><esi:include src="/a" src="/b"/></p>', '<p></p>'],
  ['<p><esi:include src="/f"></p>', '<p>[/f]</p>'],
  ['<p><esi:include src=\'/f\'/></p>', '<p>[/f]</p>'],
  ['<p><esi:include src="/f" x=y/></p>', '<p></p>'],
  ['<p><esi:include src="https://x/f"/></p>', '<p></p>'],
  ['<p><esi:include src="f?a=1&amp;b=2"/></p>', '<p>[./f?a=1&b=2]</p>'],
  ['<p><ESI:include src="/f"/><!--ESI x --></p>', '<p><ESI:include src="/f"/><!--ESI x --></p>'],
  ['<p>a<esi:remove/>b</esi:remove>c<esi:/>d<esi:eval src="/f"/>e</p>', '<p>abcde</p>'],
  ['<esi:choose><esi:when test="1">w</esi:when></esi:choose>', 'w'],
  ['<p><esi:remove>a<esi:remove>b</esi:remove>c</esi:remove>d</p>', '<p>cd</p>'],
  ['<p><esi:remove>to the end</p>', '<p>'],
  ['<p><!--esi <b>x</b> --></p>', '<p> <b>x</b> </p>'],
  ['<p><!--esi a --> b --></p>', '<p> a  b --></p>'],
  ['<p><!--esi <b>x</b></p>', '<p><!--esi <b>x</b></p>'],
  ['<p><!--esi x</p><esi:remove>r</esi:remove>', '<p> x</p>'],
  ['<p><!--esi a<!--esi b --></p><esi:comment text="c"/>', '<p> a b </p>'],
  ['<a href="<esi:include src=\'/f\'/>">x</a>', '<a href="<esi:include src=\'/f\'/>">x</a>'],
  ['<script>var s = \'<esi:include src="/f"/>\';</script>', '<script>var s = \'[/f]\';</script>'],
  ['<title><esi:include src="/f"/></title><!-- <esi:include src="/f"/> -->', '<title>[/f]</title><!-- <esi:include src="/f"/> -->'],
  ['text first<esi:include src="/f"/>', 'text first<esi:include src="/f"/>'],
  ['  \n<b><esi:include src="/f"/></b>', '  \n<b>[/f]</b>'],
  ['<![CDATA[<esi:include src="/f"/>]]><esi:include src="/g"/>', '<![CDATA[<esi:include src="/f"/>]]>[/g]'],
  ['<p></esi:include><esi:comment text="x"></p>', '<p></p>'],
];

describe('Varnish ESI reading', () => {
  for (const [input, expected] of ROWS) {
    it(JSON.stringify(input), () => {
      expect(read([input])).toBe(expected);
      for (let at = 1; at < input.length; at++) expect(read([input.slice(0, at), input.slice(at)]), `split at ${at}`).toBe(expected);
    });
  }

  it('finds selected elements and </body> in the bytes Varnish copies, with its includes in place', () => {
    const parts: string[] = [];
    const scanner = new PageScanner({ esi: 'varnish', selectors: ['#x'], bodyEnd: true }, {
      bytes: (chunk) => parts.push(chunk.toString('latin1')),
      marker: (marker, raw) => parts.push(marker.type === 'esi-include' ? `[${marker.src}]` : `{${marker.type}:${raw.toString('latin1')}}`),
    });
    scanner.write(Buffer.from('<html><body><esi:include src="/a"/><div id="x">old<esi:include src="/b"/></div><ESI:include src="/c"/></body></html>'));
    scanner.end();
    expect(parts.join('')).toBe('<html><body>[/a]{element:<div id="x">old</div>}<ESI:include src="/c"/>{body-end:}</body></html>');
  });
});
