import { describe, expect, it } from 'vitest';
import { PageScanner, scanBuffer, type Marker, type ScanOptions } from '../../src/html/scan-page.js';
import { parseSsiCommand } from '../../src/html/ssi-command.js';
import { scanChecked, show, splitEvery, type Shown } from './scan-harness.js';

interface Case {
  name: string;
  html: string;
  options?: ScanOptions;
  expected: Shown[];
}

/** Runs each case whole and in chunks of 1, 2, 3 and 7 bytes: the parts must not change. */
function table(cases: readonly Case[]): void {
  it.each(cases)('$name', ({ html, options, expected }) => {
    const input = Buffer.from(html, 'utf8');
    for (const size of [input.length, 1, 2, 3, 7]) {
      expect(show(scanChecked(splitEvery(input, size), options)), `chunks of ${size}`).toEqual(expected);
    }
  });
}

/** Any `<!--# … -->` is an SSI command marker, parsed as nginx parses it. */
const ssi = (raw: string): Shown => ({ type: 'ssi-command', command: parseSsiCommand(raw.slice(4, -3)), raw });
const esi = (raw: string, src: string, extra: { alt?: string; onerror?: string } = {}): Shown => ({ type: 'esi-include', src, ...extra, raw });
const tailor = (raw: string, fields: Omit<Extract<Marker, { type: 'tailor' }>, 'type' | 'primary'> & { primary?: boolean }): Shown => ({
  type: 'tailor',
  primary: false,
  ...fields,
  raw,
});
const element = (selector: string, raw: string): Shown => ({ type: 'element', selector, raw });
const asset = (attribute: 'src' | 'href' | 'srcset', value: string, raw = value): Shown => ({ type: 'asset-url', attribute, value, raw });

describe('SSI commands', () => {
  table([
    { name: 'virtual, double quotes', html: 'a<!--#include virtual="/x" -->b', expected: ['a', ssi('<!--#include virtual="/x" -->'), 'b'] },
    { name: 'virtual, single quotes, no space before -->', html: "<!--#include virtual='/x'-->", expected: [ssi("<!--#include virtual='/x'-->")] },
    { name: 'whitespace after #', html: '<!--# include file="/f.html" -->', expected: [ssi('<!--# include file="/f.html" -->')] },
    { name: 'newlines and other parameters', html: '<!--#include\n  virtual="/x?a=1"\n  wait="yes" -->', expected: [ssi('<!--#include\n  virtual="/x?a=1"\n  wait="yes" -->')] },
    { name: 'parameter before virtual', html: '<!--#include set="v" virtual="/x" -->', expected: [ssi('<!--#include set="v" virtual="/x" -->')] },
    { name: 'upper case (an error for nginx, still a command)', html: '<!--#INCLUDE VIRTUAL="/x" -->', expected: [ssi('<!--#INCLUDE VIRTUAL="/x" -->')] },
    { name: 'src is taken as written (SSI decodes no entities)', html: '<!--#include virtual="/a?x=1&amp;y=2" -->', expected: [ssi('<!--#include virtual="/a?x=1&amp;y=2" -->')] },
    { name: 'echo', html: '<!--#echo var="DATE_LOCAL" -->', expected: [ssi('<!--#echo var="DATE_LOCAL" -->')] },
    { name: 'set', html: '<!--#set var="a" value="b" -->', expected: [ssi('<!--#set var="a" value="b" -->')] },
    { name: 'include without virtual or file', html: '<!--#include -->x', expected: [ssi('<!--#include -->'), 'x'] },
    { name: 'space before # is a plain comment', html: '<!-- #include virtual="/x" -->', expected: ['<!-- #include virtual="/x" -->'] },
    { name: 'unterminated at EOF is plain', html: 'a<!--#include virtual="/x" ', expected: ['a<!--#include virtual="/x" '] },
  ]);
});

