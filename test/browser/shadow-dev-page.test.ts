/**
 * Shadow mode on the dev page in a real browser (Debian's Chromium through playwright-core): the
 * page a developer browses shows production's header, and the dev page shows the local change
 * as an expandable difference, production beside local, with the report to download.
 */
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../helpers/gateway.js';
import { startShadowSite, type ShadowSite } from '../shadow/shadow-site.js';

const CHROMIUM = '/usr/bin/chromium';
const runBrowserTests = fs.existsSync(CHROMIUM) || Boolean(process.env.CI);

let browser: Browser;
let site: ShadowSite;
let gateway: Awaited<ReturnType<typeof startGateway>>;

beforeAll(async () => {
  if (!runBrowserTests) return;
  site = await startShadowSite();
  site.localBehaviour.change = true;
  [browser, gateway] = await Promise.all([
    chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] }),
    startGateway({ upstream: site.prod.url, fragments: { header: { src: '/fragments/header', local: site.local.url } } }),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await gateway?.close();
  await site?.close();
});

describe.skipIf(!runBrowserTests)('shadow mode in the browser', () => {
  it('serves production, and the dev page expands the difference side by side', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${gateway.url}/products/tent?mfe-dev=header=shadow`);
      await expect.poll(() => page.locator('nav.main a').nth(1).textContent()).toBe('Shop');
      await gateway.shadow.idle();

      await page.goto(`${gateway.url}/__mfe-dev/`);
      const difference = page.locator('details.diff').first();
      await expect.poll(() => difference.locator('summary').textContent()).toContain('1 difference(s)');
      // The newest difference is open; closing and opening it again is the user's choice.
      expect(await difference.getAttribute('open')).toBe('');
      await difference.locator('summary').click();
      expect(await difference.getAttribute('open')).toBeNull();
      await difference.locator('summary').click();
      const row = difference.locator('table.sbs tr').nth(1);
      expect(await row.locator('td').nth(0).textContent()).toBe('header.site-header > nav.main > a:nth-of-type(2)');
      expect((await row.locator('td.prod').textContent())?.trim()).toBe('"Shop"');
      expect((await row.locator('td.local').textContent())?.trim()).toBe('"Store"');
      expect(await row.locator('td.local').isVisible()).toBe(true);

      const [download] = await Promise.all([page.waitForEvent('download'), page.getByText('Download the report (HTML)').click()]);
      expect(download.suggestedFilename()).toMatch(/^mfe-dev-shadow-report-.*\.html$/);
      const saved = await download.path();
      expect(fs.readFileSync(saved!, 'utf8')).toContain('<h1>Shadow report</h1>');
    } finally {
      await context.close();
    }
  });
});
