import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PageArena, SLAB_BYTES } from '../../src/compose/page-arena.js';
import { listen, type TestServer } from '../helpers/servers.js';
import { startGateway } from '../helpers/gateway.js';

describe('PageArena', () => {
  it('keeps copies of small bytes in shared slabs, large ones as they are', () => {
    const arena = new PageArena();
    const a = Buffer.from('fragment a');
    const b = Buffer.from('fragment b');
    const keptA = arena.keep(a);
    const keptB = arena.keep(b);
    a.fill('x');
    expect(keptA.toString()).toBe('fragment a');
    expect(keptB.toString()).toBe('fragment b');
    expect(keptA.buffer).toBe(keptB.buffer);
    const large = Buffer.alloc(SLAB_BYTES / 2 + 1, 'l');
    expect(arena.keep(large)).toBe(large);
    expect(arena.join([Buffer.from('x'), Buffer.from('yz')], 3).toString()).toBe('xyz');
  });

  it('hands out memory a fragment is read into, which keep() then leaves where it is', () => {
    const arena = new PageArena();
    const room = arena.alloc(8)!;
    room.write('fragment');
    expect(arena.keep(room)).toBe(room);
    expect(arena.live).toBe(true);
    arena.release();
    expect(arena.live).toBe(false);
    expect(arena.alloc(8)).toBeUndefined();
  });

  it('gives its slabs to the next page once released, and keeps nothing after', () => {
    const first = new PageArena();
    const slab = first.keep(Buffer.from('first page')).buffer;
    first.release();
    const late = Buffer.from('late');
    expect(first.keep(late)).toBe(late);
    const second = new PageArena();
    const kept = second.keep(Buffer.from('second page'));
    expect(kept.buffer).toBe(slab);
    expect(kept.toString()).toBe('second page');
  });
});

/**
 * Pages whose fragments wait in slabs, two of them asked by a browser that reads nothing until the
 * others are done (6 MB each: more than the kernel's socket buffers hold, so most of the page waits
 * in the gateway), while later pages reuse whatever slabs were given back: every page arrives byte
 * for byte as composed.
 */
describe('page slabs under load', () => {
  let production: TestServer | undefined;
  let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
  afterEach(async () => {
    await gateway?.close();
    await production?.close();
    gateway = production = undefined;
  });

  /** Slow pages: 240 includes of 24–30 KB; the others: 60 of 2–9 KB. */
  const includes = (page: string) => (page.startsWith('slow') ? 240 : 60);
  const fragmentBody = (page: string, i: number) => {
    const unit = `${page}/${i};`;
    const size = page.startsWith('slow') ? 24_000 + ((i * 97) % 6000) : 2000 + ((i * 37) % 7000);
    return `<p data-page="${page}" data-i="${i}">${unit.repeat(Math.ceil(size / unit.length))}</p>`;
  };
  const pageText = (page: string, body: (i: number) => string) =>
    `<!doctype html><html><body><h1>${page}</h1>${Array.from({ length: includes(page) }, (_, i) => `<div>${body(i)}</div>`).join('\n')}</body></html>`;

  /** The body of a chunked HTTP/1.1 answer read whole from a socket. */
  const dechunk = (raw: Buffer): string => {
    const headEnd = raw.indexOf('\r\n\r\n');
    expect(raw.subarray(0, headEnd).toString()).toMatch(/^HTTP\/1\.1 200[^]*transfer-encoding: chunked/i);
    const parts: Buffer[] = [];
    let at = headEnd + 4;
    for (;;) {
      const lineEnd = raw.indexOf('\r\n', at);
      const size = parseInt(raw.subarray(at, lineEnd).toString(), 16);
      if (size === 0) break;
      parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
    return Buffer.concat(parts).toString();
  };

  it("never lets one page see another page's bytes", async () => {
    production = await listen((req, res) => {
      const url = new URL(req.url!, 'http://production');
      const page = url.searchParams.get('page') ?? '';
      if (url.pathname.startsWith('/f/')) {
        const i = Number(url.pathname.slice(3));
        // Fragments answer out of order, so bytes wait behind earlier ones.
        setTimeout(() => res.writeHead(200, { 'content-type': 'text/html' }).end(fragmentBody(page, i)), (i * 7) % 25);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(pageText(page, (i) => `<!--# include virtual="/f/${i}?page=${page}" -->`));
    });
    gateway = await startGateway({ upstream: production.url, edge: 'nginx', fragments: {} });
    const { port } = new URL(gateway.url);
    /** A browser that sends its request and reads nothing until `readAfter`. */
    const slow = (page: string, readAfter: Promise<unknown>) =>
      new Promise<string>((resolve, reject) => {
        const socket = net.connect(Number(port), '127.0.0.1');
        socket.pause();
        socket.write(`GET /p?page=${page} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
        const chunks: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.on('end', () => resolve(dechunk(Buffer.concat(chunks))));
        socket.on('error', reject);
        void readAfter.then(() => socket.resume());
      });
    const get = (page: string) =>
      new Promise<string>((resolve, reject) => {
        http.get(`${gateway!.url}/p?page=${page}`, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve(Buffer.concat(chunks).toString()));
          res.on('error', reject);
        }).on('error', reject);
      });
    let othersDone!: () => void;
    const others = new Promise<void>((resolve) => (othersDone = resolve));
    const slowPages = ['slow1', 'slow2'];
    const slowTexts = slowPages.map((page) => slow(page, others));
    // Long enough for both slow pages to be composed and stuck behind their browsers.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const fast: [string, string][] = [];
    for (let round = 0; round < 4; round++) {
      const names = ['a', 'b', 'c', 'd'].map((name) => `${name}${round}`);
      const texts = await Promise.all(names.map(get));
      names.forEach((name, i) => fast.push([name, texts[i]]));
    }
    othersDone();
    const pages: [string, string][] = [...(await Promise.all(slowTexts)).map((text, i): [string, string] => [slowPages[i], text]), ...fast];
    for (const [page, text] of pages) {
      const expected = pageText(page, (i) => fragmentBody(page, i));
      expect(text.length, `page ${page}`).toBe(expected.length);
      expect(text === expected, `page ${page} arrives as composed`).toBe(true);
    }
  }, 60_000);
});