describe('ESI', () => {
  table([
    { name: 'self-closing include', html: 'a<esi:include src="/x"/>b', expected: ['a', esi('<esi:include src="/x"/>', '/x'), 'b'] },
    { name: 'single quotes, alt, onerror', html: `<esi:include src='/x' alt='/y' onerror='continue' />`, expected: [esi(`<esi:include src='/x' alt='/y' onerror='continue' />`, '/x', { alt: '/y', onerror: 'continue' })] },
    { name: 'unquoted src', html: '<esi:include src=/x />', expected: [esi('<esi:include src=/x />', '/x')] },
    { name: 'paired include', html: '<esi:include src="/x"></esi:include>!', expected: [esi('<esi:include src="/x"></esi:include>', '/x'), '!'] },
    { name: 'paired include with content and spaced close tag', html: '<esi:include src="/x">\n</esi:include >!', expected: [esi('<esi:include src="/x">\n</esi:include >', '/x'), '!'] },
    { name: 'upper case tag and attribute', html: '<ESI:INCLUDE SRC="/x"/>', expected: [esi('<ESI:INCLUDE SRC="/x"/>', '/x')] },
    { name: 'entity-encoded src', html: '<esi:include src="/a?x=1&amp;y=2"/>', expected: [esi('<esi:include src="/a?x=1&amp;y=2"/>', '/a?x=1&y=2')] },
    { name: 'numeric and named references', html: '<esi:include src="/caf&#233;?q=&quot;a&quot;"/>', expected: [esi('<esi:include src="/caf&#233;?q=&quot;a&quot;"/>', '/café?q="a"')] },
    { name: 'multi-byte UTF-8 in src', html: '<esi:include src="/日本/é"/>', expected: [esi('<esi:include src="/日本/é"/>', '/日本/é')] },
    { name: 'include without src is plain', html: '<esi:include alt="/y"/>', expected: ['<esi:include alt="/y"/>'] },
    { name: 'remove', html: 'a<esi:remove><a href="/x">x</a></esi:remove>b', expected: ['a', { type: 'esi-remove', raw: '<esi:remove><a href="/x">x</a></esi:remove>' }, 'b'] },
    { name: 'nested remove', html: '<esi:remove>1<esi:remove>2</esi:remove>3</esi:remove>4', expected: [{ type: 'esi-remove', raw: '<esi:remove>1<esi:remove>2</esi:remove>3</esi:remove>' }, '4'] },
    { name: 'include inside remove is part of it', html: '<esi:remove><esi:include src="/x"/></esi:remove>', expected: [{ type: 'esi-remove', raw: '<esi:remove><esi:include src="/x"/></esi:remove>' }] },
    { name: 'esi comment', html: 'a<!--esi <esi:include src="/x"/> -->b', expected: ['a', { type: 'esi-comment', inner: ' <esi:include src="/x"/> ', raw: '<!--esi <esi:include src="/x"/> -->' }, 'b'] },
    { name: 'esi comment with newline and no space before tag', html: '<!--esi\n<p>x</p>-->', expected: [{ type: 'esi-comment', inner: '\n<p>x</p>', raw: '<!--esi\n<p>x</p>-->' }] },
    { name: 'esi comment without whitespace before a tag', html: '<!--esi<esi:include src="/x"/>-->', expected: [{ type: 'esi-comment', inner: '<esi:include src="/x"/>', raw: '<!--esi<esi:include src="/x"/>-->' }] },
    { name: 'a comment starting with another word is plain', html: '<!--esign-->', expected: ['<!--esign-->'] },
    { name: 'plain comment around an include hides it', html: '<!-- <esi:include src="/x"/> -->', expected: ['<!-- <esi:include src="/x"/> -->'] },
    { name: 'esi:try is a block, through its close tag', html: 'a<esi:try><esi:attempt>x</esi:attempt></esi:try>b', expected: ['a', { type: 'esi-block', tag: 'try', raw: '<esi:try><esi:attempt>x</esi:attempt></esi:try>' }, 'b'] },
    {
      name: 'esi:choose with nested choose and includes is one block',
      html: '<esi:choose><esi:when test="1==1"><esi:choose><esi:otherwise><esi:include src="/x"/></esi:otherwise></esi:choose></esi:when></esi:choose>!',
      expected: [{ type: 'esi-block', tag: 'choose', raw: '<esi:choose><esi:when test="1==1"><esi:choose><esi:otherwise><esi:include src="/x"/></esi:otherwise></esi:choose></esi:when></esi:choose>' }, '!'],
    },
    { name: 'esi:vars block', html: '<ESI:VARS>$(HTTP_HOST)</esi:vars >', expected: [{ type: 'esi-block', tag: 'vars', raw: '<ESI:VARS>$(HTTP_HOST)</esi:vars >' }] },
    { name: 'esi:text block', html: '<esi:text><esi:include src="/no"/></esi:text>', expected: [{ type: 'esi-block', tag: 'text', raw: '<esi:text><esi:include src="/no"/></esi:text>' }] },
    { name: 'esi:comment is one tag', html: 'a<esi:comment text="x > y"/>b', expected: ['a', { type: 'esi-block', tag: 'comment', raw: '<esi:comment text="x > y"/>' }, 'b'] },
    { name: 'a block never closed is plain, what follows scanned again', html: '<esi:choose>a<esi:include src="/x"/>', expected: ['<esi:choose>a', esi('<esi:include src="/x"/>', '/x')] },
    { name: 'an empty self-closing block is plain', html: '<esi:vars/>x', expected: ['<esi:vars/>x'] },
    { name: 'esi:assign, short form: one tag', html: `a<esi:assign name="x" value="'1'"/>b`, expected: ['a', { type: 'esi-block', tag: 'assign', raw: `<esi:assign name="x" value="'1'"/>` }, 'b'] },
    { name: 'esi:assign, long form: through its close tag', html: '<esi:assign name="x">$(HTTP_HOST)</esi:assign>!', expected: [{ type: 'esi-block', tag: 'assign', raw: '<esi:assign name="x">$(HTTP_HOST)</esi:assign>' }, '!'] },
    { name: 'a block inside a remove is part of it', html: '<esi:remove><esi:vars>x</esi:vars></esi:remove>', expected: [{ type: 'esi-remove', raw: '<esi:remove><esi:vars>x</esi:vars></esi:remove>' }] },
    {
      name: 'paired include never closed: the open tag alone, the rest scanned again',
      html: '<esi:include src="/x">a<!--#include virtual="/y" -->b',
      expected: [esi('<esi:include src="/x">', '/x'), 'a', ssi('<!--#include virtual="/y" -->'), 'b'],
    },
    {
      name: 'remove never closed: plain, the rest scanned again',
      html: '<esi:remove>a<esi:include src="/y"/>',
      expected: ['<esi:remove>a', esi('<esi:include src="/y"/>', '/y')],
    },
    { name: 'unterminated tag at EOF is plain', html: 'x<esi:include src="/y"', expected: ['x<esi:include src="/y"'] },
  ]);
});

