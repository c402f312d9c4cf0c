import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { DirectiveInfo } from '../../src/compose/events.js';
import type { InlineConfig } from '../../src/config/types.js';
import { startSite, type FakeSite, type Route } from '../fixtures/site.js';
import { startGateway } from '../helpers/gateway.js';
import { listen, request, type TestServer } from '../helpers/servers.js';

/**
 * The SSI language beyond nginx-tests' cases: request variables in include URLs (the feature
 * toggles of real templates), evaluation in document order while the page streams, variables
 * shared with fragments, malformed commands, the headers an SSI page loses, `diagnostics`, and
 * the directive trace behind `DEBUG=mfe-dev:compose`. Real servers on 127.0.0.1 throughout.
 */

type Gateway = Awaited<ReturnType<typeof startGateway>>;
let site: FakeSite | undefined;
let gateway: Gateway | undefined;
let extra: TestServer | undefined;

afterEach(async () => {
  await gateway?.close();
  await site?.close();
  await extra?.close();
  gateway = site = extra = undefined;
});

async function setup(routes: Record<string, Route | string>, config: Partial<InlineConfig> = {}): Promise<Gateway> {
  site = await startSite(routes);
  gateway = await startGateway({ upstream: site.url, overlay: false, ...config });
  return gateway;
}

describe('variables', () => {
  it('passes the page query on to a fragment: $args, $arg_NAME and ${NAME} inside include URLs', async () => {
    const g = await setup({
      '/p': '<!--#include virtual="/fragment/header?$args" -->|<!--#include virtual="/fragment/nav?toguru=$arg_toguru&x=${arg_a}b" -->',
      '/fragment/header': { body: (req) => `H(${req.url})` },
      '/fragment/nav': { body: (req) => `N(${req.url})` },
    });
    const response = await request(`${g.url}/p?toguru=new-nav%3Dtrue&a=1`);
    expect(response.text).toBe('H(/fragment/header?toguru=new-nav%3Dtrue&a=1)|N(/fragment/nav?toguru=new-nav%3Dtrue&x=1b)');
  });

  it('reads the request as production sees it', async () => {
    const names = ['uri', 'document_uri', 'request_uri', 'args', 'query_string', 'request_method', 'host', 'scheme', 'remote_addr', 'cookie_theme', 'http_x_toggle', 'arg_missing'];
    const g = await setup({ '/vars/page': names.map((name) => `${name}=<!--#echo var="${name}" -->`).join('\n') });
    const response = await request(`${g.url}/vars/page?a=1&b=%3C`, { headers: { cookie: 'session=s; theme=dark', 'x-toggle': 'on' } });
    expect(response.text.split('\n')).toEqual([
      'uri=/vars/page',
      'document_uri=/vars/page',
      'request_uri=/vars/page?a=1&amp;b=%3C',
      'args=a=1&amp;b=%3C',
      'query_string=a=1&amp;b=%3C',
      'request_method=GET',
      'host=127.0.0.1',
      'scheme=http',
      'remote_addr=127.0.0.1',
      'cookie_theme=dark',
      'http_x_toggle=on',
      'arg_missing=(none)',
    ]);
  });

  it("a fragment reads its own $uri and $args and the page's variables; what it sets is seen after wait='yes'", async () => {
    const g = await setup({
      '/p': '<!--#set var="team" value="checkout" --><!--#include virtual="/frag/a?x=1" wait="yes" -->|<!--#echo var="from_fragment" -->',
      '/frag/a': '<!--#echo var="uri" -->?<!--#echo var="args" -->:<!--#echo var="team" --><!--#set var="from_fragment" value="yes" -->',
    });
    expect((await request(`${g.url}/p?page=1`)).text).toBe('/frag/a?x=1:checkout|yes');
  });

  it('regular expression captures feed later commands, include URLs included', async () => {
    const g = await setup({
      '/products/tent-2p': '<!--#if expr="$uri = /^\\/products\\/(?P<slug>[a-z0-9-]+)/" --><!--#include virtual="/fragments/price/$1" --> <!--#echo var="slug" --><!--#endif -->',
      '/fragments/price/tent-2p': '199 EUR',
    });
    expect((await request(`${g.url}/products/tent-2p`)).text).toBe('199 EUR tent-2p');
  });

  it('echo: default, an empty default prints nothing, and the encoding stays for later echoes', async () => {
    const g = await setup({
      '/p': '[<!--#echo var="nope" default="-" -->][<!--#echo var="nope" default="" -->]<!--#set var="v" value="a b<" -->[<!--#echo var="v" encoding="url" -->][<!--#echo var="v" -->]',
    });
    expect((await request(`${g.url}/p`)).text).toBe('[-][][a%20b%3C][a%20b%3C]');
  });
});

