/**
 * Warnings whose cause is gone leave the dev page (issue 20 item 8), checked through a real
 * gateway and `/__mfe-dev/api/state`:
 * - "connection refused" (a local asset, a dev server's socket) while the real Vite dev server is
 *   stopped, withdrawn once it runs again on the same port and answers the page's fragment;
 * - the config's own warning, withdrawn by the reload that fixes it; the module-404 hint,
 *   withdrawn by the reload that adds the prefix, and back after a reload that does not fix it;
 * - a production websocket that failed while production was down, withdrawn once production
 *   takes one at that path again;
 * - the module-404 hint, withdrawn when a request under its prefix is served.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { startHeaderService } from '../../examples/header-service/server.js';
import { startShop } from '../../examples/shop/server.js';
import { createDevServer } from '../../src/server/index.js';
import { copyExample } from '../helpers/devservers.js';
import { eventually } from '../helpers/eventually.js';
import { startGateway } from '../helpers/gateway.js';
import { listen, request, restartOnSamePort } from '../helpers/servers.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface State {
  warnings: string[];
  configError: { message: string } | null;
  fragments: Array<{ name: string; healthy: boolean | null }>;
}
const state = async (gateway: string) => JSON.parse((await request(`${gateway}/__mfe-dev/api/state`)).text) as State;
const warnings = async (gateway: string) => (await state(gateway)).warnings;

/** Opens a websocket with a dev server's protocol; resolves `open` or what went wrong. */
function socket(url: string, protocol: string): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, [protocol]);
    const timer = setTimeout(() => {
      ws.terminate();
      resolve('timeout');
    }, 10_000);
    ws.on('open', () => {
      clearTimeout(timer);
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      ws.terminate();
      resolve(`HTTP ${res.statusCode}`);
    });
    ws.on('error', (error) => {
      clearTimeout(timer);
      resolve(`error: ${error.message}`);
    });
  });
}

const MODULE = { 'sec-fetch-dest': 'script' };

