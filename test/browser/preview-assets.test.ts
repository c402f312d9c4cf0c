/**
 * A preview in a real browser, through a real `mfe-dev serve` with token access: the reviewer
 * signs in with the login link, opens the page with `preview:482`, and the header's script (a
 * CDN URL in production's page) and the preview's own files under the `assets` path prefix are
 * loaded from the branch build, not from production or the CDN.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { page, startSite, type FakeSite } from '../fixtures/site.js';
import { startServe, tempDir, type ServeProcess } from '../serve/serve-process.js';

const CHROMIUM = '/usr/bin/chromium';
const runBrowserTests = fs.existsSync(CHROMIUM) || Boolean(process.env.CI);
const TOKEN = 'preview-browser-token-1234';

describe.runIf(runBrowserTests)('previews in Chromium through mfe-dev serve', () => {
  let browser: Browser;
  let site: FakeSite;
  let previews: FakeSite;
  let serve: ServeProcess;
  let dir: string;

  beforeAll(async () => {
    [browser, site, previews] = await Promise.all([
      chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] }),
      startSite({
        '/checkout': page('Checkout', '<script type="module" src="https://cdn.example.com/header/v2/app.js"></script>\n<!--#include virtual="/fragments/header" -->\n<main>checkout</main>'),
        '/fragments/header': '<header>PROD-HEADER</header>',
      }),
      startSite({
        '/pr-482/fragments/header': '<header id="header">PR482-HEADER<script src="/assets/header/extra.js"></script></header>',
        '/pr-482/header/v2/app.js': { body: "document.documentElement.dataset.headerApp = 'pr-482';", type: 'text/javascript' },
        '/pr-482/assets/header/extra.js': { body: "document.documentElement.dataset.headerExtra = 'pr-482';", type: 'text/javascript' },
      }),
    ]);
    dir = tempDir();
    const file = path.join(dir, 'mfe-dev.config.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        upstream: site.url,
        fragments: { header: { src: '/fragments/header', assets: ['/assets/header/', 'https://cdn.example.com/header/'], previews: `${previews.url}/pr-{id}` } },
        serve: { auth: { tokens: [TOKEN] } },
      }),
    );
    serve = await startServe(['--config', file]);
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.allSettled([serve?.stop(), site?.close(), previews?.close()]);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("loads the header's script and files from the preview build", async () => {
    const context = await browser.newContext();
    try {
      const tab = await context.newPage();
      const requested: string[] = [];
      const failed: string[] = [];
      tab.on('request', (r) => requested.push(r.url()));
      tab.on('requestfailed', (r) => failed.push(r.url()));
      const next = '/checkout?mfe-dev=header=preview:482';
      await tab.goto(`${serve.url}/__mfe-dev/login?token=${TOKEN}&next=${encodeURIComponent(next)}`);
      await tab.waitForFunction(() => document.documentElement.dataset.headerApp === 'pr-482' && document.documentElement.dataset.headerExtra === 'pr-482', undefined, { timeout: 20_000 });
      expect(await tab.textContent('#header')).toContain('PR482-HEADER');
      expect(requested).toContain(`${serve.url}/__mfe-dev/preview/header/482/header/v2/app.js`);
      expect(requested).toContain(`${serve.url}/assets/header/extra.js`);
      expect(requested.some((url) => url.startsWith('https://cdn.example.com'))).toBe(false);
      expect(failed.filter((url) => url.includes('header'))).toEqual([]);
      expect(previews.requests.map((r) => r.path)).toEqual(expect.arrayContaining(['/pr-482/fragments/header', '/pr-482/header/v2/app.js', '/pr-482/assets/header/extra.js']));
      // Production was asked for the page only: none of the header's files.
      expect(site.requests.filter((r) => r.path.includes('/header/'))).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