describe('Tailor', () => {
  table([
    { name: 'self-closing', html: '<fragment src="/f"/>', expected: [tailor('<fragment src="/f"/>', { src: '/f', attributes: { src: '/f' } })] },
    { name: 'paired', html: '<fragment src="/f"></fragment>.', expected: [tailor('<fragment src="/f"></fragment>', { src: '/f', attributes: { src: '/f' } }), '.'] },
    {
      name: 'script type=fragment through its close tag',
      html: '<head><script type="fragment" src="/f"></script></head>',
      expected: ['<head>', tailor('<script type="fragment" src="/f"></script>', { src: '/f', attributes: { type: 'fragment', src: '/f' } }), '</head>'],
    },
    { name: 'other scripts mentioning fragment stay raw text', html: '<script data-x="fragment">"<fragment src=/no>"</script>', expected: ['<script data-x="fragment">"<fragment src=/no>"</script>'] },
    {
      name: 'paired with content, primary, timeout, fallback-src',
      html: '<fragment src="https://h/f" fallback-src="/fb" timeout="3000" primary async>loading…</fragment>',
      expected: [
        tailor('<fragment src="https://h/f" fallback-src="/fb" timeout="3000" primary async>loading…</fragment>', {
          src: 'https://h/f',
          fallbackSrc: '/fb',
          timeout: 3000,
          primary: true,
          attributes: { src: 'https://h/f', 'fallback-src': '/fb', timeout: '3000', primary: '', async: '' },
        }),
      ],
    },
    { name: 'primary="false" still counts, as in Tailor', html: '<fragment src=/f primary="false"/>', expected: [tailor('<fragment src=/f primary="false"/>', { src: '/f', primary: true, attributes: { src: '/f', primary: 'false' } })] },
    { name: 'case variations', html: '<Fragment SRC="/f"></FRAGMENT>', expected: [tailor('<Fragment SRC="/f"></FRAGMENT>', { src: '/f', attributes: { src: '/f' } })] },
    { name: 'a timeout that is not a number is left out', html: '<fragment src="/f" timeout="soon"/>', expected: [tailor('<fragment src="/f" timeout="soon"/>', { src: '/f', attributes: { src: '/f', timeout: 'soon' } })] },
    { name: 'nested fragments are one marker', html: '<fragment src="/a"><fragment src="/b"></fragment></fragment>x', expected: [tailor('<fragment src="/a"><fragment src="/b"></fragment></fragment>', { src: '/a', attributes: { src: '/a' } }), 'x'] },
    { name: 'fragment without src is plain', html: '<fragment id="x"></fragment>', expected: ['<fragment id="x"></fragment>'] },
  ]);
});

