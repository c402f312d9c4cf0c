/**
 * Production's Content-Security-Policy on the gateway, in headless Chromium (issue 20 item 15):
 * widened only for what a local fragment needs (its scripts, its dev server's sockets), never for
 * images, styles, `base-uri`, `form-action`, `object-src`.
 * - A strict nonce policy (`'strict-dynamic'`, a fresh nonce per response), and a strict hash
 *   policy (no nonce at all): a real Vite fragment runs (its scripts get the page's nonce, or one
 *   the gateway adds beside the hash), its HMR websocket connects and hot-updates the page, the
 *   overlay runs; the policy's other directives reach the browser exactly as production sent them.
 * - A fragment whose script and socket point straight at its dev server's origin: both work,
 *   and an image from that origin is refused, as `img-src 'self'` says.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { WebSocketServer } from 'ws';
import { startHeaderService } from '../../examples/header-service/server.js';
import { copyExample, launchChromium, openWatchedPage, runBrowserTests, type WatchedPage } from '../helpers/devservers.js';
import { startGateway } from '../helpers/gateway.js';
import { listen, type TestServer } from '../helpers/servers.js';

const PAGE_SCRIPT = 'window.pageScript = true;';
const REST = "connect-src 'self'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; object-src 'none'; frame-ancestors 'self'";
/** Strict CSPs as Google's guide writes them: by nonce, or by hash for pages that cannot have one. */
const STRICT = {
  nonce: (nonce: string) => `default-src 'self'; script-src 'nonce-${nonce}' 'strict-dynamic'; ${REST}`,
  hash: () => `default-src 'self'; script-src 'sha256-${createHash('sha256').update(PAGE_SCRIPT).digest('base64')}' 'strict-dynamic'; ${REST}`,
};

let browser: Browser;
const cleanups: Array<() => unknown> = [];
const pages: WatchedPage[] = [];

