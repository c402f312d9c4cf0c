/**
 * Shadow mode on the dev page in a real browser (Debian's Chromium through playwright-core): the
 * page a developer browses shows production's header, and the dev page shows the local change
 * as an expandable difference, production beside local with the changed line highlighted (also
 * with JavaScript off), with the report to download.
 */
import fs from 'node:fs';
import { chromium, type Browser, type Locator } from 'playwright-core';
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

/**
 * The difference as two columns: the path, unchanged lines around it, and the one changed line
 * highlighted (red left, green right), the changed word marked within it.
 */
async function expectSideBySide(difference: Locator): Promise<void> {
  const table = difference.locator('table.sxs');
  expect(await table.locator('tr.path td').textContent()).toBe('header.site-header > nav.main > a:nth-of-type(2)');
  expect(await table.locator('th').allTextContents()).toEqual(['', 'production', '', 'local']);
  const changed = table.locator('tr[data-changed]');
  expect(await changed.count()).toBe(1);
  const prod = changed.locator('td.del');
  const local = changed.locator('td.ins');
  expect((await prod.textContent())?.trim()).toBe('"Shop"');
  expect((await local.textContent())?.trim()).toBe('"Store"');
  expect(await prod.locator('del').textContent()).toBe('Shop');
  expect(await local.locator('ins').textContent()).toBe('Store');
  // Highlighted, and beside each other: same row, production left of local.
  const background = (cell: Locator) => cell.evaluate((el) => getComputedStyle(el).backgroundColor);
  const context = table.locator('tr.ctx-row td.ctx').first();
  expect(await background(prod)).toBe('rgb(253, 236, 236)');
  expect(await background(local)).toBe('rgb(232, 247, 238)');
  expect(await background(context)).not.toBe(await background(prod));
  const [left, right] = [await prod.boundingBox(), await local.boundingBox()];
  expect(left && right && left.x + left.width <= right.x && Math.abs(left.y - right.y) < 1).toBe(true);
  expect(await table.locator('tr.ctx-row').count()).toBeGreaterThan(0);
}

describe.skipIf(!runBrowserTests)('shadow mode in the browser', () => {
  it('serves production, and the dev page expands the difference side by side', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${gateway.url}/products/tent?mfe-dev=header=shadow`);
      await expect.poll(() => page.locator('nav.main a').nth(1).textContent()).toBe('Shop');
      await gateway.shadow.idle();

      const violations: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' && /Content.Security.Policy|violates|Refused to/i.test(message.text())) violations.push(message.text());
      });
      await page.goto(`${gateway.url}/__mfe-dev/`);
      const difference = page.locator('details.diff').first();
      await expect.poll(() => difference.locator('summary').textContent()).toContain('1 difference(s)');
      // The newest difference is open; closing and opening it again is the user's choice.
      expect(await difference.getAttribute('open')).toBe('');
      await difference.locator('summary').click();
      expect(await difference.getAttribute('open')).toBeNull();
      await difference.locator('summary').click();
      await expectSideBySide(difference);
      // The dev page's own strict policy lets its nonce'd stylesheet and its script through, nothing else needed.
      await page.waitForFunction(() => document.documentElement.dataset.mfeDevLive === 'on');
      // A page served meanwhile makes the dev page fetch itself again and swap the sections that
      // changed: the new copy (rendered with another nonce) must not trip the policy either.
      const renders = async () => Number(await page.evaluate(() => document.documentElement.dataset.mfeDevRenders ?? '0'));
      const before = await renders();
      await fetch(`${gateway.url}/products/tent`).then((response) => response.text());
      await expect.poll(renders, { timeout: 30_000 }).toBeGreaterThan(before);
      expect(violations).toEqual([]);

      // Without JavaScript the dev page shows the same (server-rendered HTML and CSS only).
      const noScript = await browser.newContext({ javaScriptEnabled: false });
      try {
        const bare = await noScript.newPage();
        await bare.goto(`${gateway.url}/__mfe-dev/`);
        await expectSideBySide(bare.locator('details.diff').first());
      } finally {
        await noScript.close();
      }

      const [download] = await Promise.all([page.waitForEvent('download'), page.getByText('Download the report (HTML)').click()]);
      expect(download.suggestedFilename()).toMatch(/^mfe-dev-shadow-report-.*\.html$/);
      const saved = await download.path();
      expect(fs.readFileSync(saved!, 'utf8')).toContain('<h1>Shadow report</h1>');
    } finally {
      await context.close();
    }
  });
});
