/**
 * Real Vite and webpack dev servers behind the gateway, in headless Chromium, under the shop's
 * strict production CSP (`default-src 'self'; script-src 'self' …; connect-src 'self'`):
 * the fragment renders, an edit of its module hot-updates the page without a reload (a value set
 * in the page before the edit survives), with and without Vite's `base`, a dev server restart
 * reloads the page, and so does an edit of the fragment's HTML; and the README's SSR recipe (an
 * express server rendering the fragment).
 * Every dev server runs from a temp copy of an example project, on port 0.
 */
import express from 'express';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startCartService } from '../../examples/cart-webpack/server.js';
import { startHeaderService } from '../../examples/header-service/server.js';
import { copyExample, openWatchedPage, runBrowserTests, type ProjectCopy, type WatchedPage } from '../helpers/devservers.js';
import { startGateway } from '../helpers/gateway.js';
import { listen, restartOnSamePort } from '../helpers/servers.js';
import { shopInChromium } from '../helpers/shop-browser.js';
import type { FragmentConfig } from '../../src/config/types.js';

const CSP_VIOLATION = /Content.Security.Policy|Refused to|violates/i;
const VITE_ASSETS = ['/@vite/', '/src/', '/node_modules/', '/@id/', '/@fs/'];

const suite = shopInChromium();
const { cleanups, pages } = suite;

function copy(name: string): ProjectCopy {
  const project = copyExample(name);
  cleanups.push(() => project.remove());
  return project;
}

async function open(url: string): Promise<WatchedPage> {
  const watched = await openWatchedPage(suite.browser);
  pages.push(watched);
  const response = await watched.page.goto(url);
  expect(response?.status()).toBe(200);
  return watched;
}

/** Vite's client says so once its HMR socket is open (an edit before that would be missed). */
async function viteConnected(watched: WatchedPage): Promise<void> {
  await expect.poll(() => watched.consoleMessages.some((m) => m.includes('[vite] connected.')), { timeout: 20_000 }).toBe(true);
}

/** Marks the page; the mark is gone after a reload. */
async function mark(page: Page): Promise<void> {
  await page.evaluate(() => ((window as unknown as { __mark: string }).__mark = 'before the edit'));
}
const marked = (page: Page) => page.evaluate(() => (window as unknown as { __mark?: string }).__mark ?? null);

async function gatewayFor(fragments: Record<string, FragmentConfig>, local: string[]) {
  const gateway = await startGateway({ upstream: suite.shop.url, fragments, local });
  cleanups.push(() => gateway.close());
  return gateway;
}

async function viteHeader(options: { base?: string; port?: number } = {}, project = copy('header-service')) {
  const service = await startHeaderService({ root: project.root, ...options });
  cleanups.push(() => service.close());
  return { service, project };
}

function expectNoCspErrors(watched: WatchedPage): void {
  expect(watched.consoleErrors.filter((e) => CSP_VIOLATION.test(e))).toEqual([]);
  expect(watched.problems).toEqual([]);
}

