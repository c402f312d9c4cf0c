/** Generated ESI cases for Varnish (see generate.ts). */
import type { Doc } from './origin.js';
import { browserHeaders, fragment, htmlPage, type CaseBody, type Rng } from './generate.js';

export const ESI_FEATURES = ['include', 'status', 'alt', 'content-type', 'chunks', 'context', 'syntax', 'remove', 'unsupported', 'depth', 'headers', 'first-byte', 'fuzz'] as const;

/** Pieces of ESI and HTML syntax, put together at random by the `fuzz` feature. */
const TOKENS = [
  '<', '>', '/', '/>', ' ', '\n', 'x', '<p>', '</p>', '<esi:', '</esi:', 'include', 'remove', 'comment', 'choose', ' src="{{P}}f1"', " src='{{P}}f2'",
  ' src={{P}}f1', 'src=', ' alt="{{P}}f2"', '"', "'", '=', '<!--', '<!--esi', '-->', '--', '-', '<![CDATA[', ']]>', '<a href="', '<ESI:', '<script>', '</script>',
  '<esi:include src="{{P}}f1"/>', '<esi:remove>', '</esi:remove>', '&amp;', 'esi',
];

const TYPES = ['text/html', 'text/html; charset=utf-8', undefined, 'text/plain', 'application/json', 'text/css', 'application/xhtml+xml'];

function include(name: string, extra = ''): string {
  return `<esi:include src="{{P}}${name}"${extra}/>`;
}

function filler(rng: Rng): string {
  return rng.pick(['<p>text</p>', '<div class="x">a &amp; b</div>', '<!-- a comment -->', '<ul><li>1</li></ul>', 'plain']);
}

/** Tags Varnish parses its own way; one per case, after the case's includes. */
const SYNTAX = [
  '<esi:include src = "{{P}}f1"/>',
  '<esi:include SRC="{{P}}f1"/>',
  '<esi:include src="{{P}}f1" / >',
  '<esi:include src="{{P}}f1" src="{{P}}f2"/>',
  '<esi:include src="{{P}}f1">',
  '<esi:include src="{{P}}f1"></esi:include>',
  "<esi:include src='{{P}}f1'/>",
  '<esi:include src="{{P}}f1" />',
  '<esi:include\nsrc="{{P}}f1"/>',
  '<esi:remove/>',
  'a</esi:remove>b',
  '<esi:/>',
  '<esi:eval src="{{P}}f1"/>',
  '<ESI:include src="{{P}}f1"/>',
  '<!--ESI <p>x</p> -->',
  '<esi:comment text="c"/>',
  '<esi:comment text="c">',
  '<esi:include/>',
  '<esi:include src=""/>',
  '<esi:include src="{{P}}f1" onerror="continue"/>',
  '<esi:includex src="{{P}}f1"/>',
  '<esi:include src="{{P}}f1" x=y/>',
];

const REMOVE = [
  '<esi:remove>gone</esi:remove>',
  '<esi:remove>a<esi:remove>b</esi:remove>c</esi:remove>d',
  '<esi:remove>to the end',
  '<!--esi <p>shown</p> -->',
  '<!--esi <p>shown</p>',
  '<!--esi <esi:include src="{{P}}f1"/> -->',
  '<!--esi a --> b -->',
  '<esi:remove><esi:include src="{{P}}f1"/></esi:remove>',
];

const UNSUPPORTED = [
  '<esi:choose><esi:when test="1==1">when</esi:when><esi:otherwise>other</esi:otherwise></esi:choose>',
  '<esi:try><esi:attempt>att</esi:attempt><esi:except>exc</esi:except></esi:try>',
  '<esi:vars>$(HTTP_HOST) $(QUERY_STRING)</esi:vars>',
  '<esi:inline name="x" fetchable="yes">inl</esi:inline>',
  '<esi:assign name="a" value="1"/>v',
  '<esi:text>t<esi:include src="{{P}}f1"/></esi:text>',
  '<esi:foreach collection="[1]">f</esi:foreach>',
];