describe('raw text and comments', () => {
  table([
    { name: 'markers inside script are not markers', html: `<script>document.write('<esi:include src="/x"/><!--#include virtual="/y" -->')</script>`, expected: [`<script>document.write('<esi:include src="/x"/><!--#include virtual="/y" -->')</script>`] },
    { name: 'markers inside style are not markers', html: '<style>/* <!--esi x --> <fragment src="/f"/> */</style>', expected: ['<style>/* <!--esi x --> <fragment src="/f"/> */</style>'] },
    { name: 'after a script, markers count again', html: '<SCRIPT>a<b</SCRIPT ><esi:include src="/x"/>', expected: ['<SCRIPT>a<b</SCRIPT >', esi('<esi:include src="/x"/>', '/x')] },
    { name: 'textarea is raw text too', html: '<textarea><esi:include src="/x"/></textarea>', expected: ['<textarea><esi:include src="/x"/></textarea>'] },
    { name: 'lone < and odd tags are bytes', html: 'a < b <3 </> <!> <? x ?> <![CDATA[<esi:include src="/x"/>]]>', expected: ['a < b <3 </> <!> <? x ?> <![CDATA[<esi:include src="/x"/>]]>'] },
    { name: 'doctype and comments', html: '<!DOCTYPE html><!-- hi --><!----><!-->', expected: ['<!DOCTYPE html><!-- hi --><!----><!-->'] },
  ]);
});

