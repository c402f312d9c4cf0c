import crypto from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../helpers/gateway.js';
import { listen, rawRequest, request, type TestServer } from '../helpers/servers.js';

/**
 * The request production receives for each browser request (the gateway's own client, no
 * proxy library on the way): the browser's method, path and body, addressed to production, and
 * nothing left open when the browser goes away.
 */
describe('the request production receives', () => {
  interface Seen {
    method: string;
    url: string;
    headers: http.IncomingHttpHeaders;
    body: Buffer;
  }
  const seen: Seen[] = [];
  /** Requests production is holding unanswered (`/hold`), and whether each was closed. */
  const held: { closed: Promise<void> }[] = [];
  let production: TestServer;
  let gateway: Awaited<ReturnType<typeof startGateway>>;

  beforeAll(async () => {
    production = await listen((req, res) => {
      if (req.url === '/hold') {
        held.push({ closed: new Promise((resolve) => req.socket.once('close', () => resolve())) });
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        const digest = crypto.createHash('sha256').update(body).digest('hex');
        res.writeHead(200, { 'content-type': 'text/plain' }).end(`${req.method} ${req.url} ${body.length} ${digest}`);
      });
    });
    gateway = await startGateway({ upstream: production.url, fragments: {} });
  });
  afterAll(async () => {
    await gateway.close();
    await production.close();
  });

  it('keeps the path and query byte for byte, and addresses production by its own host', async () => {
    seen.length = 0;
    const port = Number(new URL(gateway.url).port);
    const answer = await rawRequest(port, `GET /a//b/%7Bx%7D;p?q=1&q=2&empty= HTTP/1.1\r\nHost: 127.0.0.1:${port}`);
    expect(answer.status).toBe(200);
    expect(seen[0].url).toBe('/a//b/%7Bx%7D;p?q=1&q=2&empty=');
    expect(seen[0].headers.host).toBe(new URL(production.url).host);
  });

  it('streams a 2 MB upload to production whole, with its length', async () => {
    seen.length = 0;
    const body = crypto.randomBytes(2 * 1024 * 1024);
    const answer = await request(`${gateway.url}/upload`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body });
    expect(answer.text).toBe(`POST /upload ${body.length} ${crypto.createHash('sha256').update(body).digest('hex')}`);
    expect(seen[0].headers['content-length']).toBe(String(body.length));
  });

  it('passes a chunked upload through, and gives a bodiless DELETE a zero length', async () => {
    seen.length = 0;
    const chunked = await request(`${gateway.url}/chunked`, { method: 'PUT', headers: { 'transfer-encoding': 'chunked' }, body: 'part one, part two' });
    expect(chunked.text).toMatch(/^PUT \/chunked 18 /);
    expect(seen[0].headers['transfer-encoding']).toBe('chunked');
    const deleted = await request(`${gateway.url}/item/7`, { method: 'DELETE' });
    expect(deleted.text).toMatch(/^DELETE \/item\/7 0 /);
    expect(seen[1].headers['content-length']).toBe('0');
  });

  it('closes the request to production when the browser goes away before production answers', async () => {
    held.length = 0;
    const browser = http.request(`${gateway.url}/hold`, { agent: false });
    browser.on('error', () => undefined);
    browser.end();
    await expect.poll(() => held.length, { timeout: 5000 }).toBe(1);
    browser.destroy();
    await held[0].closed;
    // The gateway still serves the next request.
    expect((await request(`${gateway.url}/after`)).status).toBe(200);
  });
});
