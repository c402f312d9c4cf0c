/**
 * What the gateway does for local dev servers, checked over real sockets (the browser tests in
 * test/browser/devservers.test.ts show the same with real Vite and webpack in Chromium):
 * - a dev server's live-update socket at a path of its own reaches the local service, and only
 *   for a page of the gateway, only while the fragment is local; production websockets stay put;
 * - a `local` URL with a path (a dev server `base`) is not prefixed twice;
 * - what cannot work is said on the terminal and in the dev state, with the fix: webpack's eval
 *   source maps, module requests and sockets that end up at production's 404;
 * - the overlay's event stream says `reload` when the config reloads.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { startCartService } from '../../examples/cart-webpack/server.js';
import { createDevServer } from '../../src/server/index.js';
import type { InlineConfig } from '../../src/config/types.js';
import { startGateway } from '../helpers/gateway.js';
import { listen, request, type TestServer } from '../helpers/servers.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An HTTP server that also accepts websockets for which `accept` says yes, greeting with `name`. */
async function socketServer(name: string, accept: (req: http.IncomingMessage) => boolean, routes: http.RequestListener = (_req, res) => res.writeHead(404).end()) {
  const seen: Array<{ url: string; origin: string | undefined; protocol: string | undefined }> = [];
  const server = await listen(routes);
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => [...protocols][0] ?? false });
  server.server.on('upgrade', (req, socket, head) => {
    seen.push({ url: req.url ?? '', origin: req.headers.origin, protocol: req.headers['sec-websocket-protocol'] });
    if (!accept(req)) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => ws.send(`hello from ${name}`));
  });
  cleanups.push(async () => {
    for (const client of wss.clients) client.terminate();
    wss.close();
    await server.close();
  });
  return Object.assign(server, { seen });
}

/** Opens a websocket and resolves with its first message, or with the failure. */
function firstMessage(url: string, options: { protocol?: string; origin?: string; cookie?: string } = {}): Promise<string> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = {};
    if (options.cookie) headers.cookie = options.cookie;
    const ws = new WebSocket(url, options.protocol ? [options.protocol] : [], { headers, origin: options.origin });
    const timer = setTimeout(() => {
      ws.terminate();
      resolve('timeout');
    }, 8000);
    ws.on('message', (data) => {
      clearTimeout(timer);
      ws.close();
      resolve(String(data));
    });
    ws.on('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      resolve(`HTTP ${res.statusCode}`);
      ws.terminate();
    });
    ws.on('error', (error) => {
      clearTimeout(timer);
      resolve(`error: ${error.message}`);
    });
  });
}

async function gateway(inline: InlineConfig) {
  const server = await startGateway(inline);
  cleanups.push(() => server.close());
  return server;
}

const ws = (url: string) => url.replace(/^http/, 'ws');

describe("a dev server's live-update socket at its own path", () => {
  async function setup() {
    // Production has websockets of its own at / and /ws; the dev server accepts Vite's socket at
    // `/` (subprotocol vite-hmr) and webpack-dev-server's at /ws.
    const production = await socketServer('production', () => true);
    const devServer = await socketServer('the dev server', (req) => req.url === '/ws' || String(req.headers['sec-websocket-protocol']).includes('vite-hmr'));
    const server = await gateway({ upstream: production.url, fragments: { header: { src: '/fragments/header', local: devServer.url } }, local: ['header'] });
    return { production, devServer, server };
  }

  it("reaches the local service of a fragment that is local (Vite's `/` with vite-hmr, webpack-dev-server's /ws), showing it its own origin", async () => {
    const { devServer, server } = await setup();
    expect(await firstMessage(`${ws(server.url)}/?token=abc`, { protocol: 'vite-hmr', origin: server.url })).toBe('hello from the dev server');
    expect(await firstMessage(`${ws(server.url)}/ws`, { origin: server.url })).toBe('hello from the dev server');
    expect(devServer.seen.map((s) => [s.url, s.origin])).toEqual([
      ['/?token=abc', devServer.url],
      ['/ws', devServer.url],
    ]);
  });

  it("goes to production when it is not a dev server's socket, when the fragment is prod for this browser, or when another site's page opens it", async () => {
    const { devServer, server } = await setup();
    expect(await firstMessage(`${ws(server.url)}/`, { origin: server.url })).toBe('hello from production');
    expect(await firstMessage(`${ws(server.url)}/live/chat`, { origin: server.url })).toBe('hello from production');
    expect(await firstMessage(`${ws(server.url)}/ws`, { origin: server.url, cookie: 'mfe-dev=header=prod' })).toBe('hello from production');
    expect(await firstMessage(`${ws(server.url)}/?token=abc`, { protocol: 'vite-hmr', origin: 'https://evil.example' })).toBe('hello from production');
    expect(devServer.seen).toEqual([]);
  });

  it('goes to production, with a warning that names the fix, when no local service accepts it', async () => {
    const production = await socketServer('production', () => true);
    const devServer = await socketServer('the dev server', () => false);
    const server = await gateway({ upstream: production.url, fragments: { header: { src: '/fragments/header', local: devServer.url } }, local: ['header'] });
    expect(await firstMessage(`${ws(server.url)}/ws`, { origin: server.url })).toBe('hello from production');
    const warning = server.logger.recentWarnings().find((w) => w.includes('websocket /ws'));
    expect(warning).toContain(`header at ${devServer.url}: answered 404`);
    expect(warning).toContain('server.hmr.path');
    expect(warning).toContain('`fragments.header.assets`');
  });
});

