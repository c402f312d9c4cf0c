/**
 * What a developer sees in a real browser (headless Chromium through playwright-core): the shop
 * through the gateway with the local header, login with production's cookie and redirect, the
 * per-browser switch, the error box of a stopped local service, the dev page and the overlay.
 * Chromium comes from Debian (`apt-get install chromium`), at /usr/bin/chromium.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHeaderService } from '../../examples/header-service/server.js';
import { startShop } from '../../examples/shop/server.js';
import { startGateway } from '../helpers/gateway.js';
import { closedPort } from '../helpers/servers.js';

const LOCAL_BANNER = 'LOCAL header from your machine';
const CSP_VIOLATION = /Content.Security.Policy|Refused to/i;

/**
 * Debian's Chromium, driven by playwright-core (no browser download). CI installs it and must run
 * these tests; on a developer machine without it they are skipped with a note saying how to get it.
 */
const CHROMIUM = '/usr/bin/chromium';
const runBrowserTests = fs.existsSync(CHROMIUM) || Boolean(process.env.CI);
if (!runBrowserTests) {
  console.warn(`Browser tests skipped: no Chromium at ${CHROMIUM}. Install it with \`apt-get install chromium\` to run them.`);
}

let browser: Browser;
let shop: Awaited<ReturnType<typeof startShop>>;
let headerService: Awaited<ReturnType<typeof startHeaderService>>;
let gateway: Awaited<ReturnType<typeof startGateway>>;
let tmp: string;

const fragments = () => ({
  header: { src: '/fragments/header', selector: 'header[data-fragment="header"]', local: headerService.url, assets: ['/assets/header/'] },
  footer: { src: '/fragments/footer', selector: 'footer[data-fragment="footer"]' },
});

beforeAll(async () => {
  if (!runBrowserTests) return;
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-browser-')));
  [browser, shop, headerService] = await Promise.all([
    chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    }),
    startShop(),
    startHeaderService(),
  ]);
  gateway = await startGateway({ upstream: shop.url, fragments: fragments(), local: ['header'] });
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([gateway?.close(), shop?.close(), headerService?.close()]);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** One fresh browser profile (cookies) per test, closed after it. */
let contexts: BrowserContext[] = [];
afterEach(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  contexts = [];
});

interface Watched {
  page: Page;
  /** Uncaught exceptions, failed requests and HTTP errors. */
  problems: string[];
  /** Console errors (CSP violations show up here). */
  consoleErrors: string[];
}

async function openPage(): Promise<Watched> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(8000);
  const problems: string[] = [];
  const consoleErrors: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') consoleErrors.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    // The overlay's live-reload stream stays open until the page is left, which aborts it.
    if (request.url().includes('/__mfe-dev/events') && request.failure()?.errorText === 'net::ERR_ABORTED') return;
    problems.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return { page, problems, consoleErrors };
}

/** The overlay's text (it lives in an open shadow root), once it has loaded the state. */
async function overlayText(page: Page): Promise<string> {
  await page.waitForFunction(() => {
    const text = document.querySelector('mfe-dev-overlay')?.shadowRoot?.textContent ?? '';
    return text.includes('·');
  });
  return page.evaluate(() => document.querySelector('mfe-dev-overlay')!.shadowRoot!.textContent ?? '');
}

