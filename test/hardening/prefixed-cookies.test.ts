/**
 * `__Host-` and `__Secure-` cookies through the plain-http gateway, in real Chromium (issue 8
 * item 12). Chromium treats http://127.0.0.1 and http://localhost as secure contexts and accepts
 * `Secure` cookies there, so the gateway keeps `Secure` on loopback names: a site that keeps its
 * session in `__Host-sid` stays signed in across navigation.
 */
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../helpers/gateway.js';
import { listen, request, type TestServer } from '../helpers/servers.js';

const CHROMIUM = '/usr/bin/chromium';
const runBrowserTests = fs.existsSync(CHROMIUM) || Boolean(process.env.CI);

let browser: Browser;
let site: TestServer;
let gateway: Awaited<ReturnType<typeof startGateway>>;

/** A production site that signs in with `__Host-sid` and remembers a `__Secure-` preference. */
function signInSite(): Promise<TestServer> {
  return listen((req, res) => {
    const cookies = req.headers.cookie ?? '';
    const signedIn = /(?:^|;\s*)__Host-sid=s3ss10n(?:;|$)/.test(cookies);
    const html = (body: string) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><html><body>${body}</body></html>`);
    switch (req.url) {
      case '/login':
        res.writeHead(303, {
          location: '/account',
          'set-cookie': ['__Host-sid=s3ss10n; Path=/; Secure; HttpOnly; SameSite=Lax', '__Secure-theme=dark; Path=/; Secure; SameSite=None', 'plain=1; Path=/; Secure'],
        });
        return void res.end();
      case '/account':
        if (!signedIn) return void res.writeHead(302, { location: '/signed-out' }).end();
        return void html(`<h1 id="who">signed in</h1><p id="theme">${/__Secure-theme=dark/.test(cookies) ? 'dark' : 'none'}</p><a id="next" href="/orders">orders</a>`);
      case '/orders':
        return void html(`<h1 id="who">${signedIn ? 'signed in' : 'signed out'}</h1>`);
      default:
        return void html('<h1 id="who">signed out</h1>');
    }
  });
}

beforeAll(async () => {
  if (!runBrowserTests) return;
  site = await signInSite();
  gateway = await startGateway({ upstream: site.url });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([gateway?.close(), site?.close()]);
});

describe.skipIf(!runBrowserTests)('prefixed cookies on the plain-http gateway', () => {
  for (const host of ['127.0.0.1', 'localhost']) {
    it(`a site that signs in with __Host-sid stays signed in across navigation (http://${host})`, async () => {
      const context = await browser.newContext();
      try {
        const tab = await context.newPage();
        const base = gateway.url.replace('127.0.0.1', host);
        await tab.goto(`${base}/login`);
        expect(new URL(tab.url()).pathname).toBe('/account');
        expect(await tab.textContent('#who')).toBe('signed in');
        expect(await tab.textContent('#theme')).toBe('dark');
        await tab.click('#next');
        await tab.waitForURL(/\/orders$/);
        expect(await tab.textContent('#who')).toBe('signed in');
        const stored = await context.cookies(base);
        const sid = stored.find((c) => c.name === '__Host-sid');
        expect(sid).toMatchObject({ secure: true, httpOnly: true, path: '/' });
      } finally {
        await context.close();
      }
    });
  }

  it('the header keeps Secure (and SameSite=None) for loopback gateways, drops Domain', async () => {
    const response = await request(`${gateway.url}/login`);
    expect(response.headers['set-cookie']).toEqual([
      '__Host-sid=s3ss10n; Path=/; Secure; HttpOnly; SameSite=Lax',
      '__Secure-theme=dark; Path=/; Secure; SameSite=None',
      'plain=1; Path=/; Secure',
    ]);
  });
});