describe('selectors', () => {
  table([
    { name: 'nested elements of the same name', html: '<div class=a><div></div>x</div>y', options: { selectors: ['div.a'] }, expected: [element('div.a', '<div class=a><div></div>x</div>'), 'y'] },
    { name: 'descendant selector', html: '<main><section><p class=x>t</p></section></main><aside><p class=x>u</p></aside>', options: { selectors: ['main .x'] }, expected: ['<main><section>', element('main .x', '<p class=x>t</p>'), '</section></main><aside><p class=x>u</p></aside>'] },
    { name: 'child combinator', html: '<nav><ul><li id=a>1</li></ul></nav><ul id=b></ul>', options: { selectors: ['body > ul', 'nav > ul'] }, expected: ['<nav>', element('nav > ul', '<ul><li id=a>1</li></ul>'), '</nav><ul id=b></ul>'] },
    { name: 'attribute selector with decoded value', html: '<header data-fragment="a&amp;b">h</header>', options: { selectors: ['header[data-fragment="a&b"]'] }, expected: [element('header[data-fragment="a&b"]', '<header data-fragment="a&amp;b">h</header>')] },
    { name: 'upper-case tags and attributes', html: '<HEADER DATA-FRAGMENT="header">h</HEADER>', options: { selectors: ['header[data-fragment="header"]'] }, expected: [element('header[data-fragment="header"]', '<HEADER DATA-FRAGMENT="header">h</HEADER>')] },
    { name: 'void element: the open tag only', html: '<p><img class=logo src=x>t</p>', options: { selectors: ['img.logo'] }, expected: ['<p>', element('img.logo', '<img class=logo src=x>'), 't</p>'] },
    { name: 'void elements do not unbalance the stack', html: '<div class=a><br><input><hr/>x</div>y', options: { selectors: ['.a'] }, expected: [element('.a', '<div class=a><br><input><hr/>x</div>'), 'y'] },
    { name: 'self-closing syntax: the open tag only', html: '<div class="a"/>x</div>y', options: { selectors: ['.a'] }, expected: [element('.a', '<div class="a"/>'), 'x</div>y'] },
    {
      name: '<div/> stays open on the stack, as in browsers',
      html: '<div class="a"/><p class=b>x</p></div><p class=b>y</p>',
      options: { selectors: ['.a', '.a .b'] },
      expected: [element('.a', '<div class="a"/>'), element('.a .b', '<p class=b>x</p>'), '</div><p class=b>y</p>'],
    },
    { name: '/> closes in SVG', html: '<svg><use class=a href="#i"/><g></g></svg>', options: { selectors: ['svg .a'] }, expected: ['<svg>', element('svg .a', '<use class=a href="#i"/>'), '<g></g></svg>'] },
    { name: 'an open tag that implies a close ends the element', html: '<ul><li class=a>one<li>two</ul>', options: { selectors: ['li.a'] }, expected: ['<ul>', element('li.a', '<li class=a>one'), '<li>two</ul>'] },
    { name: "an ancestor's close tag ends the element just before it", html: '<div><span class=a>x</div>y', options: { selectors: ['span.a'] }, expected: ['<div>', element('span.a', '<span class=a>x'), '</div>y'] },
    { name: 'a stray close tag is ignored', html: '<div class=a>x</span></div>y', options: { selectors: ['.a'] }, expected: [element('.a', '<div class=a>x</span></div>'), 'y'] },
    { name: 'close tag with whitespace', html: '<div class=a>x</div\n>y', options: { selectors: ['.a'] }, expected: [element('.a', '<div class=a>x</div\n>'), 'y'] },
    { name: 'unclosed at EOF: through the end', html: 'p<div class=a>x', options: { selectors: ['.a'] }, expected: ['p', element('.a', '<div class=a>x')] },
    { name: 'first matching selector is named', html: '<header id=h class=c></header>', options: { selectors: ['#h', '.c'] }, expected: [element('#h', '<header id=h class=c></header>')] },
    { name: 'script content does not open elements', html: '<div class=a><script>"</div>"</script></div>!', options: { selectors: ['.a'] }, expected: [element('.a', '<div class=a><script>"</div>"</script></div>'), '!'] },
    { name: 'sibling combinators never match (documented)', html: '<h1></h1><p class=a></p>', options: { selectors: ['h1 + p'] }, expected: ['<h1></h1><p class=a></p>'] },
    { name: 'markers inside a matched element are part of it', html: '<header class=h><esi:include src="/x"/></header>', options: { selectors: ['.h'] }, expected: [element('.h', '<header class=h><esi:include src="/x"/></header>')] },
    {
      name: 'after a paired include never closed, the stack is as it was',
      html: '<main><fragment src="/f"><p class=x>1</p>',
      options: { selectors: ['main fragment .x'] },
      expected: ['<main>', tailor('<fragment src="/f">', { src: '/f', attributes: { src: '/f' } }), element('main fragment .x', '<p class=x>1</p>')],
    },
  ]);

  it('refuses an invalid selector with a readable message', () => {
    expect(() => new PageScanner({ selectors: ['div[[x'] }, { bytes() {}, marker() {} })).toThrow(/"div\[\[x" cannot be used/);
  });
});

