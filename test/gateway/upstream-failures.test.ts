import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../helpers/gateway.js';
import { listen, request, type TestServer } from '../helpers/servers.js';

/**
 * Production misbehaving mid-response (a reset connection after half a page) breaks that one
 * response, never the gateway: the next request is served as usual.
 */
describe('production failing mid-response', () => {
  let upstream: TestServer;
  let gateway: Awaited<ReturnType<typeof startGateway>>;

  beforeAll(async () => {
    upstream = await listen((req, res) => {
      const half = (type: string, body: Buffer, headers: Record<string, string> = {}) => {
        res.writeHead(200, { 'content-type': type, 'content-length': String(body.length * 2), ...headers });
        res.write(body);
        setTimeout(() => res.socket?.destroy(), 20);
      };
      switch (req.url) {
        case '/page':
          return half('text/html', Buffer.from('<!DOCTYPE html><html><body><!--#include virtual="/frag" -->'.padEnd(4000, ' ')));
        case '/page.gz':
          return half('text/html', zlib.gzipSync(Buffer.from('<html><body>'.padEnd(50000, 'x'))).subarray(0, 2000), { 'content-encoding': 'gzip' });
        case '/file.bin':
          return half('application/octet-stream', Buffer.alloc(4000, 7));
        case '/corrupt.gz': {
          // The page starts with an include (so nothing has been written when it fails), then
          // its gzip stream is cut: the decompressor fails while the fragment is still pending.
          const gz = zlib.gzipSync(Buffer.from('<!--#include virtual="/slow" -->'.padEnd(60000, 'x')));
          const body = gz.subarray(0, gz.length - 40);
          res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip', 'content-length': String(body.length) });
          return res.end(body);
        }
        case '/slow':
          setTimeout(() => {
            res.writeHead(200, { 'content-type': 'text/html' });
            res.end('SLOW');
          }, 300);
          return;
        case '/frag':
          res.writeHead(200, { 'content-type': 'text/html' });
          return res.end('FRAG');
        default:
          res.writeHead(200, { 'content-type': 'text/html' });
          return res.end('<p>fine</p>');
      }
    });
    gateway = await startGateway({ upstream: upstream.url });
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
  });

  it('a page whose compression breaks before anything was written is a 502; the late fragment changes nothing', async () => {
    const response = await request(gateway.url + '/corrupt.gz', { headers: { 'accept-encoding': 'gzip' } });
    expect(response.status).toBe(502);
    expect(response.text).toMatch(/could not read the page from production/);
    await new Promise((resolve) => setTimeout(resolve, 400)); // the fragment arrives after the 502
    const next = await request(gateway.url + '/ok');
    expect(next.text).toBe('<p>fine</p>');
  });

  for (const path of ['/page', '/page.gz', '/file.bin']) {
    it(`${path}: the broken response ends, the gateway keeps serving`, async () => {
      const outcome = await request(gateway.url + path, { timeout: 30_000 }).then(
        (response) => `complete ${response.status} ${response.body.length}`,
        (error: Error) => error.message,
      );
      // The browser learns that the response is broken (not a hang until its own timeout): the
      // connection ends early, or, when production failed before the gateway had written
      // anything (a busy machine may read the reset first), a 502 page.
      expect(outcome).not.toMatch(/^complete (?!502)|timed out/);
      const next = await request(gateway.url + '/ok');
      expect(next.status).toBe(200);
      expect(next.text).toBe('<p>fine</p>');
    });
  }
});
