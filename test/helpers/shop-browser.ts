/**
 * The set-up of the browser suites that run real dev servers under the example shop: one
 * headless Chromium and one shop for the file, and per test the pages opened and the cleanups
 * registered (closed and run after each test, newest first).
 */
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startShop } from '../../examples/shop/server.js';
import { launchChromium, runBrowserTests, type WatchedPage } from './devservers.js';

export interface ShopInChromium {
  /** Set in `beforeAll` (when browser tests run). */
  browser: Browser;
  shop: Awaited<ReturnType<typeof startShop>>;
  cleanups: Array<() => unknown>;
  pages: WatchedPage[];
}

/** Registers the suite's hooks; returns the object its tests read the browser and shop from. */
export function shopInChromium(): ShopInChromium {
  const suite = { cleanups: [], pages: [] } as unknown as ShopInChromium;
  beforeAll(async () => {
    if (!runBrowserTests) return;
    [suite.browser, suite.shop] = await Promise.all([launchChromium(), startShop()]);
  });
  afterAll(async () => {
    await suite.browser?.close();
    await suite.shop?.close();
  });
  afterEach(async () => {
    await Promise.all(suite.pages.splice(0).map((watched) => watched.context.close()));
    for (const cleanup of suite.cleanups.splice(0).reverse()) await cleanup();
  });
  return suite;
}
