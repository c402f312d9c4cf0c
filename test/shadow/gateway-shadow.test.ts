import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FragmentConfig } from '../../src/config/types.js';
import type { ShadowReportJson } from '../../src/shadow/stats.js';
import { startGateway } from '../helpers/gateway.js';
import { closedPort, request } from '../helpers/servers.js';
import { startShadowSite, type ShadowSite } from './shadow-site.js';

/**
 * Shadow mode through the gateway, as a developer uses it: a page with the header shadowed is
 * served with production's header while the local service is asked the same thing in the
 * background; `/__mfe-dev/api/shadow` and the exported report carry the figures.
 */
let site: ShadowSite;
let gateway: Awaited<ReturnType<typeof startGateway>>;

beforeEach(async () => {
  site = await startShadowSite();
});
afterEach(async () => {
  await gateway?.close();
  await site.close();
});

async function start(header: Partial<FragmentConfig> = {}) {
  gateway = await startGateway({
    upstream: site.prod.url,
    fragments: { header: { src: '/fragments/header', selector: 'header.site-header', local: site.local.url, ...header } },
    shadow: ['header'],
  });
  return gateway;
}

async function figures(): Promise<ShadowReportJson> {
  await gateway.shadow.idle();
  const response = await request(`${gateway.url}/__mfe-dev/api/shadow`);
  expect(response.status).toBe(200);
  expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  return JSON.parse(response.text) as ShadowReportJson;
}

const browser = { 'accept-language': 'fr-CH', 'user-agent': 'Browser/1.0', cookie: 'session=prod-secret', accept: 'text/html' };

