/**
 * The fault matrix (issue 8): production, a local fragment service and the config file each fail
 * in every way we know of, through a real gateway. Every request gets an answer (a page, an error
 * page, or a connection closed at once for a response broken after its headers), and the gateway
 * keeps serving afterwards.
 */
import fs from 'node:fs';
import net, { type AddressInfo, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDevServer, type DevServer } from '../../src/server/index.js';
import { startGateway } from '../helpers/gateway.js';
import { closedPort, listen, request, type TestServer } from '../helpers/servers.js';
import { eventually } from '../helpers/eventually.js';

const PAGE = (include: string) => `<!DOCTYPE html><html><body><p>before</p>${include}<p>after</p></body></html>`;

/** A raw TCP server: `onSocket` decides what happens to each connection. */
async function rawServer(onSocket: (socket: Socket) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The outcome of one request: `status N` with the body, or the client error (never a hang). */
async function outcome(url: string, timeout = 15_000): Promise<{ status: number; text: string } | { error: string }> {
  return request(url, { timeout }).then(
    (response) => ({ status: response.status, text: response.text }),
    (error: Error) => ({ error: error.message }),
  );
}

describe('production failing', () => {
  const closers: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const close of closers.splice(0)) await close();
  });

  async function gatewayFor(upstream: string) {
    const gateway = await startGateway({ upstream });
    closers.push(() => gateway.close());
    return gateway;
  }

  /** After the fault, the same gateway still answers its dev page, and a healthy production path. */
  async function stillServes(gateway: { url: string }) {
    const dev = await request(`${gateway.url}/__mfe-dev/api/state`);
    expect(dev.status).toBe(200);
  }

  it('refused: a 502 page naming production', async () => {
    const port = await closedPort();
    const gateway = await gatewayFor(`http://127.0.0.1:${port}`);
    for (let i = 0; i < 3; i++) {
      const result = await outcome(`${gateway.url}/page`);
      expect(result).toMatchObject({ status: 502 });
      expect((result as { text: string }).text).toContain(`127.0.0.1:${port}`);
    }
    await stillServes(gateway);
  });

  it('reset before any byte: a 502 page', async () => {
    const server = await rawServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
    closers.push(() => server.close());
    const gateway = await gatewayFor(`http://127.0.0.1:${server.port}`);
    const result = await outcome(`${gateway.url}/page`);
    expect(result).toMatchObject({ status: 502 });
    await stillServes(gateway);
  });

  it('reset mid-body: the broken response ends at once (no hang); the next one is fine', async () => {
    let reset = true;
    const upstream = await listen((_req, res) => {
      if (!reset) {
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end(PAGE(''));
      }
      res.writeHead(200, { 'content-type': 'text/html', 'content-length': '100000' });
      res.write(PAGE('').padEnd(5000, ' '));
      setTimeout(() => res.socket?.resetAndDestroy(), 20);
    });
    closers.push(() => upstream.close());
    const gateway = await gatewayFor(upstream.url);
    const result = await outcome(`${gateway.url}/page`);
    expect('error' in result || (result as { text: string }).text.length < 100_000).toBe(true);
    reset = false;
    expect(await outcome(`${gateway.url}/page`)).toEqual({ status: 200, text: PAGE('') });
  });

  it('trickle: a page sent one byte at a time arrives whole, its include composed', async () => {
    const html = PAGE('<!--#include virtual="/frag" -->');
    const upstream = await listen((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      if (req.url === '/frag') return res.end('<b>FRAG</b>');
      let i = 0;
      const timer = setInterval(() => {
        if (i >= html.length) {
          clearInterval(timer);
          return res.end();
        }
        res.write(html[i++]);
      }, 1);
      res.on('close', () => clearInterval(timer));
    });
    closers.push(() => upstream.close());
    const gateway = await gatewayFor(upstream.url);
    expect(await outcome(`${gateway.url}/page`)).toEqual({ status: 200, text: PAGE('<b>FRAG</b>') });
  });

  it('hang: clients that give up do not jam the gateway; one that waits gets a 504 naming the URL', async () => {
    const hanging = await rawServer(() => undefined); // accepts, never answers
    closers.push(() => hanging.close());
    const gateway = await startGateway({ upstream: `http://127.0.0.1:${hanging.port}`, pageTimeout: 1000 });
    closers.push(() => gateway.close());
    const results = await Promise.all(Array.from({ length: 20 }, () => outcome(`${gateway.url}/page`, 300)));
    for (const result of results) expect('error' in result || (result as { status: number }).status >= 500).toBe(true);
    await stillServes(gateway);
    const waited = await outcome(`${gateway.url}/slow/page`);
    expect(waited).toMatchObject({ status: 504 });
    expect((waited as { text: string }).text).toContain('/slow/page');
  });

  it('TLS failure (https upstream that speaks plain HTTP): a 502 page', async () => {
    const plain = await listen((_req, res) => res.end('plain'));
    closers.push(() => plain.close());
    const gateway = await gatewayFor(`https://127.0.0.1:${plain.port}`);
    const result = await outcome(`${gateway.url}/page`);
    expect(result).toMatchObject({ status: 502 });
    await stillServes(gateway);
  });
});