describe.runIf(runBrowserTests)('Vite 8 dev server as a local fragment, in Chromium', { timeout: 90_000 }, () => {
  it("with `base: '/assets/header/'` and `assets: ['/assets/header/']`: renders under production's CSP, and an edit hot-updates without a reload", async () => {
    const { service, project } = await viteHeader();
    const gateway = await gatewayFor({ header: { src: '/fragments/header', local: service.url, assets: ['/assets/header/'] } }, ['header']);
    const watched = await open(`${gateway.url}/`);
    const { page } = watched;
    await page.waitForSelector('header[data-fragment="header"][data-hydrated="local"]');
    await page.waitForFunction(() => document.querySelector('[data-build-note]')?.textContent?.startsWith('local build'));
    expect(await page.locator('header.header--redesign').evaluate((e) => getComputedStyle(e).display)).toBe('grid');

    await viteConnected(watched);
    await mark(page);
    project.edit('src/header.js', "const BUILD_NOTE = 'local build", "const BUILD_NOTE = 'hot-updated build");
    await page.waitForFunction(() => document.querySelector('[data-build-note]')?.textContent?.startsWith('hot-updated build'), undefined, { timeout: 30_000 });
    expect(await marked(page)).toBe('before the edit');
    // Vite now serves the fragment with `header.js?t=…`: live reload (polling every second) must
    // not take that for an HTML change and reload the page after the hot update.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await marked(page)).toBe('before the edit');
    expectNoCspErrors(watched);
  });

  it("with the base in the local URL (`local: 'http://127.0.0.1:PORT/assets/header'`): files are not asked for under a doubled prefix", async () => {
    const { service, project } = await viteHeader();
    const gateway = await gatewayFor({ header: { src: '/fragments/header', local: `${service.url}/assets/header`, assets: ['/assets/header/'] } }, ['header']);
    const watched = await open(`${gateway.url}/checkout`);
    await watched.page.waitForSelector('header[data-fragment="header"][data-hydrated="local"]');
    await viteConnected(watched);
    await mark(watched.page);
    project.edit('src/header.js', "const BUILD_NOTE = 'local build", "const BUILD_NOTE = 'hot-updated build");
    await watched.page.waitForFunction(() => document.querySelector('[data-build-note]')?.textContent?.startsWith('hot-updated build'), undefined, { timeout: 30_000 });
    expect(await marked(watched.page)).toBe('before the edit');
    expectNoCspErrors(watched);
  });

  it("without a base (Vite's HMR websocket at `/`, the config lists Vite's own prefixes): hot-updates without a reload", async () => {
    const { service, project } = await viteHeader({ base: '/' });
    const gateway = await gatewayFor({ header: { src: '/fragments/header', local: service.url, assets: VITE_ASSETS } }, ['header']);
    const watched = await open(`${gateway.url}/`);
    await watched.page.waitForSelector('header[data-fragment="header"][data-hydrated="local"]');
    await viteConnected(watched);
    await mark(watched.page);
    project.edit('src/header.js', "const BUILD_NOTE = 'local build", "const BUILD_NOTE = 'hot-updated build");
    await watched.page.waitForFunction(() => document.querySelector('[data-build-note]')?.textContent?.startsWith('hot-updated build'), undefined, { timeout: 30_000 });
    expect(await marked(watched.page)).toBe('before the edit');
    expectNoCspErrors(watched);
  });

  it('reloads the page when the dev server restarts', async () => {
    const { service, project } = await viteHeader();
    const gateway = await gatewayFor({ header: { src: '/fragments/header', local: service.url, assets: ['/assets/header/'] } }, ['header']);
    const watched = await open(`${gateway.url}/`);
    await watched.page.waitForSelector('header[data-fragment="header"][data-hydrated="local"]');
    // Vite's client has connected its HMR socket before the restart.
    await viteConnected(watched);
    await mark(watched.page);

    await service.close();
    const restarted = await restartOnSamePort(() => startHeaderService({ root: project.root, port: service.port }));
    cleanups.push(() => restarted.close());
    await watched.page.waitForFunction(() => !(window as unknown as { __mark?: string }).__mark, undefined, { timeout: 30_000 });
    await watched.page.waitForSelector('header[data-fragment="header"][data-hydrated="local"]');
    expect(watched.consoleErrors.filter((e) => CSP_VIOLATION.test(e))).toEqual([]);
  });

  it("reloads the page when the fragment's HTML changes", async () => {
    const { service, project } = await viteHeader();
    const gateway = await gatewayFor({ header: { src: '/fragments/header', local: service.url, assets: ['/assets/header/'] } }, ['header']);
    const watched = await open(`${gateway.url}/`);
    await watched.page.waitForSelector('header[data-fragment="header"][data-hydrated="local"]');
    // The overlay is listening for live reloads.
    await watched.page.waitForFunction(() => (document.querySelector('mfe-dev-overlay') as HTMLElement | null)?.dataset.live === 'on');
    await mark(watched.page);

    project.edit('header.html', 'LOCAL header from your machine', 'EDITED header from your machine');
    await watched.page.waitForFunction(() => document.body.textContent?.includes('EDITED header from your machine'), undefined, { timeout: 30_000 });
    expect(await marked(watched.page)).toBeNull();
    expectNoCspErrors(watched);
  });
});