describe('asset URLs and import maps', () => {
  const options = { assetPrefixes: ['/assets/header/', 'https://cdn.example.com/header/'] };
  table([
    {
      name: 'src, href and srcset in every quoting',
      html: `<script src="/assets/header/a.js"></script><link rel=stylesheet href='/assets/header/a.css'><img src=/assets/header/i.png>`,
      options,
      expected: ['<script src="', asset('src', '/assets/header/a.js'), `"></script><link rel=stylesheet href='`, asset('href', '/assets/header/a.css'), `'><img src=`, asset('src', '/assets/header/i.png'), '>'],
    },
    {
      name: 'srcset: any candidate',
      html: '<img srcset="/img/a.png 1x, https://cdn.example.com/header/b.png 2x">',
      options,
      expected: ['<img srcset="', asset('srcset', '/img/a.png 1x, https://cdn.example.com/header/b.png 2x'), '">'],
    },
    { name: 'srcset with no candidate under a prefix', html: '<img srcset="/img/a.png 1x,/img/b.png 2x">', options, expected: ['<img srcset="/img/a.png 1x,/img/b.png 2x">'] },
    { name: 'other prefixes and attributes are left alone', html: '<a href="/assets/footer/x">x</a><div data-src="/assets/header/x"></div>', options, expected: ['<a href="/assets/footer/x">x</a><div data-src="/assets/header/x"></div>'] },
    { name: 'entity-encoded value: decoded value, raw bytes', html: '<a href="/assets/header/x?a=1&amp;b=2">', options, expected: ['<a href="', asset('href', '/assets/header/x?a=1&b=2', '/assets/header/x?a=1&amp;b=2'), '">'] },
    { name: 'leading whitespace in the value still matches', html: '<img src=" /assets/header/x">', options, expected: ['<img src="', asset('src', ' /assets/header/x'), '">'] },
    { name: 'only the first of duplicate attributes counts', html: '<img src="/x" src="/assets/header/y">', options, expected: ['<img src="/x" src="/assets/header/y">'] },
    { name: 'include tags are includes, not assets', html: '<esi:include src="/assets/header/frag"/>', options, expected: [esi('<esi:include src="/assets/header/frag"/>', '/assets/header/frag')] },
    {
      name: 'import map content',
      html: '<script type="importmap">{"imports":{"h":"/assets/header/h.js"}}</script>x',
      options,
      expected: ['<script type="importmap">', { type: 'importmap', json: '{"imports":{"h":"/assets/header/h.js"}}', raw: '{"imports":{"h":"/assets/header/h.js"}}' }, '</script>x'],
    },
    { name: 'import map type in other case, empty content', html: '<script type=" ImportMap "></script>', options, expected: ['<script type=" ImportMap ">', { type: 'importmap', json: '', raw: '' }, '</script>'] },
    { name: 'other scripts are not import maps', html: '<script type="module">{}</script>', options, expected: ['<script type="module">{}</script>'] },
    { name: 'import maps need assetPrefixes', html: '<script type="importmap">{}</script>', expected: ['<script type="importmap">{}</script>'] },
    { name: 'unterminated import map is plain', html: '<script type="importmap">{}', options, expected: ['<script type="importmap">{}'] },
  ]);
});

describe('body end', () => {
  table([
    { name: 'before the first </body>', html: '<body>x</body></html>', options: { bodyEnd: true }, expected: ['<body>x', { type: 'body-end', raw: '' }, '</body></html>'] },
    { name: 'only the first, any case and spacing', html: '<body>x</ BODY ><p></body>', options: { bodyEnd: true }, expected: ['<body>x', { type: 'body-end', raw: '' }, '</ BODY ><p></body>'] },
    { name: 'not inside script', html: '<script>"</body>"</script></body>', options: { bodyEnd: true }, expected: ['<script>"</body>"</script>', { type: 'body-end', raw: '' }, '</body>'] },
    { name: 'not without the option', html: '<body></body>', expected: ['<body></body>'] },
    { name: 'none in the page', html: '<p>x</p>', options: { bodyEnd: true }, expected: ['<p>x</p>'] },
    {
      name: 'after an element the </body> closes',
      html: '<body><div class=a>x</body>',
      options: { bodyEnd: true, selectors: ['.a'] },
      expected: ['<body>', element('.a', '<div class=a>x'), { type: 'body-end', raw: '' }, '</body>'],
    },
  ]);
});

describe('offsets and parts', () => {
  it('reports absolute byte offsets with multi-byte text before the marker', () => {
    const page = Buffer.from('日本語<esi:include src="/x"/>é', 'utf8');
    const parts = scanBuffer(page);
    expect(parts).toHaveLength(3);
    const marker = parts[1] as Exclude<(typeof parts)[number], Buffer>;
    expect(marker.start).toBe(9);
    expect(marker.end).toBe(9 + '<esi:include src="/x"/>'.length);
    expect(marker.raw.equals(page.subarray(marker.start, marker.end))).toBe(true);
  });

  it('scanBuffer returns the page itself as one part when there is no marker', () => {
    const page = Buffer.from('<html><body>plain</body></html>');
    const parts = scanBuffer(page, { bodyEnd: false });
    expect(parts).toHaveLength(1);
    expect((parts[0] as Buffer).buffer).toBe(page.buffer);
    expect(scanBuffer(Buffer.alloc(0))).toEqual([]);
  });

  it('refuses write() after end()', () => {
    const scanner = new PageScanner({}, { bytes() {}, marker() {} });
    scanner.end();
    expect(() => scanner.write(Buffer.from('x'))).toThrow(/after end\(\)/);
  });
});