describe("a socket with Vite's subprotocol that no local service takes", () => {
  it('is closed, not sent to production, with a warning (none for the pings of a restarting Vite)', async () => {
    const production = await socketServer('production', () => true);
    const devServer = await socketServer('the dev server', () => false);
    const server = await gateway({ upstream: production.url, fragments: { header: { src: '/fragments/header', local: devServer.url } }, local: ['header'] });
    expect(await firstMessage(`${ws(server.url)}/?token=abc`, { protocol: 'vite-ping', origin: server.url })).toMatch(/^error: /);
    expect(server.logger.recentWarnings()).toEqual([]);
    expect(await firstMessage(`${ws(server.url)}/?token=abc`, { protocol: 'vite-hmr', origin: server.url })).toMatch(/^error: /);
    expect(production.seen).toEqual([]);
    expect(server.logger.recentWarnings()).toEqual([
      expect.stringContaining(`websocket / looks like a dev server's live-update socket, but no local service accepted it (header at ${devServer.url}: answered 404), so it was closed.`),
    ]);
  });
});

describe('a websocket production refuses while a fragment is local', () => {
  it('is reported with the prefix to add to `assets`', async () => {
    const production = await socketServer('production', () => false);
    const server = await gateway({ upstream: production.url, fragments: { header: { src: '/fragments/header', local: 'http://127.0.0.1:5173' } }, local: ['header'] });
    expect(await firstMessage(`${ws(server.url)}/hmr/socket`, { origin: server.url })).toBe('HTTP 404');
    expect(server.logger.recentWarnings()).toContainEqual(expect.stringContaining("websocket /hmr/socket went to production, which answered 404, while 'header' is local. If it is a dev server's live-update socket (HMR), add '/hmr/' to `fragments.header.assets`"));
  });

  it('is not reported while every fragment is prod', async () => {
    const production = await socketServer('production', () => false);
    const server = await gateway({ upstream: production.url, fragments: { header: { src: '/fragments/header', local: 'http://127.0.0.1:5173' } } });
    expect(await firstMessage(`${ws(server.url)}/hmr/socket`, { origin: server.url })).toBe('HTTP 404');
    expect(server.logger.recentWarnings()).toEqual([]);
  });
});

describe('a dev server with a base', () => {
  it("`local: 'http://HOST/assets/header'` with `assets: ['/assets/header/']` asks for /assets/header/src/x.js once prefixed", async () => {
    const paths: string[] = [];
    const local = await listen((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'text/javascript' }).end('export {};');
    });
    cleanups.push(() => local.close());
    const production = await listen((_req, res) => res.writeHead(404).end());
    cleanups.push(() => production.close());
    const server = await gateway({
      upstream: production.url,
      fragments: { header: { src: '/fragments/header', local: `${local.url}/assets/header`, assets: ['/assets/header/'] } },
      local: ['header'],
    });
    expect((await request(`${server.url}/assets/header/src/header.js?v=1`)).status).toBe(200);
    expect((await request(`${server.url}/__mfe-dev/local/header/src/other.js`)).status).toBe(200);
    expect(paths).toEqual(['/assets/header/src/header.js?v=1', '/assets/header/src/other.js']);
  });
});

