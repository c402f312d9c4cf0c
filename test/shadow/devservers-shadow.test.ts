/**
 * Shadow mode against real dev servers (issue 20, items 3–5), with fragments that carry what real
 * ones carry (a CSRF token and a render time, different on every request):
 * - a Vite fragment and a webpack-dev-server fragment are "identical" to production's build with
 *   no tuning (Vite's client script, dev asset URLs against hashed build files, the dev server's
 *   `cache-control: no-store` are not differences), until the developer changes something;
 * - production's random render time is learned as noise on the first comparison, even when its
 *   first two answers happen to agree;
 * - a difference on a page whose request carried cookies says that the local service got none.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCartService } from '../../examples/cart-webpack/server.js';
import { startHeaderService } from '../../examples/header-service/server.js';
import type { FragmentConfig } from '../../src/config/types.js';
import type { ShadowReportJson } from '../../src/shadow/stats.js';
import { copyExample, type ProjectCopy } from '../helpers/devservers.js';
import { startGateway } from '../helpers/gateway.js';
import { listen, request } from '../helpers/servers.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const token = () => Math.random().toString(36).slice(2);

/** Production: a page including the fragment, and the fragment as its build renders it. */
async function production(fragmentPath: string, renderFragment: (req: { cookie?: string }) => string) {
  const requests: string[] = [];
  const server = await listen((req, res) => {
    requests.push(req.url ?? '');
    if (req.url?.startsWith(fragmentPath)) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'public, max-age=300' });
      return void res.end(renderFragment({ cookie: req.headers.cookie }));
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!DOCTYPE html><html><body><main>shop</main><!--#include virtual="${fragmentPath}" --></body></html>`);
  });
  cleanups.push(() => server.close());
  return { url: server.url, requests };
}

async function shadowGateway(upstream: string, name: string, fragment: FragmentConfig) {
  const gateway = await startGateway({ upstream, fragments: { [name]: fragment }, shadow: [name] });
  cleanups.push(() => gateway.close());
  return gateway;
}

async function loadPages(gatewayUrl: string, count: number, headers: Record<string, string> = {}): Promise<void> {
  for (let i = 0; i < count; i++) expect((await request(`${gatewayUrl}/`, { headers, timeout: 20_000 })).status).toBe(200);
}

async function figures(gateway: Awaited<ReturnType<typeof shadowGateway>>): Promise<ShadowReportJson> {
  await gateway.shadow.idle();
  return JSON.parse((await request(`${gateway.url}/__mfe-dev/api/shadow`)).text) as ShadowReportJson;
}

function copy(name: string): ProjectCopy {
  const project = copyExample(name);
  cleanups.push(() => project.remove());
  return project;
}

