import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startShop } from '../../examples/shop/server.js';
import { closedPort, listen, request, type TestServer } from '../helpers/servers.js';
import { startGateway } from '../helpers/gateway.js';

/**
 * Everything that is not a page to compose reaches the browser as production sent it, with
 * just what must change for localhost: cookies, redirects, HSTS, CSP.
 */
describe('pass-through to production', () => {
  let shop: Awaited<ReturnType<typeof startShop>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;

  beforeAll(async () => {
    shop = await startShop();
    gateway = await startGateway({
      upstream: shop.url,
      fragments: { header: { src: '/fragments/header', local: 'http://127.0.0.1:39999' } },
    });
  });
  afterAll(async () => {
    await gateway.close();
    await shop.close();
  });

  it('serves binary assets byte for byte with production status and type', async () => {
    const direct = await request(`${shop.url}/assets/logo.png`);
    const proxied = await request(`${gateway.url}/assets/logo.png`);
    expect(proxied.status).toBe(200);
    expect(proxied.headers['content-type']).toBe('image/png');
    expect(proxied.body.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(proxied.body.equals(direct.body)).toBe(true);
    expect(proxied.headers['content-length']).toBe(String(direct.body.length));
  });

  it('makes the login cookie work on http://127.0.0.1 and keeps the browser on the gateway after the redirect', async () => {
    const response = await request(`${gateway.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'user=ada',
    });
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe(`${gateway.url}/account`);
    const cookie = response.headers['set-cookie']![0];
    expect(cookie).toMatch(/^session=ada;/);
    expect(cookie).not.toMatch(/domain=/i);
    // 127.0.0.1 is a secure context for browsers: Secure (and SameSite=None) are kept.
    expect(cookie).toBe('session=ada; Path=/; Secure; HttpOnly; SameSite=None');

    const account = await request(`${gateway.url}/account`, { headers: { cookie: 'session=ada' } });
    expect(account.text).toContain('ada');
  });

  it('drops HSTS and widens the CSP for the local services, keeping the rest of the policy', async () => {
    const page = await request(`${gateway.url}/assets/site.css`);
    const direct = await request(`${shop.url}/`);
    const response = await request(`${gateway.url}/`);
    expect(direct.headers['strict-transport-security']).toBeDefined();
    expect(response.headers['strict-transport-security']).toBeUndefined();
    const csp = response.headers['content-security-policy'] as string;
    const scriptSrc = csp.split(';').find((d) => d.trim().startsWith('script-src'))!;
    expect(scriptSrc).toContain("'self'");
    expect(scriptSrc).toContain('https://cdn.nordwind.example');
    expect(scriptSrc).toContain('http://127.0.0.1:39999');
    expect(csp).toContain('ws://127.0.0.1:39999');
    expect(page.status).toBe(200);
  });

  it('forwards request bodies and query strings untouched', async () => {
    const echo = await listen((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ url: req.url, method: req.method, body: Buffer.concat(chunks).toString('base64'), host: req.headers.host }));
      });
    });
    const local = await startGateway({ upstream: echo.url });
    try {
      const body = Buffer.from([0, 1, 2, 250, 251, 255]);
      const response = await request(`${local.url}/api/items?b=2&a=1&a=%20x`, { method: 'PUT', body, headers: { 'content-type': 'application/octet-stream' } });
      const seen = JSON.parse(response.text);
      expect(seen.url).toBe('/api/items?b=2&a=1&a=%20x');
      expect(seen.method).toBe('PUT');
      expect(Buffer.from(seen.body, 'base64').equals(body)).toBe(true);
      expect(seen.host).toBe(new URL(echo.url).host);
    } finally {
      await local.close();
      await echo.close();
    }
  });

  it('keeps compressed non-HTML bodies compressed and byte-identical', async () => {
    const css = zlib.gzipSync(Buffer.from('body { color: rebeccapurple }\n'.repeat(50)));
    const upstream = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/css', 'content-encoding': 'gzip', 'content-length': css.length });
      res.end(css);
    });
    const local = await startGateway({ upstream: upstream.url });
    try {
      const response = await request(`${local.url}/app.css`, { headers: { 'accept-encoding': 'gzip' } });
      expect(response.headers['content-encoding']).toBe('gzip');
      expect(response.body.equals(css)).toBe(true);
    } finally {
      await local.close();
      await upstream.close();
    }
  });

  it('streams a streaming response: the first line arrives before the last is sent', async () => {
    // Production sends its last line only once the browser has the first: a gateway that
    // buffered would never deliver it (no clock involved).
    let browserHasFirst!: () => void;
    const firstDelivered = new Promise<void>((resolve) => (browserHasFirst = resolve));
    const streaming = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first line\n');
      void firstDelivered.then(() => res.end('last line\n'));
    });
    const fresh = await startGateway({ upstream: streaming.url });
    try {
      const body = await new Promise<string>((resolve, reject) => {
        let text = '';
        http.get(`${fresh.url}/api/stream`, (res) => {
          res.on('data', (chunk: Buffer) => {
            text += chunk.toString();
            if (text.includes('first line')) browserHasFirst();
          });
          res.on('end', () => resolve(text));
        }).on('error', reject);
      });
      expect(body).toBe('first line\nlast line\n');
    } finally {
      browserHasFirst();
      await fresh.close();
      await streaming.close();
    }
  });

  it('proxies a websocket that is the very first request the gateway sees', async () => {
    const fresh = await startGateway({ upstream: shop.url });
    try {
      const ws = new WebSocket(`${fresh.url.replace('http', 'ws')}/live`);
      const reply = await new Promise<string>((resolve, reject) => {
        ws.on('open', () => ws.send('hello through mfe-dev'));
        ws.on('message', (data) => resolve(data.toString()));
        ws.on('error', reject);
      });
      expect(reply).toContain('hello through mfe-dev');
      ws.close();
    } finally {
      await fresh.close();
    }
  });

  it('reuses connections to upstream (keep-alive)', async () => {
    let connections = 0;
    const upstream: TestServer = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
    upstream.server.on('connection', () => connections++);
    const local = await startGateway({ upstream: upstream.url });
    try {
      for (let i = 0; i < 20; i++) await request(`${local.url}/x${i}`);
      expect(connections).toBeLessThanOrEqual(2);
    } finally {
      await local.close();
      await upstream.close();
    }
  });

  it('answers 502 naming the upstream URL and the cause when production is down, and keeps running', async () => {
    const port = await closedPort();
    const local = await startGateway({ upstream: `http://127.0.0.1:${port}` });
    try {
      const response = await request(`${local.url}/some/page`);
      expect(response.status).toBe(502);
      expect(response.text).toContain(`http://127.0.0.1:${port}/some/page`);
      expect(response.text).toMatch(/connection refused/i);
      const again = await request(`${local.url}/__mfe-dev/api/state`);
      expect(again.status).toBe(200);
    } finally {
      await local.close();
    }
  });

  it('refuses hosts that are not this machine (DNS rebinding) and never proxies elsewhere', async () => {
    const rebinding = await request(`${gateway.url}/`, { headers: { host: 'evil.example:80' } });
    expect(rebinding.status).toBe(403);
    expect(rebinding.text).toContain("evil.example");

    // An absolute-form request line (a forward-proxy request) is refused, not followed.
    const raw = await rawRequest(gateway.url, `GET http://example.org/assets/site.css HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect(raw).toContain('not a forward proxy');
  });
});


describe('allowedHosts', () => {
  it('answers to names listed in allowedHosts (a leading dot allows subdomains) and to no others', async () => {
    const shop = await startShop();
    const gateway = await startGateway({ upstream: shop.url, allowedHosts: ['local.nordwind.example', '.dev.example'] });
    try {
      const port = new URL(gateway.url).port;
      const status = async (host: string) => (await request(`${gateway.url}/assets/site.css`, { headers: { host: `${host}:${port}` } })).status;
      expect(await status('local.nordwind.example')).toBe(200);
      expect(await status('shop.dev.example')).toBe(200);
      expect(await status('dev.example')).toBe(200);
      expect(await status('www.nordwind.example')).toBe(403);
      expect(await status('evil-dev.example')).toBe(403);
      const blocked = await request(`${gateway.url}/`, { headers: { host: `www.nordwind.example:${port}` } });
      expect(blocked.text).toContain("add 'www.nordwind.example' to `allowedHosts`");
    } finally {
      await gateway.close();
      await shop.close();
    }
  });
});

function rawRequest(url: string, text: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.end(text));
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString('latin1')));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
}
