/**
 * Hostile and odd pages through a real gateway (issue 8): 10,000 includes, a 5 MB attribute,
 * invalid UTF-8, NUL bytes, binary data labelled text/html, markers split at every byte. Each is
 * answered, and every byte outside the replaced fragments comes out exactly as production sent it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../helpers/gateway.js';
import { listen, request, type TestServer } from '../helpers/servers.js';

/** What production serves at each path: a body, or a body sent in two parts (split at `split`). */
const pages = new Map<string, { body: Buffer; split?: number }>();

let upstream: TestServer;
let gateway: Awaited<ReturnType<typeof startGateway>>;

beforeAll(async () => {
  upstream = await listen((req, res) => {
    const url = req.url ?? '/';
    if (url.startsWith('/f/')) {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(`[${url.slice(3)}]`);
    }
    const page = pages.get(url);
    if (!page) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    if (page.split === undefined) return res.end(page.body);
    // Two writes with a pause between them, so the gateway reads them as two chunks.
    res.write(page.body.subarray(0, page.split));
    setTimeout(() => res.end(page.body.subarray(page.split)), 2);
  });
  // A long timeout: 10,000 fragment requests to one small test server take a while.
  gateway = await startGateway({ upstream: upstream.url, fragments: { f: { src: '/f', timeout: 120_000 } } });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

let next = 0;
/** Serves `body` at a fresh path and returns what the gateway answers for it. */
async function through(body: Buffer | string, split?: number) {
  const path = `/page-${next++}`;
  pages.set(path, { body: Buffer.isBuffer(body) ? body : Buffer.from(body), split });
  try {
    const response = await request(gateway.url + path, { timeout: 60_000 });
    expect(response.status).toBe(200);
    return response.body;
  } finally {
    pages.delete(path);
  }
}

describe('hostile pages through the gateway', () => {
  it('10,000 includes: all composed, everything between them untouched', { timeout: 240_000 }, async () => {
    const count = 10_000;
    let page = '<html><body>';
    let expected = page;
    for (let i = 0; i < count; i++) {
      const src = `/f/${i % 50}`;
      const marker = [`<!--#include virtual="${src}" -->`, `<esi:include src="${src}"/>`, `<fragment src="${src}"></fragment>`][i % 3];
      page += `<i>${i}</i>${marker}`;
      expected += `<i>${i}</i>[${i % 50}]`;
    }
    page += '</body></html>';
    expected += '</body></html>';
    const out = (await through(page)).toString('latin1');
    // Byte-exact outside the includes; each include is its fragment, or (a fragment request that
    // failed on a very busy machine) the failure comment, never anything else.
    const parts = out.split(/(\[\d+\]|<!-- mfe-dev: include \/f\/\d+ failed: [^>]*-->)/);
    const outside = parts.filter((_, i) => i % 2 === 0).join('');
    expect(outside === expected.replace(/\[\d+\]/g, '')).toBe(true);
    expect(parts.length).toBe(2 * count + 1);
    const failed = parts.filter((part, i) => i % 2 === 1 && !part.startsWith('['));
    if (failed.length === 0) expect(out === expected).toBe(true);
  });

  it('a 5 MB attribute (quoted and unquoted) before an include', async () => {
    const big = 'x'.repeat(5 * 1024 * 1024);
    const page = `<html><body><div data-big="${big}" title=${big}>text</div><!--#include virtual="/f/after" --><p>end</p></body></html>`;
    const out = await through(page);
    expect(out.equals(Buffer.from(page.replace('<!--#include virtual="/f/after" -->', '[after]')))).toBe(true);
  });

  it('invalid UTF-8 and NUL bytes around and inside markers come out byte for byte', async () => {
    const junk = Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0x00, 0x00, 0xed, 0xa0, 0x80]);
    const page = Buffer.concat([
      Buffer.from('<html><body><p title="'),
      junk,
      Buffer.from('">'),
      junk,
      Buffer.from('</p><esi:include src="/f/one"/>'),
      junk,
      Buffer.from('<!-- \u0000 --><fragment src="/f/two" data-x="\u0000">'),
      junk,
      Buffer.from('</fragment>\u0000</body></html>'),
    ]);
    const expected = Buffer.concat([
      Buffer.from('<html><body><p title="'),
      junk,
      Buffer.from('">'),
      junk,
      Buffer.from('</p>[one]'),
      junk,
      // A paired <fragment>'s children follow it, as node-tailor renders them (byte for byte here).
      Buffer.from('<!-- \u0000 -->[two]'),
      junk,
      Buffer.from('\u0000</body></html>'),
    ]);
    expect((await through(page)).equals(expected)).toBe(true);
  });

  it('binary data labelled text/html passes unchanged', async () => {
    // A fixed pseudo-random megabyte (xorshift), so a failure can be replayed.
    const bytes = Buffer.alloc(1024 * 1024);
    let x = 0x9e3779b9;
    for (let i = 0; i < bytes.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      bytes[i] = x & 0xff;
    }
    expect((await through(bytes)).equals(bytes)).toBe(true);
  });

  it('markers split between two network reads at every byte: the same answer each time', async () => {
    const page = '<html><body>a<!--#include virtual="/f/s" -->b<esi:include src="/f/e"/>c<fragment src="/f/t"></fragment>d<!--esi <esi:include src="/f/c"/> -->e</body></html>';
    const expected = '<html><body>a[s]b[e]c[t]d [c] e</body></html>';
    const wrong: number[] = [];
    for (let split = 1; split < page.length; split++) {
      if ((await through(page, split)).toString() !== expected) wrong.push(split);
    }
    expect(wrong).toEqual([]);
  }, 240_000);
});