describe('a local fragment service failing', () => {
  let upstream: TestServer;
  let local: TestServer;
  let reset: Awaited<ReturnType<typeof rawServer>>;
  const cases: Record<string, string> = {};
  const gateways: Array<{ url: string; close(): Promise<void> }> = [];

  beforeAll(async () => {
    upstream = await listen((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      if (req.url?.startsWith('/f/')) return res.end('<b>PROD FRAGMENT</b>');
      res.end(PAGE('<esi:include src="/f/header"/>'));
    });
    local = await listen((req, res) => {
      switch (req.url) {
        case '/5xx/f/header':
          res.writeHead(503, { 'content-type': 'text/html' });
          return res.end('down for maintenance');
        case '/slow/f/header':
          return void setTimeout(() => res.end('too late'), 5000).unref();
        case '/endless/f/header': {
          res.writeHead(200, { 'content-type': 'text/html' });
          const timer = setInterval(() => res.write('<p>more</p>'.repeat(100)), 1);
          res.on('close', () => clearInterval(timer));
          return;
        }
        case '/image/f/header':
          res.writeHead(200, { 'content-type': 'image/png' });
          return res.end(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 0xff]));
        case '/json/f/header':
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end('{"not":"html"}');
        case '/reset/f/header':
          res.writeHead(200, { 'content-type': 'text/html', 'content-length': '1000' });
          res.write('<b>half');
          return void setTimeout(() => res.socket?.resetAndDestroy(), 10);
        default:
          res.writeHead(200, { 'content-type': 'text/html' });
          return res.end('<b>LOCAL OK</b>');
      }
    });
    reset = await rawServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
    const refused = await closedPort();
    Object.assign(cases, {
      refused: `http://127.0.0.1:${refused}`,
      'reset before the response': `http://127.0.0.1:${reset.port}`,
      'reset mid-body': `${local.url}/reset`,
      timeout: `${local.url}/slow`,
      '5xx': `${local.url}/5xx`,
      endless: `${local.url}/endless`,
      'non-HTML (image)': `${local.url}/image`,
      'non-HTML (JSON)': `${local.url}/json`,
    });
  });
  afterAll(async () => {
    for (const gateway of gateways.splice(0)) await gateway.close();
    await Promise.all([upstream?.close(), local?.close(), reset?.close()]);
  });

  const names = ['refused', 'reset before the response', 'reset mid-body', 'timeout', '5xx', 'endless', 'non-HTML (image)', 'non-HTML (JSON)'];
  for (const name of names) {
    it(`${name}: the page is answered, production's parts intact, and the gateway keeps serving`, async () => {
      const gateway = await startGateway({
        upstream: upstream.url,
        fragments: { header: { src: '/f/header', local: cases[name], timeout: 500 } },
        local: ['header'],
      });
      gateways.push(gateway);
      const result = await outcome(`${gateway.url}/`);
      expect(result).toMatchObject({ status: 200 });
      const text = (result as { text: string }).text;
      expect(text).toMatch(/^<!DOCTYPE html><html><body><p>before<\/p>/);
      // (The overlay goes in before `</body>` on a page with a local fragment.)
      expect(text).toMatch(/<p>after<\/p>[^]*<\/body><\/html>$/);
      if (!name.startsWith('non-HTML')) expect(text).toContain('data-mfe-dev-error');
      // The same gateway, with the fragment back on production: fine.
      const prod = await outcome(`${gateway.url}/?mfe-dev=header=prod`);
      expect(prod).toMatchObject({ status: 200 });
      expect((prod as { text: string }).text).toContain('<b>PROD FRAGMENT</b>');
    });
  }
});

