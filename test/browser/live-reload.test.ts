/**
 * Live reload with fragments that are not deterministic, in headless Chromium, with a real Vite
 * dev server: a CSRF token and a render time that change on every request never reload the page
 * (two tabs open for a while), an edit of the template reloads each tab exactly once; a fragment
 * that changes between polls is left alone after a few reloads, across the reloads; every tab that shows a local fragment's error box reloads when its service
 * is back (the second tab included).
 */
import express from 'express';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startHeaderService } from '../../examples/header-service/server.js';
import { copyExample, openWatchedPage, runBrowserTests, type WatchedPage } from '../helpers/devservers.js';
import { startGateway } from '../helpers/gateway.js';
import { listen } from '../helpers/servers.js';
import { shopInChromium } from '../helpers/shop-browser.js';

const suite = shopInChromium();
const { cleanups, pages } = suite;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A page and how often it navigated after it first loaded. */
async function open(url: string): Promise<WatchedPage & { navigations: () => number }> {
  const watched = await openWatchedPage(suite.browser);
  pages.push(watched);
  const response = await watched.page.goto(url);
  expect(response?.status()).toBe(200);
  let navigations = 0;
  watched.page.on('framenavigated', (frame) => {
    if (frame === watched.page.mainFrame()) navigations++;
  });
  return { ...watched, navigations: () => navigations };
}

const listening = (page: Page) => page.waitForFunction(() => (document.querySelector('mfe-dev-overlay') as HTMLElement | null)?.dataset.live === 'on', undefined, { timeout: 20_000 });

async function tokenHeader() {
  const project = copyExample('header-service');
  cleanups.push(() => project.remove());
  project.edit('header.html', '<p class="header__banner">', '<form method="post" action="/newsletter"><input type="hidden" name="csrf" value="%CSRF%"></form>\n  <p class="header__banner">');
  project.edit('header.html', '<p class="header__build" data-build-note></p>', '<p class="header__build" data-build-note></p>\n  <small data-rendered>rendered in %RENDER_MS% ms</small>');
  const service = await startHeaderService({ root: project.root });
  cleanups.push(() => service.close());
  return { service, project };
}

describe.runIf(runBrowserTests)('live reload with fragments that change on every request, in Chromium', { timeout: 90_000 }, () => {
  it('a CSRF token and a render time never reload two open tabs; an edit of the template reloads each exactly once', async () => {
    const { service, project } = await tokenHeader();
    const gateway = await startGateway({ upstream: suite.shop.url, fragments: { header: { src: '/fragments/header', local: service.url, assets: ['/assets/header/'] } }, local: ['header'] });
    cleanups.push(() => gateway.close());
    const first = await open(`${gateway.url}/`);
    const second = await open(`${gateway.url}/`);
    for (const tab of [first, second]) {
      await tab.page.waitForSelector('header[data-fragment="header"] input[name="csrf"]', { state: 'attached' });
      await listening(tab.page);
    }
    // The token differs on every request: on main, the tabs reload about once a second.
    const tokens = await Promise.all([first, second].map((tab) => tab.page.locator('input[name="csrf"]').getAttribute('value')));
    expect(tokens[0]).not.toBe(tokens[1]);
    await sleep(5000);
    expect([first.navigations(), second.navigations()]).toEqual([0, 0]);

    project.edit('header.html', 'LOCAL header from your machine', 'EDITED header from your machine');
    for (const tab of [first, second]) {
      await tab.page.waitForFunction(() => document.body.textContent?.includes('EDITED header from your machine'), undefined, { timeout: 30_000 });
    }
    await listening(first.page);
    await listening(second.page);
    await sleep(3000);
    expect([first.navigations(), second.navigations()]).toEqual([1, 1]);
    expect(gateway.logger.recentWarnings().filter((w) => w.includes('live reload is off'))).toEqual([]);
  });

  it('a fragment that changes between polls but not between two quick requests (a clock) stops reloading the page, across the reloads', async () => {
    const app = express();
    app.get('/fragments/header', (_req, res) => {
      // A clock with a 300 ms tick: each poll (a second apart) sees a new value, two requests a
      // moment apart mostly do not, so it looks like an edit; the page must not reload forever.
      res.type('html').send(`<header data-fragment="header"><time>${Math.floor(Date.now() / 300)}</time></header>`);
    });
    const service = await listen(app);
    cleanups.push(() => service.close());
    const gateway = await startGateway({ upstream: suite.shop.url, fragments: { header: { src: '/fragments/header', local: service.url } }, local: ['header'] });
    cleanups.push(() => gateway.close());
    const tab = await open(`${gateway.url}/`);
    // Left alone after three changes in a row (with a warning), or learned as noise: either way quiet.
    await expect
      .poll(() => gateway.logger.recentWarnings().some((w) => w.includes("live reload is off for fragment 'header'")), { timeout: 15_000 })
      .toBe(true)
      .catch(() => undefined);
    const settled = tab.navigations();
    expect(settled).toBeLessThanOrEqual(3);
    await sleep(5000);
    expect(tab.navigations()).toBe(settled);
  });

  it('every tab that shows the error box reloads when the dev server is back (the second tab too)', async () => {
    const { service, project } = await tokenHeader();
    const gateway = await startGateway({ upstream: suite.shop.url, fragments: { header: { src: '/fragments/header', local: service.url, assets: ['/assets/header/'] } }, local: ['header'] });
    cleanups.push(() => gateway.close());
    const first = await open(`${gateway.url}/`);
    await first.page.waitForSelector('header[data-fragment="header"][data-hydrated="local"]');
    await listening(first.page);

    await service.close();
    const second = await open(`${gateway.url}/checkout`);
    await second.page.waitForSelector('[data-mfe-dev-error="header"]');
    await listening(second.page);
    await sleep(2000);

    let restarted: Awaited<ReturnType<typeof startHeaderService>> | undefined;
    for (let attempt = 0; !restarted; attempt++) {
      try {
        restarted = await startHeaderService({ root: project.root, port: service.port });
      } catch (error) {
        if (attempt >= 20 || !/in use|EADDRINUSE/i.test(String(error))) throw error;
        await sleep(250);
      }
    }
    cleanups.push(() => restarted!.close());
    await second.page.waitForSelector('header[data-fragment="header"][data-hydrated="local"]', { timeout: 30_000 });
    expect(await second.page.locator('[data-mfe-dev-error]').count()).toBe(0);
    expect(second.navigations()).toBeGreaterThanOrEqual(1);
  });
});
