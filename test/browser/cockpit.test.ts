/**
 * The cockpit keeps up, in a real browser (headless Chromium): the overlay badge opens a panel on
 * the shop's page (under the shop's strict CSP) that switches one fragment's mode and keeps the
 * others, applies presets and outlines a fragment on hover; a broken config edit shows on the
 * dev page without a reload and turns the badge red; a good edit clears both.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHeaderService } from '../../examples/header-service/server.js';
import { startShop } from '../../examples/shop/server.js';
import { createDevServer, type DevServer } from '../../src/server/index.js';
import { startGateway } from '../helpers/gateway.js';
import { closedPort, listen, type TestServer } from '../helpers/servers.js';

const CHROMIUM = '/usr/bin/chromium';
const runBrowserTests = fs.existsSync(CHROMIUM) || Boolean(process.env.CI);
const LOCAL_HEADER = 'LOCAL header from your machine';
const LOCAL_FOOTER = 'LOCAL footer from your machine';
const CSP_VIOLATION = /Content.Security.Policy|Refused to/i;

let browser: Browser;
let shop: Awaited<ReturnType<typeof startShop>>;
let headerService: Awaited<ReturnType<typeof startHeaderService>>;
let footerService: TestServer;
let contexts: BrowserContext[] = [];
const cleanups: Array<() => Promise<void> | void> = [];

const shopConfig = () => ({
  upstream: shop.url,
  fragments: {
    header: { src: '/fragments/header', selector: 'header[data-fragment="header"]', local: headerService.url, assets: ['/assets/header/'] },
    footer: { src: '/fragments/footer', selector: 'footer[data-fragment="footer"]', local: footerService.url },
  },
  local: ['header'],
  presets: { 'footer-dev': { description: 'The footer from this machine', local: ['footer'] } },
});

beforeAll(async () => {
  if (!runBrowserTests) return;
  [browser, shop, headerService, footerService] = await Promise.all([
    chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] }),
    startShop(),
    startHeaderService(),
    listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<footer data-fragment="footer" class="local-footer"><p>${LOCAL_FOOTER}</p></footer>`);
    }),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([shop?.close(), headerService?.close(), footerService?.close()]);
});

afterEach(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  contexts = [];
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function openPage(): Promise<{ page: Page; consoleErrors: string[]; problems: string[] }> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(8000);
  const consoleErrors: string[] = [];
  const problems: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { page, consoleErrors, problems };
}

const badge = (page: Page) => page.locator('mfe-dev-overlay .badge');
const panel = (page: Page) => page.locator('mfe-dev-overlay .panel');
const fragmentRow = (page: Page, name: string) => panel(page).locator(`tr[data-fragment="${name}"]`);

/** Waits until the badge shows the state (it says `·` once the state is loaded). */
async function badgeText(page: Page): Promise<string> {
  await page.waitForFunction(() => document.querySelector('mfe-dev-overlay')?.shadowRoot?.querySelector('.badge')?.textContent?.includes('·'));
  return (await badge(page).textContent()) ?? '';
}