describe('shadow mode through the gateway', () => {
  it("serves production's fragment while the local service gets the same path, query and forwarded headers, without cookies", async () => {
    await start();
    const page = await request(`${gateway.url}/products/tent?colour=red`, { headers: browser });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<a href="/shop?colour=red">Shop</a>');
    const prodTokens = [...page.text.matchAll(/name="csrf" value="([^"]+)"/g)].map((m) => m[1]);
    expect(prodTokens).toHaveLength(1);

    const report = await figures();
    expect(report.fragments).toEqual([expect.objectContaining({ name: 'header', compared: 1, identical: 1, different: 0, failed: 0, skipped: 0 })]);
    expect(site.localRequests.map((r) => r.url)).toEqual(['/fragments/header?colour=red']);
    const [{ headers }] = site.localRequests;
    expect(headers).toMatchObject({ 'accept-language': 'fr-CH', 'user-agent': 'Browser/1.0', 'x-forwarded-host': new URL(gateway.url).host, 'x-forwarded-proto': 'http' });
    expect(headers.cookie).toBeUndefined();
    // Production got its fragment request with the browser's cookie, for the page and twice for the comparison.
    expect(site.prodFragmentRequests).toHaveLength(3);
    for (const r of site.prodFragmentRequests) expect(r.headers.cookie).toBe('session=prod-secret');
  });

  it('sends the cookies to the local service when the config says so', async () => {
    await start({ compare: { cookies: true } });
    await request(`${gateway.url}/`, { headers: browser });
    await gateway.shadow.idle();
    expect(site.localRequests[0].headers.cookie).toBe('session=prod-secret');
  });

  it('counts noise-only differences (token and time change on every answer) as identical, on SSI and pre-composed pages', async () => {
    await start();
    for (const path of ['/', '/products/a', '/about', '/about?x=1']) expect((await request(`${gateway.url}${path}`)).status).toBe(200);
    const [header] = (await figures()).fragments;
    expect(header).toMatchObject({ compared: 4, identical: 4, different: 0, failed: 0 });
    expect(header.noise).toBeGreaterThan(0);
    expect(header.latency.prod.samples).toBe(4);
    expect(header.latency.local.samples).toBe(4);
  });

  it('shows a real change with its diff on the API, the dev page and the exported report', async () => {
    await start();
    site.localBehaviour.change = true;
    const page = await request(`${gateway.url}/products/tent`);
    expect(page.text).toContain('>Shop</a>');
    expect(page.text).not.toContain('Store');
    const report = await figures();
    expect(report.fragments[0]).toMatchObject({ compared: 1, identical: 0, different: 1 });
    expect(report.recent).toEqual([
      expect.objectContaining({
        fragment: 'header',
        outcome: 'different',
        page: '/products/tent',
        diff: { hunks: [expect.objectContaining({ path: 'header.site-header > nav.main > a:nth-of-type(2)', prod: ['      "Shop"'], local: ['      "Store"'] })], omitted: 0 },
      }),
    ]);
    const decode = (html: string) => html.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)));
    const devPage = decode((await request(`${gateway.url}/__mfe-dev/`)).text);
    expect(devPage).toContain('header.site-header > nav.main > a:nth-of-type(2)');
    expect(devPage).toContain('href="/__mfe-dev/shadow-report.html"');
    const exported = await request(`${gateway.url}/__mfe-dev/shadow-report.html`);
    expect(exported.status).toBe(200);
    expect(exported.headers['content-disposition']).toMatch(/^attachment; filename="mfe-dev-shadow-report-.*\.html"$/);
    expect(decode(exported.text)).toContain('<td class="ins">      "<ins>Store</ins>"</td>');
    const json = await request(`${gateway.url}/__mfe-dev/api/shadow?download`);
    expect(json.headers['content-disposition']).toMatch(/^attachment; filename="mfe-dev-shadow-report-.*\.json"$/);
    expect((JSON.parse(json.text) as ShadowReportJson).fragments[0].different).toBe(1);
  });

  it('applies the user ignores from the config', async () => {
    await start({ compare: { ignore: { selectors: ['nav'] } } });
    site.localBehaviour.change = true;
    await request(`${gateway.url}/`);
    expect((await figures()).fragments[0]).toMatchObject({ compared: 1, identical: 1 });
  });

  it('takes an edit of the ignores in the config file without a restart', async () => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-shadow-reload-')));
    try {
      const file = path.join(dir, 'mfe-dev.config.json');
      const config = (ignore: object) => JSON.stringify({ upstream: site.prod.url, fragments: { header: { src: '/fragments/header', local: site.local.url, compare: { ignore } } }, shadow: ['header'] });
      fs.writeFileSync(file, config({}));
      gateway = await startGateway({ configFile: file, watch: true });
      site.localBehaviour.change = true;
      await request(`${gateway.url}/`);
      expect((await figures()).fragments[0]).toMatchObject({ identical: 0, different: 1 });
      fs.writeFileSync(file, config({ selectors: ['nav'] }));
      await expect.poll(() => gateway.config.fragments.get('header')?.compare?.ignore.selectors, { timeout: 10_000 }).toEqual(['nav']);
      await request(`${gateway.url}/`);
      // The figures survive the reload; the new comparison uses the new ignores.
      expect((await figures()).fragments[0]).toMatchObject({ compared: 2, identical: 1, different: 1 });
    } finally {
      await gateway.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('holds the in-flight bound under a burst, skipping and counting the excess', async () => {
    await start({ compare: { maxInFlight: 2 } });
    site.localBehaviour.delayMs = 400;
    const pages = await Promise.all(Array.from({ length: 12 }, (_, i) => request(`${gateway.url}/products/p${i}`)));
    for (const page of pages) expect(page.text).toContain('>Shop</a>');
    const [header] = (await figures()).fragments;
    expect(header.compared + header.skipped).toBe(12);
    expect(header.skippedBy['in-flight']).toBe(header.skipped);
    expect(header.skipped).toBeGreaterThanOrEqual(10 - 2);
    expect(site.localRequests.length).toBe(header.compared);
  });

  it('neither delays nor breaks the page when the local service hangs or is down', async () => {
    // A local service that never answers, with a fragment timeout far beyond the client's patience:
    // if the page waited for the shadow request, this request would time out.
    await start({ timeout: 60_000 });
    site.localBehaviour.delayMs = 120_000;
    const hung = await request(`${gateway.url}/products/tent`, { timeout: 5000 });
    expect(hung.status).toBe(200);
    expect(hung.text).toContain('>Shop</a>');
    expect(hung.text).not.toContain('data-mfe-dev-error');
    await gateway.close();

    gateway = await startGateway({
      upstream: site.prod.url,
      fragments: { header: { src: '/fragments/header', local: `http://127.0.0.1:${await closedPort()}` } },
      shadow: ['header'],
    });
    const down = await request(`${gateway.url}/products/tent`);
    expect(down.status).toBe(200);
    expect(down.text).toContain('>Shop</a>');
    expect(down.text).not.toContain('data-mfe-dev-error');
    const report = await figures();
    expect(report.fragments[0]).toMatchObject({ compared: 1, failed: 1 });
    expect(report.recent[0].error).toBe('the local service gave no answer: connection refused (is the service running?)');
  });

  it('does not shadow unsafe methods', async () => {
    await start();
    await request(`${gateway.url}/products/tent`, { method: 'POST', body: 'x=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const [header] = (await figures()).fragments;
    expect(header).toMatchObject({ compared: 0, skipped: 1, skippedBy: { method: 1, 'in-flight': 0 } });
    expect(site.localRequests).toEqual([]);
  });
});