describe.runIf(runBrowserTests)('the shop through the gateway, in Chromium', () => {
  it("shows the local header (its script and styles from the local service) and production's footer, with no CSP errors", async () => {
    // Without the overlay, so that everything on the page is the page's own.
    const bare = await startGateway({ upstream: shop.url, fragments: fragments(), local: ['header'], overlay: false });
    try {
      const { page, problems, consoleErrors } = await openPage();
      const response = await page.goto(`${bare.url}/`);
      expect(response?.status()).toBe(200);
      await page.waitForLoadState('load');

      await expect(page.getByText(LOCAL_BANNER).isVisible()).resolves.toBe(true);
      await expect(page.getByRole('heading', { name: 'Gear for the long way round' }).isVisible()).resolves.toBe(true);
      const footer = page.locator('footer[data-fragment="footer"]');
      await expect(footer.isVisible()).resolves.toBe(true);
      expect(await footer.textContent()).toContain('Free repairs for life');
      expect(await page.locator('header.site-header').count()).toBe(0);

      // The header's own module ran (from the local service, through the gateway) and its
      // stylesheet applies: the CSP let both through.
      await page.waitForSelector('header[data-fragment="header"][data-hydrated="local"]');
      const display = await page.locator('header.header--redesign').evaluate((element) => getComputedStyle(element).display);
      expect(display).toBe('grid');
      // The shop's own stylesheet applies too.
      const sheets = await page.evaluate(() => [...document.styleSheets].map((sheet) => sheet.href ?? 'inline'));
      expect(sheets).toContain(`${bare.url}/assets/site.css`);
      expect(sheets).toContain(`${bare.url}/assets/header/src/header.css`);

      expect(consoleErrors.filter((e) => CSP_VIOLATION.test(e))).toEqual([]);
      expect(consoleErrors).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await bare.close();
    }
  });

  it('shows the dev overlay, styled, naming the local fragment, without CSP violations', async () => {
    const { page, problems, consoleErrors } = await openPage();
    await page.goto(`${gateway.url}/`);
    await page.waitForLoadState('load');
    await expect(page.getByText(LOCAL_BANNER).isVisible()).resolves.toBe(true);

    expect(await page.locator('mfe-dev-overlay').count()).toBe(1);
    const text = await overlayText(page);
    expect(text).toContain('header');
    expect(text).toContain('local');
    const badge = page.locator('mfe-dev-overlay a.badge'); // Playwright's CSS locators pierce open shadow roots
    await expect(badge.isVisible()).resolves.toBe(true);
    expect(problems).toEqual([]);
    // Production's CSP (default-src 'self') must not block the overlay: its badge is dark.
    expect(consoleErrors.filter((e) => CSP_VIOLATION.test(e))).toEqual([]);
    expect(await badge.evaluate((a) => getComputedStyle(a).backgroundColor)).toBe('rgb(17, 17, 17)');
  });

  it('logs in through the form: the cookie and the redirect work on the gateway, for the page and the local header', async () => {
    const { page, problems } = await openPage();
    await page.goto(`${gateway.url}/login`);
    await page.getByLabel('Name').fill('Ada Lovelace');
    await Promise.all([page.waitForURL('**/account'), page.getByRole('button', { name: 'Sign in' }).click()]);

    expect(page.url()).toBe(`${gateway.url}/account`);
    await expect(page.getByRole('heading', { name: 'Your account' }).isVisible()).resolves.toBe(true);
    expect(await page.locator('main [data-user]').textContent()).toBe('Ada Lovelace');
    // The local header got the session cookie too.
    const header = page.locator('header[data-fragment="header"]');
    expect(await header.getAttribute('class')).toContain('header--redesign');
    expect(await header.locator('[data-user]').textContent()).toBe('Ada Lovelace');
    expect(await header.textContent()).toContain('Welcome back');

    // The browser stored the cookie for the gateway's host.
    const cookies = await page.context().cookies(gateway.url);
    const session = cookies.find((c) => c.name === 'session');
    expect(session?.value).toBe('Ada%20Lovelace');
    expect(session?.domain).toBe('127.0.0.1');
    // 127.0.0.1 is a secure context: production's Secure (and SameSite=None) are kept and accepted.
    expect(session?.secure).toBe(true);
    expect(session?.sameSite).toBe('None');

    // And it survives navigation; signing out (another absolute redirect) clears it.
    await page.goto(`${gateway.url}/`);
    expect(await page.locator('header [data-user]').textContent()).toBe('Ada Lovelace');
    await Promise.all([page.waitForURL(`${gateway.url}/`), page.getByRole('link', { name: 'Sign out' }).click()]);
    expect(await page.locator('header [data-user]').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('?mfe-dev=header=prod switches this browser to production header, sticks across navigation, and ?mfe-dev= clears it', async () => {
    const { page } = await openPage();
    const localHeader = page.locator('header.header--redesign');
    const prodHeader = page.locator('header.site-header');

    await page.goto(`${gateway.url}/?mfe-dev=header=prod`);
    await expect(prodHeader.isVisible()).resolves.toBe(true);
    expect(await localHeader.count()).toBe(0);
    // All fragments from production: no overlay.
    expect(await page.locator('script[data-mfe-dev-overlay]').count()).toBe(0);

    // A link without the parameter: the cookie keeps the choice.
    await Promise.all([page.waitForURL('**/products/tent-2p'), page.locator('main').getByRole('link', { name: /Fjellstue 2P Tent/ }).click()]);
    expect(new URL(page.url()).search).toBe('');
    await expect(prodHeader.isVisible()).resolves.toBe(true);
    expect(await localHeader.count()).toBe(0);
    await page.goto(`${gateway.url}/about`);
    await expect(prodHeader.isVisible()).resolves.toBe(true);

    // Another browser is not affected.
    const other = await openPage();
    await other.page.goto(`${gateway.url}/`);
    await expect(other.page.getByText(LOCAL_BANNER).isVisible()).resolves.toBe(true);

    await page.goto(`${gateway.url}/?mfe-dev=`);
    await expect(localHeader.isVisible()).resolves.toBe(true);
    expect(await prodHeader.count()).toBe(0);
    await page.goto(`${gateway.url}/about`);
    await expect(localHeader.isVisible()).resolves.toBe(true);
    expect((await page.context().cookies(gateway.url)).find((c) => c.name === 'mfe-dev')).toBeUndefined();
  });

  it('the dev page lists the fragments and their modes, and switches a fragment for this browser', async () => {
    const { page, problems } = await openPage();
    await page.goto(`${gateway.url}/__mfe-dev/`);
    const row = (name: string) => page.locator('tr', { has: page.locator('td:first-child code', { hasText: new RegExp(`^${name}$`) }) });
    const mode = (name: string) => row(name).locator('strong.mode').textContent();

    await expect(row('header').isVisible()).resolves.toBe(true);
    await expect(row('footer').isVisible()).resolves.toBe(true);
    expect(await mode('header')).toBe('local');
    expect(await mode('footer')).toBe('prod');
    expect(await row('header').textContent()).toContain(headerService.url);
    await expect(page.getByText(shop.url).first().isVisible()).resolves.toBe(true);

    // Click "prod" for the header: this browser now gets production's header.
    await row('header').getByRole('link', { name: 'prod', exact: true }).click();
    await page.waitForLoadState('load');
    expect(await mode('header')).toBe('prod');
    await page.goto(`${gateway.url}/`);
    await expect(page.locator('header.site-header').isVisible()).resolves.toBe(true);
    // (Chromium's own /favicon.ico request for the dev page is a 404 from production: not counted.)
    expect(problems).toEqual([]);
  });

  it('a stopped local service shows a visible error box with the reason; the rest of the page renders', async () => {
    const port = await closedPort();
    const broken = await startGateway({
      upstream: shop.url,
      fragments: { ...fragments(), header: { ...fragments().header, local: `http://127.0.0.1:${port}` } },
      local: ['header'],
    });
    try {
      const { page } = await openPage();
      const response = await page.goto(`${broken.url}/`);
      expect(response?.status()).toBe(200);
      const box = page.locator('[data-mfe-dev-error="header"]');
      await expect(box.isVisible()).resolves.toBe(true);
      const text = (await box.textContent()) ?? '';
      expect(text).toContain('header');
      expect(text).toContain(`127.0.0.1:${port}`);
      expect(text).toMatch(/refused/i);
      const size = await box.boundingBox();
      expect(size!.height).toBeGreaterThan(10);
      expect(size!.width).toBeGreaterThan(100);
      // It looks like an error box (red dashed border) despite production's CSP.
      expect(await box.evaluate((element) => getComputedStyle(element).borderTopStyle)).toBe('dashed');

      await expect(page.getByRole('heading', { name: 'Gear for the long way round' }).isVisible()).resolves.toBe(true);
      await expect(page.locator('footer[data-fragment="footer"]').isVisible()).resolves.toBe(true);
      expect(await page.locator('header[data-fragment="header"]').count()).toBe(0);
      expect(await overlayText(page)).toContain('header');
    } finally {
      await broken.close();
    }
  });

  it('takes a screenshot of the home page', async () => {
    const { page } = await openPage();
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.goto(`${gateway.url}/`);
    await page.getByText(LOCAL_BANNER).waitFor();
    const file = path.join(tmp, 'home.png');
    await page.screenshot({ path: file, fullPage: true });
    const png = fs.readFileSync(file);
    expect(png.length).toBeGreaterThan(1000);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    // IHDR: the width is the viewport's.
    expect(png.readUInt32BE(16)).toBe(1024);
  });
});