describe('hints on the terminal and in the dev state', () => {
  async function stateWarnings(url: string): Promise<string[]> {
    return (JSON.parse((await request(`${url}/__mfe-dev/api/state`)).text) as { warnings: string[] }).warnings;
  }

  it("a webpack bundle with eval source maps (webpack's default) names `devtool: 'source-map'`", async () => {
    const cart = await startCartService({ devtool: 'eval' });
    cleanups.push(() => cart.close());
    const production = await listen((_req, res) => res.writeHead(404).end());
    cleanups.push(() => production.close());
    const server = await gateway({ upstream: production.url, fragments: { cart: { src: '/fragments/cart', local: cart.url, assets: ['/assets/cart/'] } }, local: ['cart'] });
    const bundle = await request(`${server.url}/assets/cart/cart.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.text).toContain('eval(');
    const warning = (await stateWarnings(server.url)).find((w) => w.includes('eval() source maps'));
    expect(warning).toContain(`fragment 'cart': ${cart.url}/assets/cart/cart.js`);
    expect(warning).toContain("`devtool: 'source-map'`");
  });

  it("the eval hint goes away once the same bundle comes without eval (devtool back to 'source-map')", async () => {
    const evalCart = await startCartService({ devtool: 'eval' });
    const port = Number(new URL(evalCart.url).port);
    const production = await listen((_req, res) => res.writeHead(404).end());
    cleanups.push(() => production.close());
    const server = await gateway({ upstream: production.url, fragments: { cart: { src: '/fragments/cart', local: evalCart.url, assets: ['/assets/cart/'] } }, local: ['cart'] });
    await request(`${server.url}/assets/cart/cart.js`);
    expect((await stateWarnings(server.url)).some((w) => w.includes('eval() source maps'))).toBe(true);
    await evalCart.close();
    const fixed = await startCartService({ port });
    cleanups.push(() => fixed.close());
    const bundle = await request(`${server.url}/assets/cart/cart.js`);
    expect(bundle.text).not.toContain('eval(');
    expect((await stateWarnings(server.url)).filter((w) => w.includes('eval() source maps'))).toEqual([]);
  });

  it("a site flooding unknown fragment names reaches neither other browsers' dev page nor the shared list", async () => {
    const production = await listen((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
    cleanups.push(() => production.close());
    const server = await gateway({ upstream: production.url, fragments: { header: { src: '/fragments/header' } } });
    for (let i = 0; i < 30; i++) await request(`${server.url}/?mfe-dev=spam-${i}%3Dlocal`);
    expect(server.logger.recentWarnings()).toEqual([]);
    expect(await stateWarnings(server.url)).toEqual([]);
    // The browser that sent it still sees its own.
    const own = (JSON.parse((await request(`${server.url}/__mfe-dev/api/state?mfe-dev=spam-x%3Dlocal`)).text) as { warnings: string[] }).warnings;
    expect(own.some((w) => w.includes("'spam-x'"))).toBe(true);
  });

  it("no hint for the example's own setting (`devtool: 'source-map'`)", async () => {
    const cart = await startCartService();
    cleanups.push(() => cart.close());
    const production = await listen((_req, res) => res.writeHead(404).end());
    cleanups.push(() => production.close());
    const server = await gateway({ upstream: production.url, fragments: { cart: { src: '/fragments/cart', local: cart.url, assets: ['/assets/cart/'] } }, local: ['cart'] });
    expect((await request(`${server.url}/assets/cart/cart.js`)).status).toBe(200);
    expect(await stateWarnings(server.url)).toEqual([]);
  });

  it("a module request production answers 404 while a fragment is local suggests the prefix for `assets`, once per prefix", async () => {
    // Production's 404s: plain text for some, its HTML error page for others.
    const production = await listen((req, res) =>
      req.url?.startsWith('/src/')
        ? res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body><h1>Not found</h1></body></html>')
        : res.writeHead(404, { 'content-type': 'text/plain' }).end('not here'),
    );
    cleanups.push(() => production.close());
    const server = await gateway({ upstream: production.url, fragments: { header: { src: '/fragments/header', local: 'http://127.0.0.1:5173', assets: ['/assets/header/'] } }, local: ['header'] });
    expect((await request(`${server.url}/@vite/client`, { headers: { 'sec-fetch-dest': 'script' } })).status).toBe(404);
    expect((await request(`${server.url}/@vite/env`, { headers: { 'sec-fetch-dest': 'script' } })).status).toBe(404);
    expect((await request(`${server.url}/src/main.ts`, { headers: { 'sec-fetch-dest': 'script' } })).status).toBe(404);
    expect((await request(`${server.url}/favicon.ico`, { headers: { 'sec-fetch-dest': 'image' } })).status).toBe(404);
    const warnings = await stateWarnings(server.url);
    expect(warnings).toEqual([
      "GET /@vite/client went to production, which answered 404, while 'header' is local. If it is a file of header's dev server (http://127.0.0.1:5173), add '/@vite/' to `fragments.header.assets` so it is served from there.",
      "GET /src/main.ts went to production, which answered 404, while 'header' is local. If it is a file of header's dev server (http://127.0.0.1:5173), add '/src/' to `fragments.header.assets` so it is served from there.",
    ]);
  });

  it('nothing is said while every fragment is prod', async () => {
    const production = await listen((_req, res) => res.writeHead(404).end());
    cleanups.push(() => production.close());
    const server = await gateway({ upstream: production.url, fragments: { header: { src: '/fragments/header', local: 'http://127.0.0.1:5173' } } });
    expect((await request(`${server.url}/src/main.ts`, { headers: { 'sec-fetch-dest': 'script' } })).status).toBe(404);
    expect(await stateWarnings(server.url)).toEqual([]);
  });
});

describe("the overlay's event stream", () => {
  it('says `reload` when the config reloads', async () => {
    const production = await listen((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
    cleanups.push(() => production.close());
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-live-')));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'mfe-dev.config.json');
    const config = { upstream: production.url, fragments: { header: { src: '/fragments/header', local: 'http://127.0.0.1:5173' } } };
    fs.writeFileSync(file, JSON.stringify(config));
    const server = await createDevServer({ root: dir, port: 0, logLevel: 'silent' });
    cleanups.push(() => server.close());
    await server.listen();

    const events = await openEventStream(`${server.url}/__mfe-dev/events?page=%2F`);
    cleanups.push(() => events.close());
    await events.waitFor('event: ready');
    // The watcher starts alongside the server: an edit in its first moments (a busy machine) may
    // come before it watches, so save again until it reacts.
    const edited = JSON.stringify({ ...config, local: ['header'] });
    const reload = events.waitFor('event: reload');
    fs.writeFileSync(file, edited);
    const saving = setInterval(() => fs.writeFileSync(file, edited), 1000);
    try {
      expect(await reload).toContain('"reason":"config"');
    } finally {
      clearInterval(saving);
    }
  });
});

describe('live reload of a local fragment', () => {
  /** A production page that includes `header`, local from a service answering with `answer`: the page as composed, and its event stream once ready. */
  async function watchedPage(answer: http.RequestListener) {
    const local = await listen(answer);
    cleanups.push(() => local.close());
    const production = await listen((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body><!--#include virtual="/fragments/header" --></body></html>'));
    cleanups.push(() => production.close());
    const server = await gateway({ upstream: production.url, fragments: { header: { src: '/fragments/header', local: local.url } }, local: ['header'] });
    const page = (await request(`${server.url}/`)).text;
    const events = await openEventStream(`${server.url}/__mfe-dev/events?page=%2F`);
    cleanups.push(() => events.close());
    await events.waitFor('event: ready');
    return { server, page, events };
  }

  it('waits while the local service is down (no reload into an error box), and reloads when it answers with new HTML', async () => {
    let html = '<header data-fragment="header">v1</header>';
    let down = false;
    const { page, events } = await watchedPage((_req, res) => (down ? res.writeHead(503).end('restarting') : res.writeHead(200, { 'content-type': 'text/html' }).end(html)));
    expect(page).toContain('v1');
    down = true;
    // Several polls see the service down: nothing is said. Then it answers, changed.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(events.text()).not.toContain('event: reload');
    html = '<header data-fragment="header">v2</header>';
    down = false;
    expect(await events.waitFor('event: reload')).toContain('"fragment":"header"');
  });

  it('with a token in it, reloads once for an edit whose first answer was read half-written, and again for the next edit', async () => {
    // A CSRF token on every render; `half` answers once with the template cut short, as a
    // service reads a file an editor is still writing (VS Code saves in place).
    let text = 'v1';
    let half = false;
    let n = 0;
    const { server, page, events } = await watchedPage((_req, res) => {
      const html = `<header data-fragment="header"><form><input name="csrf" value="t${n++}"></form><p>${text}</p><small>rendered</small></header>`;
      const body = half ? html.slice(0, html.indexOf('<p>')) : html;
      half = false;
      res.writeHead(200, { 'content-type': 'text/html' }).end(body);
    });
    expect(page).toContain('v1');
    // Polls see only the token change: nothing is said.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(events.text()).not.toContain('event: reload');
    text = 'v2';
    half = true;
    expect(await events.waitFor('event: reload')).toContain('"fragment":"header"');
    // One reload for that edit; the edited text did not become noise: the next edit reloads too.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(events.text().split('event: reload').length - 1).toBe(1);
    text = 'v3';
    await expect.poll(() => events.text().split('event: reload').length - 1, { timeout: 20_000 }).toBe(2);
    expect(server.logger.recentWarnings().filter((w) => w.includes('live reload is off'))).toEqual([]);
  });

  it('an edit saved while a poll is checking a change reloads, and its text does not become noise', async () => {
    // A value that held still while the baseline was taken (a timestamp to the second), then
    // changes on every render; the template is saved right after the first answer that shows
    // the value changed, so the poll's confirming answers carry the edit.
    let text = 'v1';
    let armed = false;
    let n = 0;
    const { server, page, events } = await watchedPage((_req, res) => {
      const stamp = armed ? `s${n++}` : 'steady';
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<header data-fragment="header"><time>${stamp}</time><p>${text}</p></header>`);
      if (armed && n === 1) text = 'v2';
    });
    expect(page).toContain('v1');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(events.text()).not.toContain('event: reload');
    armed = true;
    expect(await events.waitFor('event: reload')).toContain('"fragment":"header"');
    expect(text).toBe('v2');
    // The text stays watched: the next edit reloads too.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const reloads = () => events.text().split('event: reload').length - 1;
    const before = reloads();
    text = 'v3';
    await expect.poll(reloads, { timeout: 20_000 }).toBe(before + 1);
    expect(server.logger.recentWarnings().filter((w) => w.includes('live reload is off'))).toEqual([]);
  });

  it('a tab that missed the reload (its stream was reconnecting) reloads when it listens again; a page asked for after the edit does not', async () => {
    let text = 'v1';
    const { server, page, events } = await watchedPage((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(`<header data-fragment="header">${text}</header>`));
    const askedAt = (html: string) => /data-asked-at="(\d+)"/.exec(html)?.[1];
    const old = askedAt(page);
    expect(old).toMatch(/^\d+$/);
    text = 'v2';
    expect(await events.waitFor('event: reload')).toContain('"fragment":"header"');
    // The other tab, asked for before the edit, was not listening when the reload was said.
    const missed = await openEventStream(`${server.url}/__mfe-dev/events?page=%2F&at=${old}`);
    cleanups.push(() => missed.close());
    expect(await missed.waitFor('event: reload')).toContain('"fragment":"header"');
    // A page asked for now shows the edit: it listens without reloading.
    const fresh = (await request(`${server.url}/`)).text;
    expect(fresh).toContain('v2');
    const listening = await openEventStream(`${server.url}/__mfe-dev/events?page=%2F&at=${askedAt(fresh)}`);
    cleanups.push(() => listening.close());
    await listening.waitFor('event: ready');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(listening.text()).not.toContain('event: reload');
  });
});

/** A server-sent event stream, read as text. */
async function openEventStream(url: string) {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  let text = '';
  const waiters: Array<() => void> = [];
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
      for (const wake of waiters.splice(0)) wake();
    }
  })().catch(() => undefined);
  return {
    close: () => controller.abort(),
    text: () => text,
    /** Resolves with the event block that contains `needle`. */
    async waitFor(needle: string): Promise<string> {
      const deadline = Date.now() + 30_000;
      while (!text.includes(needle)) {
        if (Date.now() > deadline) throw new Error(`no ${needle} in the event stream; got ${JSON.stringify(text)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 250);
        });
      }
      return text.slice(text.indexOf(needle)).split('\n\n')[0];
    },
  };
}

export type { TestServer };