describe.runIf(runBrowserTests)('webpack 5 + webpack-dev-server as a local fragment, in Chromium', { timeout: 90_000 }, () => {
  it("renders under production's CSP and hot-updates through its /ws socket without a reload", async () => {
    const project = copy('cart-webpack');
    const cart = await startCartService({ root: project.root });
    cleanups.push(() => cart.close());
    const gateway = await gatewayFor({ cart: { src: '/fragments/cart', local: cart.url, assets: ['/assets/cart/'] } }, ['cart']);
    const watched = await open(`${gateway.url}/checkout`);
    const { page } = watched;
    await page.waitForSelector('aside[data-fragment="cart"][data-hydrated="local-webpack"]');
    await mark(page);
    project.edit('src/cart.js', "const NOTE = 'local cart", "const NOTE = 'hot-updated cart");
    await page.waitForFunction(() => document.querySelector('[data-cart-note]')?.textContent?.startsWith('hot-updated cart'), undefined, { timeout: 30_000 });
    expect(await marked(page)).toBe('before the edit');
    expectNoCspErrors(watched);
  });
});

describe.runIf(runBrowserTests)("webpack's default `devtool: 'eval'`, in Chromium", { timeout: 90_000 }, () => {
  it("is blocked by production's CSP as it would be in production (no 'unsafe-eval' added), and the terminal says to set `devtool: 'source-map'`", async () => {
    const cart = await startCartService({ devtool: 'eval' });
    cleanups.push(() => cart.close());
    const gateway = await gatewayFor({ cart: { src: '/fragments/cart', local: cart.url, assets: ['/assets/cart/'] } }, ['cart']);
    const watched = await open(`${gateway.url}/checkout`);
    await watched.page.waitForFunction(() => document.querySelector('aside[data-fragment="cart"]') !== null);
    await expect.poll(() => [...watched.consoleErrors, ...watched.problems].some((e) => /unsafe-eval/.test(e)), { timeout: 15_000 }).toBe(true);
    expect(await watched.page.locator('aside[data-fragment="cart"]').getAttribute('data-hydrated')).toBeNull();
    // The gateway reads the bundle as it passes (its warning may come a moment after the browser's error).
    await expect.poll(() => gateway.logger.recentWarnings(), { timeout: 15_000 }).toContainEqual(expect.stringContaining("Set `devtool: 'source-map'`"));
  });
});

describe.runIf(runBrowserTests)('an SSR server (express) as a local fragment, in Chromium', { timeout: 90_000 }, () => {
  it("renders under production's CSP with `local` spelled localhost while it listens on 127.0.0.1, and reloads the page when its HTML changes", async () => {
    // The README's recipe: the fragment's route renders HTML, its files are static.
    let headline = 'Server-rendered header';
    const app = express();
    app.get('/fragments/header', (_req, res) => {
      res.type('html').send(`<header data-fragment="header"><h2 data-ssr>${headline}</h2><script type="module" src="/assets/header/ssr.js"></script></header>`);
    });
    app.get('/assets/header/ssr.js', (_req, res) => {
      res.type('text/javascript').send("document.querySelector('[data-ssr]').dataset.hydrated = 'ssr';");
    });
    const ssr = await listen(app);
    cleanups.push(() => ssr.close());
    const gateway = await gatewayFor({ header: { src: '/fragments/header', local: `http://localhost:${ssr.port}`, assets: ['/assets/header/'] } }, ['header']);

    const watched = await open(`${gateway.url}/`);
    await watched.page.waitForSelector('[data-ssr][data-hydrated="ssr"]');
    await watched.page.waitForFunction(() => (document.querySelector('mfe-dev-overlay') as HTMLElement | null)?.dataset.live === 'on');
    await mark(watched.page);
    headline = 'Edited on the server';
    await watched.page.waitForFunction(() => document.querySelector('[data-ssr]')?.textContent === 'Edited on the server', undefined, { timeout: 30_000 });
    expect(await marked(watched.page)).toBeNull();
    expectNoCspErrors(watched);
  });
});