describe('warnings whose cause is gone leave the dev state', { timeout: 60_000 }, () => {
  it("'connection refused' while Vite is stopped goes away once it runs again on the same port", async () => {
    const project = copyExample('header-service');
    cleanups.push(() => project.remove());
    const shop = await startShop();
    cleanups.push(() => shop.close());
    const vite = await startHeaderService({ root: project.root });
    const gateway = await startGateway({ upstream: shop.url, fragments: { header: { src: '/fragments/header', local: vite.url, assets: ['/assets/header/'] } }, local: ['header'] });
    cleanups.push(() => gateway.close());
    await vite.close();

    const down = await request(`${gateway.url}/`);
    expect(down.text).toContain('data-mfe-dev-error="header"');
    expect((await request(`${gateway.url}/assets/header/src/header.js`)).status).toBe(502);
    // Vite's HMR socket at `/` (a page of the gateway): offered to the header's dev server, which is down.
    expect(await socket(`${gateway.url.replace('http', 'ws')}/?token=t`, 'vite-hmr')).toMatch(/error/);
    const refused = (await warnings(gateway.url)).filter((w) => w.includes('connection refused'));
    expect(refused).toEqual([
      expect.stringContaining("local asset of fragment 'header' failed"),
      expect.stringContaining("websocket / looks like a dev server's live-update socket"),
    ]);

    const back = await restartOnSamePort(() => startHeaderService({ root: project.root, port: vite.port }));
    cleanups.push(() => back.close());
    // One page whose local fragment is served again: the service answers, its warnings go.
    const page = await request(`${gateway.url}/`);
    expect(page.text).not.toContain('data-mfe-dev-error');
    expect(page.text).toContain('LOCAL header from your machine');
    expect((await warnings(gateway.url)).filter((w) => w.includes('connection refused'))).toEqual([]);
    await eventually(async () => expect((await state(gateway.url)).fragments[0].healthy).toBe(true));
    // And they come back if it stops again.
    await back.close();
    expect((await request(`${gateway.url}/assets/header/src/header.js`)).status).toBe(502);
    expect((await warnings(gateway.url)).some((w) => w.includes('connection refused'))).toBe(true);
  });

  it("a config reload that fixes the config withdraws its warning; the module-404 hint goes with the reload that adds the prefix, and comes back after one that does not", async () => {
    const shop = await startShop();
    const local = await listen((req, res) => {
      if (req.url?.startsWith('/src/')) res.writeHead(200, { 'content-type': 'text/javascript' }).end('export {};');
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<header data-fragment="header">local</header>');
    });
    cleanups.push(() => shop.close(), () => local.close());
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-warnings-')));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'mfe-dev.config.json');
    const write = (config: object) => fs.writeFileSync(file, JSON.stringify(config, null, 2));
    const config = (assets: string[], footerLocal?: string) => ({
      upstream: shop.url,
      fragments: { header: { src: '/fragments/header', local: local.url, assets }, footer: { src: '/fragments/footer', ...(footerLocal && { local: footerLocal }) } },
      local: ['header', 'footer'],
    });
    write(config(['/assets/header/']));
    const server = await createDevServer({ configFile: file, port: 0, logLevel: 'silent' });
    cleanups.push(() => server.close());
    const reloads: string[] = [];
    const { info } = server.logger;
    server.logger.info = (message) => {
      reloads.push(message);
      info(message);
    };
    await server.listen();
    await server.watching();
    const url = server.url!;
    const reloaded = async (count: number) => eventually(() => expect(reloads.filter((l) => l.startsWith('config reloaded')).length).toBeGreaterThanOrEqual(count), 30_000);
    const footerWarning = (list: string[]) => list.filter((w) => w.includes("fragment 'footer' is set to local"));
    const hint = (list: string[]) => list.filter((w) => w.includes('/src/header.js'));

    expect(footerWarning(await warnings(url))).toHaveLength(1);
    expect((await request(`${url}/src/header.js`, { headers: MODULE })).status).toBe(404);
    expect(hint(await warnings(url))).toHaveLength(1);

    // Fixes the footer, not the assets: the footer warning goes, the hint is re-judged and comes back on the next 404.
    write(config(['/assets/header/'], local.url));
    await reloaded(1);
    expect(footerWarning(await warnings(url))).toEqual([]);
    expect(hint(await warnings(url))).toEqual([]);
    expect((await request(`${url}/src/header.js`, { headers: MODULE })).status).toBe(404);
    expect(hint(await warnings(url))).toHaveLength(1);

    // Adds the prefix: the hint goes, and the file is served by the local service.
    write(config(['/assets/header/', '/src/'], local.url));
    await reloaded(2);
    expect((await request(`${url}/src/header.js`, { headers: MODULE })).status).toBe(200);
    expect(await warnings(url)).toEqual([]);

    // A broken edit is reported; fixing it clears the report.
    fs.writeFileSync(file, '{ "upstream": ');
    await eventually(async () => expect((await state(url)).configError).not.toBeNull(), 30_000);
    write(config(['/assets/header/', '/src/'], local.url));
    await eventually(async () => expect((await state(url)).configError).toBeNull(), 30_000);
  });

  it("a websocket production could not take while it was down: the warning goes once production takes one at that path again", async () => {
    const startProduction = async (port = 0) => {
      const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
      const wss = new WebSocketServer({ server, path: '/live' });
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
      return { port: (server.address() as AddressInfo).port, close: () => new Promise<void>((resolve) => { wss.close(); server.closeAllConnections(); server.close(() => resolve()); }) };
    };
    const production = await startProduction();
    const gateway = await startGateway({ upstream: `http://127.0.0.1:${production.port}`, fragments: { header: { src: '/fragments/header' } } });
    cleanups.push(() => gateway.close());
    const ws = gateway.url.replace('http', 'ws');
    expect(await socket(`${ws}/live?t=1`, 'chat')).toBe('open');
    await production.close();
    expect(await socket(`${ws}/live?t=2`, 'chat')).toMatch(/error/);
    expect((await warnings(gateway.url)).filter((w) => w.startsWith('websocket /live'))).toEqual([expect.stringContaining('connection refused')]);

    const back = await restartOnSamePort(() => startProduction(production.port));
    cleanups.push(() => back.close());
    expect(await socket(`${ws}/live?t=3`, 'chat')).toBe('open');
    await eventually(async () => expect((await warnings(gateway.url)).filter((w) => w.startsWith('websocket /live'))).toEqual([]));
  });

  it('the module-404 hint goes once a file under its prefix is served', async () => {
    let deployed = false;
    const production = await listen((req, res) => {
      if (req.url?.startsWith('/static/') && deployed) res.writeHead(200, { 'content-type': 'text/javascript' }).end('export {};');
      else if (req.url?.startsWith('/static/')) res.writeHead(404).end();
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<header data-fragment="header">prod</header>');
    });
    const local = await listen((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<header>local</header>'));
    cleanups.push(() => production.close(), () => local.close());
    const gateway = await startGateway({ upstream: production.url, fragments: { header: { src: '/fragments/header', local: local.url } }, local: ['header'] });
    cleanups.push(() => gateway.close());

    expect((await request(`${gateway.url}/static/app.js`, { headers: MODULE })).status).toBe(404);
    expect((await warnings(gateway.url)).filter((w) => w.includes('/static/app.js'))).toHaveLength(1);
    deployed = true;
    expect((await request(`${gateway.url}/static/other.js`, { headers: MODULE })).status).toBe(200);
    await eventually(async () => expect((await warnings(gateway.url)).filter((w) => w.includes('/static/app.js'))).toEqual([]));
  });
});