describe('the config file failing while the gateway runs', () => {
  let upstream: TestServer;
  const servers: DevServer[] = [];
  const dirs: string[] = [];
  beforeAll(async () => {
    upstream = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(PAGE(''));
    });
  });
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  afterAll(() => upstream?.close());

  const good = (label: string) => ({ upstream: '__UPSTREAM__', fragments: { header: { src: '/f/header' } }, presets: { p: { description: label } } });
  const formats: Record<string, { file: string; write: (label: string) => string; broken: string[] }> = {
    JSON: { file: 'mfe-dev.config.json', write: (l) => JSON.stringify(good(l)), broken: ['{ "upstream": ', '[1, 2]', '{"upstream": "not a url"}'] },
    YAML: { file: 'mfe-dev.config.yaml', write: (l) => `upstream: __UPSTREAM__\nfragments:\n  header:\n    src: /f/header\npresets:\n  p:\n    description: ${l}\n`, broken: ['upstream: [unclosed\n', 'a: b: c\n'] },
    JavaScript: {
      file: 'mfe-dev.config.mjs',
      write: (l) => `export default ${JSON.stringify(good(l))};\n`,
      broken: ['export default {', 'throw new Error("the config threw");', 'export const x = 1;\n', 'import "./does-not-exist.mjs";\nexport default {};'],
    },
    TypeScript: {
      file: 'mfe-dev.config.ts',
      write: (l) => `const config: { upstream: string } = ${JSON.stringify(good(l))};\nexport default config;\n`,
      broken: ['export default {', 'export default () => { throw new Error("the config function threw"); };', 'export default async () => { await new Promise((r) => setTimeout(r, 1)); throw new Error("rejected"); };'],
    },
  };

  for (const [format, spec] of Object.entries(formats)) {
    it(`${format}: every broken edit is reported, the last good config keeps serving, the fix applies`, async () => {
      const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-faults-')));
      dirs.push(dir);
      const file = path.join(dir, spec.file);
      const write = (text: string) => fs.writeFileSync(file, text.replaceAll('__UPSTREAM__', upstream.url));
      write(spec.write('good-0'));
      const server = await createDevServer({ root: dir, port: 0, logLevel: 'silent' });
      servers.push(server);
      const errors: string[] = [];
      server.logger.error = (message) => void errors.push(message);
      server.logger.info = () => undefined;
      await server.listen();
      const label = async () => (JSON.parse((await request(`${server.url}/__mfe-dev/api/state`)).text) as { presets: Array<{ description: string }> }).presets[0]?.description;
      // The watcher is set up: an edit applies.
      await eventually(async () => {
        write(spec.write(`good-${Date.now()}`));
        await eventually(async () => expect(await label()).toMatch(/^good-[1-9]/), 1500);
      });
      let lastGood = await label();
      let n = 0;
      for (const broken of [...spec.broken, '__DELETE__']) {
        const before = errors.length;
        if (broken === '__DELETE__') fs.rmSync(file);
        else write(broken);
        await eventually(() => expect(errors.length, `no error for ${JSON.stringify(broken)}`).toBeGreaterThan(before));
        expect(errors.at(-1)).toContain(file);
        expect(await label()).toBe(lastGood);
        expect(await outcome(`${server.url}/page`)).toEqual({ status: 200, text: PAGE('') });
        lastGood = `fixed-${++n}`;
        write(spec.write(lastGood));
        await eventually(async () => expect(await label()).toBe(lastGood));
      }
    }, 120_000);
  }
});