export function esiCase(rng: Rng, feature: string): CaseBody {
  const docs: Record<string, Doc> = { f1: fragment(rng, '<b>f1</b>'), f2: fragment(rng, '<b>f2</b>') };
  const snippets: string[] = [filler(rng)];
  const headers = browserHeaders(rng);
  const query = rng.chance(0.5) ? `q=${rng.pick(['v1', 'abc'])}` : '';
  let pageOptions: Parameters<typeof htmlPage>[2] = {};
  const count = rng.int(1, 3);
  for (let i = 1; i <= count; i++) {
    const name = `g${i}`;
    switch (feature) {
      case 'include':
        docs[name] = fragment(rng, `<b>${name}</b>${rng.chance(0.3) ? '\n' : ''}`);
        snippets.push(include(name, rng.chance(0.3) ? ' onerror="continue"' : ''));
        break;
      case 'status': {
        const status = rng.pick([200, 404, 500, 503]);
        docs[name] = fragment(rng, rng.pick(['', `<i>${status} page</i>`, `<i>${name}</i>${include('f1')}`]), { status });
        snippets.push(include(name, rng.chance(0.5) ? ' onerror="continue"' : ''));
        break;
      }
      case 'alt': {
        const status = rng.pick([404, 500, 200]);
        docs[name] = fragment(rng, rng.pick(['', `<i>${status}</i>`]), { status });
        snippets.push(include(name, ` alt="{{P}}f2"${rng.chance(0.5) ? ' onerror="continue"' : ''}`));
        break;
      }
      case 'content-type':
        docs[name] = fragment(rng, `<p>${name}${include('f1')}</p>`, { type: rng.pick(TYPES) });
        snippets.push(include(name));
        break;
      case 'chunks':
        docs[name] = fragment(rng, `<b>${name}</b>${include('f1')}`, { chunked: true });
        snippets.push(include(name), rng.pick(REMOVE.slice(0, 4)));
        pageOptions = { chunked: true };
        break;
      case 'context':
        snippets.push(
          rng.pick([
            `<a href="${include('f1').replace(/"/g, "'")}">x</a>`,
            `<a title="${include('f1')}">x</a>`,
            `<script>var s = '${include('f1')}';</script>`,
            `<style>/* ${include('f1')} */</style>`,
            `<!-- ${include('f1')} -->`,
            `<textarea>${include('f1')}</textarea>`,
          ]),
        );
        if (rng.chance(0.3)) pageOptions = { head: `<title>${include('f2')}</title>` };
        break;
      case 'syntax':
        if (i === count) snippets.push(rng.pick(SYNTAX));
        else snippets.push(include('f2'));
        break;
      case 'remove':
        snippets.push(rng.pick(REMOVE));
        break;
      case 'unsupported':
        snippets.push(rng.pick(UNSUPPORTED));
        break;
      case 'depth': {
        const depth = rng.int(2, 8);
        const loop = rng.chance(0.2);
        for (let d = 1; d <= depth; d++) {
          const here = `${name}d${d}`;
          const next = loop && d === depth ? `${name}d1` : `${name}d${d + 1}`;
          docs[here] = fragment(rng, d < depth || loop ? `<${d}>${include(next)}</${d}>` : `<leaf ${here}>`);
        }
        snippets.push(include(`${name}d1`));
        i = count;
        break;
      }
      case 'headers':
        docs[name] = fragment(rng, `[${rng.pick(['{{h:x-device}}', '{{h:x-ab}}', '{{h:accept-language}}', '{{h:user-agent}}', '{{h:cookie}}'])}]`);
        snippets.push(include(name));
        break;
      case 'fuzz': {
        const length = rng.int(3, 14);
        let text = '';
        for (let t = 0; t < length; t++) text += rng.pick(TOKENS);
        snippets.push(text);
        break;
      }
      case 'first-byte':
        docs[name] = fragment(rng, rng.pick([`${name} text first${include('f1')}`, `  <b>${name}</b>${include('f1')}`, `\n<p>${include('f1')}</p>`]));
        snippets.push(include(name));
        break;
    }
    if (rng.chance(0.4)) snippets.push(filler(rng));
  }
  return { docs: { page: htmlPage(rng, snippets, pageOptions), ...docs }, query, headers };
}