describe('document order while the page streams', () => {
  it('an if on a variable set by include … set= waits for it; the bytes before it have already left', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    extra = await listen((req, res) => {
      if (req.url === '/p') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`BEFORE${' '.repeat(2048)}<!--#include virtual="/flag" set="flag" --><!--#if expr="$flag = on" -->ON<!--#else -->OFF<!--#endif -->:<!--#echo var="flag" -->`);
      } else if (req.url === '/flag') {
        void released.then(() => res.end('on'));
      } else {
        res.writeHead(404).end();
      }
    });
    gateway = await startGateway({ upstream: extra.url, overlay: false });
    const text = await new Promise<string>((resolve, reject) => {
      http.get(`${gateway!.url}/p`, (res) => {
        let body = '';
        res.setEncoding('latin1');
        res.on('data', (chunk: string) => {
          body += chunk;
          // The page's first bytes reach the browser while the include is still pending.
          if (body.startsWith('BEFORE')) release();
        });
        res.on('end', () => resolve(body));
        res.on('error', reject);
      }).on('error', reject);
    });
    expect(text).toBe(`BEFORE${' '.repeat(2048)}ON:on`);
  });

  it('commands split across the chunks production sends are read whole', async () => {
    const pieces = ['<p>a</p><!-', '-#set var="x" val', 'ue="1" --><!--#if expr="$x = 1" -', '->YES<!--#else -->NO<!--#en', 'dif -->', '<!--#echo var="x" -->'];
    const g = await setup({ '/p': { body: '', chunks: { pieces, gap: 5 } } });
    expect((await request(`${g.url}/p`)).text).toBe('<p>a</p>YES1');
  });

  it('include … wait="yes" keeps its place, and a failed include … set= leaves the variable empty', async () => {
    const g = await setup({
      '/p': 'a<!--#include virtual="/slow" wait="yes" -->b<!--#include virtual="/down" set="v" -->[<!--#echo var="v" -->]',
      '/slow': { body: 'SLOW', delay: 50 },
      '/down': { body: 'no', delay: 3000 },
    }, { fragments: { down: { src: '/down', timeout: 100 } } });
    expect((await request(`${g.url}/p`)).text).toBe('aSLOWb[]');
  });
});

describe('with a local fragment (the overlay waits for the page)', () => {
  it('a page whose </body> comes while an include … set= is pending still ends, with the overlay', async () => {
    const local = await startSite({ '/fragments/header': 'LOCAL' });
    try {
      const g = await setup(
        { '/p': '<html><body><!--#include virtual="/slow" set="v" --><!--#include virtual="/fragments/header" -->[<!--#echo var="v" -->]</body></html>', '/slow': { body: 'S', delay: 50 } },
        { overlay: true, fragments: { header: { src: '/fragments/header', local: local.url } } },
      );
      const response = await request(`${g.url}/p?mfe-dev=header=local`, { timeout: 5000 });
      expect(response.text).toMatch(/^<html><body>LOCAL\[S\]<script[^>]*>.*<\/script><\/body><\/html>$/s);
    } finally {
      await local.close();
    }
  });
});

