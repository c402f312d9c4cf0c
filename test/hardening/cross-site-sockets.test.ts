/**
 * Issue 16 item 6: a page on another site must not reach the developer's local services through
 * the gateway. Every upgrade that could reach one — a fragment's `assets` prefix,
 * `/__mfe-dev/local/NAME/`, a dev server's own socket path — refuses cross-site Origins (`null`
 * included): they get production only, or are refused. `/__mfe-dev/local/NAME/` serves only
 * fragments that are local for this browser. Real websocket servers, a real gateway, and a page
 * on another origin in real Chromium.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { launchChromium, runBrowserTests } from '../helpers/devservers.js';
import { startGateway } from '../helpers/gateway.js';
import { listen, request, type TestServer } from '../helpers/servers.js';

/** An HTTP server whose every websocket is greeted with `hello from NAME`; it remembers each upgrade's Origin. */
async function socketServer(name: string) {
  const origins: Array<string | undefined> = [];
  const server = await listen((_req, res) => res.writeHead(200, { 'content-type': 'text/javascript' }).end(`// ${name}`));
  const wss = new WebSocketServer({ noServer: true });
  server.server.on('upgrade', (req: http.IncomingMessage, socket, head) => {
    origins.push(req.headers.origin);
    wss.handleUpgrade(req, socket, head, (ws) => ws.send(`hello from ${name}`));
  });
  const close = async () => {
    for (const client of wss.clients) client.terminate();
    wss.close();
    await server.close();
  };
  return { ...server, origins, close };
}

/** The first message of a websocket, `HTTP N` for a refused upgrade, or `error: …`. */
function firstMessage(url: string, origin?: string, cookie?: string): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { origin, headers: cookie ? { cookie } : {} });
    const timer = setTimeout(() => {
      ws.terminate();
      resolve('timeout');
    }, 10_000);
    const done = (text: string) => {
      clearTimeout(timer);
      ws.terminate();
      resolve(text);
    };
    ws.on('message', (data) => done(String(data)));
    ws.on('unexpected-response', (_req, res) => done(`HTTP ${res.statusCode}`));
    ws.on('error', (error) => done(`error: ${error.message}`));
  });
}

let production: Awaited<ReturnType<typeof socketServer>>;
let local: Awaited<ReturnType<typeof socketServer>>;
let gateway: Awaited<ReturnType<typeof startGateway>>;
let ws: string;

beforeAll(async () => {
  production = await socketServer('production');
  local = await socketServer('local');
  gateway = await startGateway({
    upstream: production.url,
    fragments: {
      header: { src: '/fragments/header', local: local.url, assets: ['/assets/header/'] },
      footer: { src: '/fragments/footer', local: local.url, assets: ['/assets/footer/'] },
    },
    local: ['header'],
  });
  ws = gateway.url.replace(/^http/, 'ws');
});
afterAll(async () => {
  await gateway?.close();
  await local?.close();
  await production?.close();
});

describe('websockets from pages on other sites', () => {
  const otherSites = ['http://evil.example', 'null', 'http://127.0.0.1:1'];

  it('reach the local service from the gateway\'s own pages (and from clients without Origin)', async () => {
    expect(await firstMessage(`${ws}/assets/header/hmr`, gateway.url)).toBe('hello from local');
    expect(await firstMessage(`${ws}/__mfe-dev/local/header/hmr`, gateway.url)).toBe('hello from local');
    expect(await firstMessage(`${ws}/__mfe-dev/local/header/hmr`)).toBe('hello from local');
    expect(await firstMessage(`${ws}/ws`, gateway.url)).toBe('hello from local');
  });

  it('under an assets prefix or at a dev server socket path get production only', async () => {
    const before = local.origins.length;
    for (const origin of otherSites) {
      expect(await firstMessage(`${ws}/assets/header/hmr`, origin)).toBe('hello from production');
      expect(await firstMessage(`${ws}/ws`, origin)).toBe('hello from production');
    }
    expect(local.origins.slice(before)).toEqual([]);
  });

  it('at /__mfe-dev/local/NAME/ are refused', async () => {
    const before = local.origins.length;
    for (const origin of otherSites) {
      expect(await firstMessage(`${ws}/__mfe-dev/local/header/hmr`, origin)).not.toMatch(/hello/);
    }
    expect(local.origins.slice(before)).toEqual([]);
  });
});

describe('/__mfe-dev/local/NAME/ serves only fragments that are local for this browser', () => {
  it('refuses a fragment in prod mode, over websockets and HTTP, until this browser makes it local', async () => {
    const before = local.origins.length;
    expect(await firstMessage(`${ws}/__mfe-dev/local/footer/hmr`, gateway.url)).not.toMatch(/hello/);
    expect(local.origins.length).toBe(before);
    const refused = await request(`${gateway.url}/__mfe-dev/local/footer/app.js`);
    expect(refused.status).toBe(404);
    expect(refused.text).toContain("fragment 'footer' is not local for this browser");
    expect(await firstMessage(`${ws}/__mfe-dev/local/footer/hmr`, gateway.url, 'mfe-dev=footer=local')).toBe('hello from local');
    expect((await request(`${gateway.url}/__mfe-dev/local/footer/app.js`, { headers: { cookie: 'mfe-dev=footer=local' } })).text).toBe('// local');
  });

  it('refuses HTTP requests from pages on other sites (403), serves the gateway\'s own', async () => {
    const refused = await request(`${gateway.url}/__mfe-dev/local/header/app.js`, { headers: { origin: 'http://evil.example' } });
    expect(refused.status).toBe(403);
    expect(refused.text).not.toContain('// local');
    expect((await request(`${gateway.url}/__mfe-dev/local/header/app.js`, { headers: { origin: gateway.url } })).text).toBe('// local');
    // Under an assets prefix, another site's request goes to production.
    expect((await request(`${gateway.url}/assets/header/app.js`, { headers: { origin: 'http://evil.example' } })).text).toBe('// production');
  });
});

describe.runIf(runBrowserTests)('in Chromium', () => {
  let other: TestServer;
  beforeAll(async () => {
    // A page on another origin tries every socket that could reach the local service.
    other = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><script>
        window.results = Promise.all(${JSON.stringify(['/assets/header/hmr', '/__mfe-dev/local/header/hmr', '/ws'])}.map((path) => new Promise((resolve) => {
          const socket = new WebSocket(${JSON.stringify(ws)} + path);
          socket.onmessage = (event) => resolve(path + ': ' + event.data);
          socket.onerror = () => resolve(path + ': refused');
          setTimeout(() => resolve(path + ': timeout'), 8000);
        })));
      </script>`);
    });
  });
  afterAll(() => other?.close());

  it('a page on another site never reads a message of the local service', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${other.url}/`);
      const results = await page.evaluate(() => (window as unknown as { results: Promise<string[]> }).results);
      expect(results).toEqual(['/assets/header/hmr: hello from production', '/__mfe-dev/local/header/hmr: refused', '/ws: hello from production']);
    } finally {
      await browser.close();
    }
  }, 40_000);
});