describe('shadowing a fragment served by a real dev server (issue 20, item 3)', { timeout: 90_000 }, () => {
  it("Vite: identical to production's build with no tuning, then a real change (Deals → Offers) is reported", async () => {
    const project = copy('header-service');
    project.edit('header.html', '<a href="/about">Our story</a>', '<a href="/about">Our story</a> <a href="/deals">Deals</a>');
    project.edit('header.html', '<p class="header__banner">', '<input type="hidden" name="csrf" value="%CSRF%">\n  <p class="header__banner">');
    project.edit('header.html', '<p class="header__build" data-build-note></p>', '<p class="header__build" data-build-note></p>\n  <small>rendered in %RENDER_MS% ms</small>');
    // What production's build serves: the same template, its files hashed, Vite's client absent.
    const template = fs.readFileSync(path.join(project.root, 'header.html'), 'utf8');
    const prod = await production('/fragments/header', () =>
      template
        .replace('%ATTRIBUTES%', 'data-path="/fragments/header" data-query=""')
        .replace('%ACCOUNT%', '<a href="/login">Sign in</a>')
        .replace('%CSRF%', token())
        .replace('%RENDER_MS%', (Math.random() * 20).toFixed(1))
        .replace('href="/src/header.css"', 'href="/assets/header/header-Bx81cQ2d.css"')
        .replace('src="/src/header.js"', 'src="/assets/header/header.3f2a91.js"'),
    );
    const vite = await startHeaderService({ root: project.root });
    cleanups.push(() => vite.close());
    const gateway = await shadowGateway(prod.url, 'header', { src: '/fragments/header', local: vite.url, assets: ['/assets/header/'] });

    await loadPages(gateway.url, 4);
    let report = await figures(gateway);
    expect(report.recent).toEqual([]);
    expect(report.fragments[0]).toMatchObject({ compared: 4, identical: 4, different: 0, failed: 0 });

    project.edit('header.html', '<a href="/deals">Deals</a>', '<a href="/deals">Offers</a>');
    await loadPages(gateway.url, 1);
    report = await figures(gateway);
    expect(report.fragments[0]).toMatchObject({ compared: 5, identical: 4, different: 1 });
    expect(JSON.stringify(report.recent[0].diff)).toContain('Offers');
    expect(report.recent[0].fields).toEqual([]);
  });

  it("webpack-dev-server: identical to production's build (cart.js against cart.8c2d4e71.js, no-store), then a real change is reported", async () => {
    const project = copy('cart-webpack');
    const template = fs.readFileSync(path.join(project.root, 'cart.html'), 'utf8');
    const prod = await production('/fragments/cart', () =>
      template.replace('%PATH%', '/fragments/cart').replace('src="/assets/cart/cart.js"', 'src="/assets/cart/cart.8c2d4e71.js"'),
    );
    const cart = await startCartService({ root: project.root });
    cleanups.push(() => cart.close());
    const gateway = await shadowGateway(prod.url, 'cart', { src: '/fragments/cart', local: cart.url, assets: ['/assets/cart/'] });

    await loadPages(gateway.url, 3);
    let report = await figures(gateway);
    expect(report.recent).toEqual([]);
    expect(report.fragments[0]).toMatchObject({ compared: 3, identical: 3, different: 0 });

    project.edit('cart.html', 'Your cart (LOCAL, webpack)', 'Your basket (LOCAL, webpack)');
    await loadPages(gateway.url, 1);
    report = await figures(gateway);
    expect(report.fragments[0]).toMatchObject({ different: 1 });
    expect(JSON.stringify(report.recent[0].diff)).toContain('Your basket');
  });

  it('`compare.ignore.headers` leaves a header out; without it a real header difference is reported', async () => {
    const prod = await production('/fragments/box', () => '<div class="box">same</div>');
    const local = await listen((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'public, max-age=60' }).end('<div class="box">same</div>'));
    cleanups.push(() => local.close());
    let gateway = await shadowGateway(prod.url, 'box', { src: '/fragments/box', local: local.url });
    await loadPages(gateway.url, 1);
    expect((await figures(gateway)).recent[0].fields).toEqual([{ field: 'header:cache-control', prod: 'max-age=300, public', local: 'max-age=60, public' }]);
    await gateway.close();
    gateway = await shadowGateway(prod.url, 'box', { src: '/fragments/box', local: local.url, compare: { ignore: { headers: ['Cache-Control'] } } });
    await loadPages(gateway.url, 1);
    expect((await figures(gateway)).fragments[0]).toMatchObject({ identical: 1, different: 0 });
  });
});

describe("production's random render time on the first comparison (issue 20, item 4)", () => {
  it('is learned as noise even when production happens to answer the same time twice', async () => {
    // Production's first two answers agree ("rendered in 3 ms"), later ones do not: one pair of
    // answers cannot see the noise, which is why 1 run in 5 reported it as a difference.
    let answered = 0;
    const times = [3, 3, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    const prod = await production('/fragments/footer', () => `<footer><p>Nordwind</p><small>rendered in ${times[answered++ % times.length]} ms</small></footer>`);
    const local = await listen((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'public, max-age=300' }).end('<footer><p>Nordwind</p><small>rendered in 12 ms</small></footer>'));
    cleanups.push(() => local.close());
    const gateway = await shadowGateway(prod.url, 'footer', { src: '/fragments/footer', local: local.url });
    // The page's own request and the comparison's two are production's first three answers.
    await loadPages(gateway.url, 1);
    const report = await figures(gateway);
    expect(report.recent).toEqual([]);
    expect(report.fragments[0]).toMatchObject({ compared: 1, identical: 1, different: 0 });
  });
});

describe('a difference on a page whose request carried cookies (issue 20, item 5)', () => {
  const greeting = (cookie: string | undefined) => {
    const user = /(?:^|;\s*)session=([^;]+)/.exec(cookie ?? '')?.[1];
    return `<div class="account">${user ? `Hello, ${user}` : 'Sign in'}</div>`;
  };

  it('says that shadow requests send no cookies to the local service, naming `compare.cookies`; not when they are sent', async () => {
    const prod = await production('/fragments/account', ({ cookie }) => greeting(cookie));
    const local = await listen((req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'public, max-age=300' }).end(greeting(req.headers.cookie)));
    cleanups.push(() => local.close());
    let gateway = await shadowGateway(prod.url, 'account', { src: '/fragments/account', local: local.url });
    await loadPages(gateway.url, 1, { cookie: 'session=alice' });
    const [difference] = (await figures(gateway)).recent;
    expect(difference.outcome).toBe('different');
    expect(difference.hint).toContain('compare.cookies');
    const html = (await request(`${gateway.url}/__mfe-dev/shadow-report.html`)).text;
    expect(html).toMatch(/data-shadow-hint>Note: the local service was asked without the browser&#39;s cookies/);
    await gateway.close();

    gateway = await shadowGateway(prod.url, 'account', { src: '/fragments/account', local: local.url, compare: { cookies: true } });
    await loadPages(gateway.url, 1, { cookie: 'session=alice' });
    expect((await figures(gateway)).fragments[0]).toMatchObject({ identical: 1, different: 0 });
  });
});