beforeAll(async () => {
  if (runBrowserTests) browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await Promise.all(pages.splice(0).map((watched) => watched.context.close()));
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Production: one page (with its own nonce'd script) that includes the header by SSI, under `policy`. */
async function production(policy: (nonce: string) => string | string[]): Promise<TestServer> {
  const server = await listen((req, res) => {
    if (req.url?.startsWith('/fragments/header')) {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<header data-fragment="header">production header</header>');
      return;
    }
    const nonce = randomBytes(12).toString('base64');
    res.setHeader('content-security-policy', policy(nonce));
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><title>strict</title></head><body><!--# include virtual="/fragments/header" --><main>page</main><script nonce="${nonce}">${PAGE_SCRIPT}</script></body></html>`);
  });
  cleanups.push(() => server.close());
  return server;
}

async function open(url: string): Promise<{ watched: WatchedPage; csp: string }> {
  const watched = await openWatchedPage(browser);
  pages.push(watched);
  const response = await watched.page.goto(url);
  expect(response?.status()).toBe(200);
  return { watched, csp: (await response!.allHeaders())['content-security-policy'] };
}

const directive = (csp: string, name: string) => csp.split(';').map((d) => d.trim()).find((d) => d.split(/\s+/)[0] === name);
const violations = (watched: WatchedPage) => watched.consoleErrors.filter((e) => /Content.Security.Policy|Refused to|violates/i.test(e));

describe.runIf(runBrowserTests)("production's CSP with local fragments, in Chromium", { timeout: 90_000 }, () => {
  it.each(['nonce', 'hash'] as const)("a strict %s + 'strict-dynamic' policy: the Vite fragment runs with the page's (or the gateway's) nonce, its HMR socket hot-updates, and the rest of the policy is production's", async (kind) => {
    const project = copyExample('header-service');
    cleanups.push(() => project.remove());
    const vite = await startHeaderService({ root: project.root });
    cleanups.push(() => vite.close());
    const shop = await production(STRICT[kind]);
    const gateway = await startGateway({ upstream: shop.url, fragments: { header: { src: '/fragments/header', local: vite.url, assets: ['/assets/header/'] } }, local: ['header'] });
    cleanups.push(() => gateway.close());

    const { watched, csp } = await open(`${gateway.url}/`);
    const { page } = watched;
    await page.waitForSelector('header[data-fragment="header"][data-hydrated="local"]');
    expect(await page.evaluate(() => (window as unknown as { pageScript?: boolean }).pageScript)).toBe(true);
    // The overlay (nonce'd too) is running.
    await page.waitForFunction(() => document.querySelector('mfe-dev-overlay') !== null);
    await expect.poll(() => watched.consoleMessages.some((m) => m.includes('[vite] connected.')), { timeout: 20_000 }).toBe(true);
    project.edit('src/header.js', "const BUILD_NOTE = 'local build", "const BUILD_NOTE = 'hot-updated build");
    await page.waitForFunction(() => document.querySelector('[data-build-note]')?.textContent?.startsWith('hot-updated build'), undefined, { timeout: 30_000 });

    // What the browser enforced: production's directives, untouched but for the sockets.
    const nonce = /'nonce-([^']+)'/.exec(csp)![1];
    const sent = STRICT[kind](nonce);
    // A hash policy gets a nonce of the gateway's beside production's hash, nothing else.
    expect(directive(csp, 'script-src')).toBe(kind === 'nonce' ? directive(sent, 'script-src') : `${directive(sent, 'script-src')} 'nonce-${nonce}'`);
    for (const name of ['default-src', 'style-src', 'img-src', 'base-uri', 'form-action', 'object-src', 'frame-ancestors']) {
      expect(directive(csp, name), name).toBe(directive(sent, name));
    }
    expect(directive(csp, 'connect-src')).toContain(vite.url);
    expect(directive(csp, 'img-src')).not.toContain(String(vite.port));
    expect(violations(watched).filter((e) => /script|connect/i.test(e))).toEqual([]);
  });

  it("two policies (a nonce one and a hash-only one): the page's nonce joins the hash-only policy, and the local fragment's script runs under both", async () => {
    const hash = `'sha256-${createHash('sha256').update(PAGE_SCRIPT).digest('base64')}'`;
    const service = await listen((req, res) => {
      if (req.url === '/assets/two/run.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end("document.querySelector('[data-two]').dataset.ran = 'yes';");
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<header data-fragment="header" data-two><script src="/assets/two/run.js"></script></header>');
    });
    cleanups.push(() => service.close());
    const shop = await production((nonce) => [`script-src 'nonce-${nonce}' 'strict-dynamic'`, `script-src ${hash} 'strict-dynamic'`]);
    const gateway = await startGateway({ upstream: shop.url, fragments: { header: { src: '/fragments/header', local: service.url, assets: ['/assets/two/'] } }, local: ['header'] });
    cleanups.push(() => gateway.close());

    const { watched } = await open(`${gateway.url}/`);
    await watched.page.waitForSelector('[data-two][data-ran="yes"]', { state: 'attached' });
    await watched.page.waitForFunction(() => document.querySelector('mfe-dev-overlay') !== null);
    expect(await watched.page.evaluate(() => (window as unknown as { pageScript?: boolean }).pageScript)).toBe(true);
    expect(violations(watched)).toEqual([]);
  });

  it("a fragment whose script and socket name its dev server's origin: both allowed; an image from that origin refused (img-src is not widened)", async () => {
    const service = await listen((req, res) => {
      if (req.url === '/direct.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        res.end(`document.querySelector('[data-direct]').dataset.ran = 'yes';
          const socket = new WebSocket('ws://127.0.0.1:${service.port}/hmr');
          socket.onmessage = (e) => { document.querySelector('[data-direct]').dataset.socket = e.data; };`);
      } else if (req.url === '/pic.png') {
        res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64'));
      } else {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<header data-fragment="header" data-direct><script src="http://127.0.0.1:${service.port}/direct.js"></script><img data-pic src="http://127.0.0.1:${service.port}/pic.png"></header>`);
      }
    });
    cleanups.push(() => service.close());
    const wss = new WebSocketServer({ server: service.server, path: '/hmr' });
    cleanups.push(() => new Promise((resolve) => wss.close(resolve)));
    wss.on('connection', (socket) => socket.send('hello from the dev server'));

    const shop = await production(() => "default-src 'self'; img-src 'self'; base-uri 'self'");
    const gateway = await startGateway({ upstream: shop.url, fragments: { header: { src: '/fragments/header', local: service.url } }, local: ['header'] });
    cleanups.push(() => gateway.close());

    const { watched, csp } = await open(`${gateway.url}/`);
    const { page } = watched;
    await page.waitForSelector('[data-direct][data-ran="yes"]');
    await page.waitForSelector('[data-direct][data-socket="hello from the dev server"]');
    await expect.poll(() => violations(watched).some((e) => /img-src/.test(e) && e.includes('/pic.png')), { timeout: 15_000 }).toBe(true);
    expect(await page.locator('img[data-pic]').evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(0);
    expect(directive(csp, 'img-src')).toBe("img-src 'self'");
    expect(directive(csp, 'base-uri')).toBe("base-uri 'self'");
    expect(directive(csp, 'default-src')).toBe("default-src 'self'");
  });
});