describe('errors, as nginx reports them', () => {
  it.each([
    ['a missing mandatory parameter', '<!--#echo -->'],
    ['an unquoted value', '<!--#echo var=x -->'],
    ['an unknown parameter', '<!--#include virtual="/f" bogus="1" -->'],
    ['a variable without its closing bracket', '<!--#set var="a" value="${b" -->'],
    ['elif without if', '<!--#elif expr="1" -->'],
    ['if inside if', '<!--#if expr="1" --><!--#if expr="1" -->'],
    ['virtual and file together', '<!--#include virtual="/a" file="/b" -->'],
    ['a stub that was never defined', '<!--#include virtual="/a" stub="none" -->'],
    ['a `..` segment in the URI', '<!--#include virtual="/x/../a" -->'],
    ['a URI that is `..` itself', '<!--#include virtual=".." -->'],
    ['a URI ending in `/..`', '<!--#include virtual="/x/..?q=1" -->'],
  ])('%s prints the errmsg in its place', async (_name, command) => {
    const g = await setup({ '/p': `x${command}y`, '/a': 'A', '/f': 'F' });
    expect((await request(`${g.url}/p`)).text).toBe('x[an error occurred while processing the directive]y');
  });

  it('a `..` inside a segment name, or in the query, is not a `..` segment: included', async () => {
    const g = await setup({ '/p': 'x<!--#include virtual="/a..b" -->|<!--#include virtual="/a?up=../x" -->y', '/a..b': 'AB', '/a': { body: (req) => `A(${req.url})` } });
    expect((await request(`${g.url}/p`)).text).toBe('xAB|A(/a?up=../x)y');
  });

  it("a comment naming no command stays a comment (pages built by other tools); with edge: 'nginx' it is nginx's error", async () => {
    const routes = { '/p': '<!--#header--><h1>Hi</h1><!--#exec cmd="ls" --><!--#comment-form-->' };
    const g = await setup(routes);
    expect((await request(`${g.url}/p`)).text).toBe('<!--#header--><h1>Hi</h1><!--#exec cmd="ls" --><!--#comment-form-->');
    await gateway!.close();
    await site!.close();
    const nginx = await setup(routes, { edge: 'nginx' });
    const error = '[an error occurred while processing the directive]';
    expect((await request(`${nginx.url}/p`)).text).toBe(`${error}<h1>Hi</h1>${error}${error}`);
  });

  it("with edge: 'nginx', an include in a fragment whose last tag never closes is still made (nginx reads bytes)", async () => {
    const g = await setup(
      { '/p': 'a<!--#include virtual="/f" -->b', '/f': `<p>f</p><script data-x='<!--#include virtual="/inner" -->`, '/inner': 'INNER' },
      { edge: 'nginx' },
    );
    expect((await request(`${g.url}/p`)).text).toBe(`a<p>f</p><script data-x='INNERb`);
  });

  it('config errmsg changes the text, also for a failed include; diagnostics: false leaves only that', async () => {
    const routes = { '/p': '<!--#config errmsg="(unavailable)" -->a<!--#echo -->b<!--#include virtual="/down" -->c', '/down': { body: 'no', delay: 3000 } };
    const down = { fragments: { down: { src: '/down', timeout: 100 } } };
    const g = await setup(routes, down);
    expect((await request(`${g.url}/p`)).text).toBe('a(unavailable)b(unavailable)<!-- mfe-dev: include /down failed: timed out after 100 ms -->c');
    await gateway!.close();
    await site!.close();
    const quiet = await setup(routes, { ...down, diagnostics: false });
    expect((await request(`${quiet.url}/p`)).text).toBe('a(unavailable)b(unavailable)c');
  });
});

describe('headers', () => {
  const validators = { 'last-modified': 'Thu, 01 Jan 2026 00:00:00 GMT', etag: '"abc"', 'accept-ranges': 'bytes' };

  it('a page that speaks SSI loses Last-Modified, ETag and Accept-Ranges; a page without SSI commands keeps them', async () => {
    const g = await setup({
      '/ssi': { body: 'x<!--#echo var="uri" -->', headers: validators },
      '/plain': { body: '<p>plain</p>', headers: validators },
      '/comments': { body: '<!--#header--><p>not SSI</p>', headers: validators },
      // The command after a non-command, and after whitespace, still counts.
      '/spaced': { body: '<p>a</p><!--#header--><!--#\t\n  echo var="uri" -->', headers: validators },
    });
    const ssi = await request(`${g.url}/ssi`);
    expect(ssi.text).toBe('x/ssi');
    expect(ssi.headers).not.toHaveProperty('last-modified');
    expect(ssi.headers).not.toHaveProperty('etag');
    expect(ssi.headers).not.toHaveProperty('accept-ranges');
    const plain = await request(`${g.url}/plain`);
    expect(plain.headers['last-modified']).toBe(validators['last-modified']);
    expect(plain.headers.etag).toBe(validators.etag);
    const comments = await request(`${g.url}/comments`);
    expect(comments.text).toBe('<!--#header--><p>not SSI</p>');
    expect(comments.headers.etag).toBe(validators.etag);
    const spaced = await request(`${g.url}/spaced`);
    expect(spaced.headers).not.toHaveProperty('etag');
  });

  it("with edge: 'nginx' every composed page loses them, as behind nginx with ssi on", async () => {
    const g = await setup({ '/plain': { body: '<p>plain</p>', headers: validators } }, { edge: 'nginx' });
    const plain = await request(`${g.url}/plain`);
    expect(plain.text).toBe('<p>plain</p>');
    expect(plain.headers).not.toHaveProperty('last-modified');
    expect(plain.headers).not.toHaveProperty('etag');
  });
});

describe('the directive trace (DEBUG=mfe-dev:compose)', () => {
  it('tells which directive did what', async () => {
    const g = await setup({ '/p': '<!--#set var="v" value="a\x01" --><!--#if expr="$arg_x" -->X<!--#endif --><!--#echo var="v" --><!--#echo -->' });
    const seen: DirectiveInfo[] = [];
    g.events.on('directive', (d) => seen.push(d));
    await request(`${g.url}/p?x=1`);
    const lines = seen.map((d) => `${d.dialect} ${d.text}`);
    expect(lines).toEqual([
      'ssi set v = "a\\u0001"',
      'ssi if "$arg_x" → true',
      'ssi echo v → "a\\u0001" (entity)',
      'ssi "<!--#echo -->" → error: mandatory "var" parameter is absent in "echo" SSI command; output "[an error occurred while processing the directive]"',
    ]);
  });
});