describe('streaming', () => {
  function recorder() {
    const out: Buffer[] = [];
    const markers: Marker[] = [];
    return {
      out,
      markers,
      sink: { bytes: (chunk: Buffer) => void out.push(chunk), marker: (marker: Marker, raw: Buffer) => void (markers.push(marker), out.push(raw)) },
      text: () => Buffer.concat(out).toString(),
    };
  }

  it('emits the bytes before an incomplete marker before end()', () => {
    const r = recorder();
    const scanner = new PageScanner({}, r.sink);
    scanner.write(Buffer.from('<html><body><p>hello</p><esi:include src="/x'));
    expect(r.text()).toBe('<html><body><p>hello</p>');
    scanner.write(Buffer.from('"/> after '));
    expect(r.markers).toEqual([{ type: 'esi-include', src: '/x' }]);
    expect(r.text()).toBe('<html><body><p>hello</p><esi:include src="/x"/> after ');
    scanner.write(Buffer.from('<!--#incl'));
    expect(r.text()).toBe('<html><body><p>hello</p><esi:include src="/x"/> after ');
    scanner.write(Buffer.from('ude virtual="/y" -->'));
    scanner.end();
    expect(r.markers).toHaveLength(2);
  });

  it('holds a captured element until it closes, and nothing else', () => {
    const r = recorder();
    const scanner = new PageScanner({ selectors: ['header'] }, r.sink);
    scanner.write(Buffer.from('<body><header><nav>'));
    expect(r.text()).toBe('<body>');
    scanner.write(Buffer.from('</nav></header><main>'));
    expect(r.markers).toEqual([{ type: 'element', selector: 'header' }]);
    expect(r.text()).toBe('<body><header><nav></nav></header><main>');
    scanner.end();
  });

  it('releases a long plain comment as it arrives, but holds one that may be a marker', () => {
    const r = recorder();
    const scanner = new PageScanner({}, r.sink);
    scanner.write(Buffer.from('a<!-- big '));
    scanner.write(Buffer.from('x'.repeat(1000)));
    expect(r.text()).toBe(`a<!-- big ${'x'.repeat(1000)}`);
    scanner.write(Buffer.from('--><!--es'));
    expect(r.text()).toBe(`a<!-- big ${'x'.repeat(1000)}-->`);
    scanner.write(Buffer.from('i x'));
    expect(r.text()).toBe(`a<!-- big ${'x'.repeat(1000)}-->`);
    scanner.write(Buffer.from(' -->'));
    expect(r.markers.map((m) => m.type)).toEqual(['esi-comment']);
    scanner.end();
  });

  it('streams a page of many MB without markers with output lagging by less than a chunk', () => {
    const unit = Buffer.from(
      '<div class="row"><a href="/x?a=1&amp;b=2">link</a><!-- note --><script>if (a < b) x = "</div>";</script><img src=/i.png alt="日本"></div>\n',
    );
    const chunk = Buffer.concat(Array.from({ length: Math.ceil(65536 / unit.length) }, () => unit));
    let emitted = 0;
    let written = 0;
    let maxLag = 0;
    const scanner = new PageScanner(
      { selectors: ['header[data-fragment="h"]'], assetPrefixes: ['/assets/header/'], bodyEnd: true },
      {
        bytes: (b) => void (emitted += b.length),
        marker: () => {
          throw new Error('no marker expected');
        },
      },
    );
    for (let i = 0; i < 128; i++) {
      // Cut the chunk at an odd place, so that tags straddle the boundaries.
      const cut = 1 + ((i * 7919) % (chunk.length - 1));
      for (const part of [chunk.subarray(0, cut), chunk.subarray(cut)]) {
        scanner.write(part);
        written += part.length;
        maxLag = Math.max(maxLag, written - emitted);
      }
    }
    scanner.end();
    expect(emitted).toBe(written);
    expect(written).toBeGreaterThan(8_000_000);
    expect(maxLag).toBeLessThan(unit.length);
  });
});