describe.runIf(runBrowserTests)('the overlay panel and the live dev page, in Chromium', () => {
  it('the badge opens a panel that switches one fragment and keeps the other, under the shop\'s CSP', async () => {
    const gateway = await startGateway(shopConfig());
    cleanups.push(() => gateway.close());
    const { page, consoleErrors, problems } = await openPage();
    // The footer local by this browser's choice, the header local by the config.
    await page.goto(`${gateway.url}/?mfe-dev=footer=local`);
    await page.getByText(LOCAL_HEADER).waitFor();
    await page.getByText(LOCAL_FOOTER).waitFor();
    expect(await badgeText(page)).toMatch(/header local · footer local/);

    await expect(panel(page).isVisible()).resolves.toBe(false);
    await badge(page).click();
    await expect(panel(page).isVisible()).resolves.toBe(true);
    expect(await fragmentRow(page, 'header').locator('strong').textContent()).toBe('local');
    expect(await fragmentRow(page, 'footer').locator('strong').textContent()).toBe('local');

    // Hovering the footer's row outlines the footer on the page.
    await fragmentRow(page, 'footer').hover();
    const outline = page.locator('mfe-dev-overlay .outline');
    await expect(outline.isVisible()).resolves.toBe(true);
    const [box, footerBox] = await Promise.all([outline.boundingBox(), page.locator('footer[data-fragment="footer"]').boundingBox()]);
    expect(Math.round(box!.y)).toBe(Math.round(footerBox!.y));
    expect(Math.round(box!.height)).toBe(Math.round(footerBox!.height));

    // Header → prod: the page reloads with production's header and still the local footer.
    await Promise.all([page.waitForURL((url) => url.searchParams.get('mfe-dev')?.includes('header=prod') ?? false), fragmentRow(page, 'header').locator('a[data-mode="prod"]').click()]);
    await page.locator('header.site-header').waitFor();
    expect(await page.getByText(LOCAL_HEADER).count()).toBe(0);
    await expect(page.getByText(LOCAL_FOOTER).isVisible()).resolves.toBe(true);
    expect(await badgeText(page)).toContain('footer local');
    expect(await badgeText(page)).not.toContain('header local');

    // And it sticks for this browser: a plain navigation keeps both choices.
    await page.goto(`${gateway.url}/about`);
    await page.getByText(LOCAL_FOOTER).waitFor();
    expect(await page.locator('header.site-header').count()).toBe(1);

    expect(consoleErrors.filter((e) => CSP_VIOLATION.test(e))).toEqual([]);
    expect(problems).toEqual([]);
  });

  it("the panel says which fragment failed on this page, and hovering its row outlines the error box", async () => {
    const port = await closedPort();
    const config = shopConfig();
    const gateway = await startGateway({ ...config, fragments: { ...config.fragments, footer: { ...config.fragments.footer, local: `http://127.0.0.1:${port}` } } });
    cleanups.push(() => gateway.close());
    const { page } = await openPage();
    await page.goto(`${gateway.url}/?mfe-dev=footer=local`);
    const errorBox = page.locator('[data-mfe-dev-error="footer"]');
    await errorBox.waitFor();
    expect(await badgeText(page)).toContain('footer local (down)');
    await badge(page).click();
    const row = fragmentRow(page, 'footer');
    expect(await row.textContent()).toContain('failed on this page');
    expect(await row.textContent()).toContain('service down');
    await row.scrollIntoViewIfNeeded();
    await errorBox.scrollIntoViewIfNeeded();
    await row.hover();
    const outline = page.locator('mfe-dev-overlay .outline');
    await expect(outline.isVisible()).resolves.toBe(true);
    const [box, expected] = await Promise.all([outline.boundingBox(), errorBox.boundingBox()]);
    expect(Math.round(box!.y)).toBe(Math.round(expected!.y));
    expect(Math.round(box!.width)).toBe(Math.round(expected!.width));
  });

  it('the panel applies a preset, shows it as active, and drops it again', async () => {
    const gateway = await startGateway(shopConfig());
    cleanups.push(() => gateway.close());
    const { page, problems } = await openPage();
    await page.goto(`${gateway.url}/`);
    await badgeText(page);
    expect(await page.getByText(LOCAL_FOOTER).count()).toBe(0);
    await badge(page).click();
    const preset = panel(page).locator('tr[data-preset="footer-dev"]');
    await Promise.all([page.waitForURL('**/?mfe-dev-preset=footer-dev'), preset.locator('a[data-action="apply"]').click()]);
    await page.getByText(LOCAL_FOOTER).waitFor();
    expect(await badgeText(page)).toContain('preset footer-dev');

    await badge(page).click();
    expect(await panel(page).locator('h3', { hasText: 'Presets' }).textContent()).toContain('active: footer-dev');
    await Promise.all([page.waitForURL('**/?mfe-dev-preset='), preset.locator('a[data-action="drop"]').click()]);
    await page.getByText(LOCAL_HEADER).waitFor();
    expect(await page.getByText(LOCAL_FOOTER).count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('a broken config edit shows on the dev page without a reload and on the badge; a good edit clears both', async () => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-cockpit-')));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'mfe-dev.config.json');
    const good = JSON.stringify(shopConfig(), null, 2);
    fs.writeFileSync(file, good);
    const server: DevServer = await createDevServer({ root: dir, port: 0, logLevel: 'silent' });
    cleanups.push(() => server.close());
    await server.listen();

    const dev = await openPage();
    await dev.page.goto(`${server.url}/__mfe-dev/`);
    await dev.page.waitForSelector('html[data-mfe-dev-live="on"]');
    // A marker that a reload would lose: the dev page must update in place.
    await dev.page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
    const renders = () => dev.page.evaluate(() => Number(document.documentElement.dataset.mfeDevRenders ?? 0));

    // The watcher is up once rewriting the file re-renders the dev page (a reload, no changes).
    for (let before = await renders(); (await renders()) === before; ) {
      fs.writeFileSync(file, good);
      await dev.page.waitForFunction((n) => Number(document.documentElement.dataset.mfeDevRenders ?? 0) > n, before, { timeout: 700 }).catch(() => undefined);
    }

    const shopPage = await openPage();
    await shopPage.page.goto(`${server.url}/`);
    expect(await badgeText(shopPage.page)).not.toContain('config error');
    // The page just composed appears in the dev page's recent pages, without a reload.
    await dev.page.locator('#pages details.page a.open[href="/"]').waitFor();

    fs.writeFileSync(file, good.replace(`"local": "${footerService.url}"`, '"local": "localhost:3002"'));
    const error = dev.page.locator('[data-mfe-dev-config-error]');
    await error.waitFor();
    const text = (await error.textContent()) ?? '';
    expect(text).toContain(file);
    expect(text).toContain('fragments.footer.local');
    expect(text).toContain('http://localhost:3002');
    expect(await dev.page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);

    // The page's badge turned red and says so; its panel shows the message.
    await shopPage.page.waitForSelector('mfe-dev-overlay[data-state="config-error"]');
    expect(await badge(shopPage.page).textContent()).toContain('config error');
    expect(await badge(shopPage.page).evaluate((a) => getComputedStyle(a).backgroundColor)).toBe('rgb(204, 34, 34)');
    await badge(shopPage.page).click();
    expect(await panel(shopPage.page).locator('[data-config-error]').textContent()).toContain('fragments.footer.local');
    // The last good config still serves the page.
    await expect(shopPage.page.getByText(LOCAL_HEADER).isVisible()).resolves.toBe(true);

    fs.writeFileSync(file, good);
    await error.waitFor({ state: 'detached' });
    expect(await dev.page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
    await shopPage.page.waitForSelector('mfe-dev-overlay[data-state="ok"]');
    expect(await badge(shopPage.page).textContent()).not.toContain('config error');
    expect(dev.problems).toEqual([]);
  });
});
