/**
 * The example servers are the fixtures of every end-to-end test and the first thing new users
 * run: they have to behave like the production site and fragment service they stand for.
 */
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startHeaderService } from '../../examples/header-service/server.js';
import { startShop } from '../../examples/shop/server.js';
import { request } from '../helpers/servers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function shop() {
  const server = await startShop();
  cleanups.push(server.close);
  return server;
}

async function headerService() {
  const server = await startHeaderService();
  cleanups.push(server.close);
  return server;
}

describe('the shop (simulated production)', () => {
  it('listens on the port it reports', async () => {
    const { url, port } = await shop();
    expect(url).toBe(`http://127.0.0.1:${port}`);
    expect(port).toBeGreaterThan(0);
  });

  it.each([
    ['/', ['<!--#include virtual="/fragments/header" -->', '<!--#include virtual="/fragments/search" -->', '<!--#include virtual="/fragments/footer" -->']],
    ['/products/tent-2p', ['<esi:include src="/fragments/header"/>', '<esi:include src="/fragments/cart?sku=tent-2p" alt="/fragments/cart-fallback" onerror="continue"/>', '<esi:remove>', '<!--esi ']],
    ['/checkout', ['<fragment src="/fragments/header"></fragment>', '<fragment src="/fragments/cart" primary></fragment>']],
  ])('%s is a full HTML page with its include markers and security headers', async (path, markers) => {
    const { url } = await shop();
    const res = await request(url + path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.text).toMatch(/^<!doctype html>/);
    expect(res.text).toContain('<link rel="stylesheet" href="/assets/site.css">');
    for (const marker of markers) expect(res.text).toContain(marker);
  });

  it('serves /about already composed: the header inline, no markers', async () => {
    const { url } = await shop();
    const about = await request(`${url}/about`, { headers: { cookie: 'session=Ingrid' } });
    const header = await request(`${url}/fragments/header`, { headers: { cookie: 'session=Ingrid' } });
    expect(header.text).toMatch(/^<header data-fragment="header"/);
    expect(about.text).toContain(header.text);
    expect(about.text).not.toMatch(/<!--#include|<esi:|<fragment /);
  });

  it('greets the user from the session cookie in the header fragment', async () => {
    const { url } = await shop();
    expect((await request(`${url}/fragments/header`)).text).toContain('Sign in');
    const signedIn = await request(`${url}/fragments/header`, { headers: { cookie: 'a=1; session=Ingrid%20S' } });
    expect(signedIn.text).toContain('Hi, <span data-user>Ingrid S</span>');
  });

  it('serves every fragment; the cart reads ?sku and 404s an unknown one', async () => {
    const { url } = await shop();
    for (const name of ['header', 'search', 'cart', 'cart-fallback', 'footer']) {
      expect((await request(`${url}/fragments/${name}`)).status, name).toBe(200);
    }
    expect((await request(`${url}/fragments/cart?sku=tent-2p`)).text).toContain('data-sku="tent-2p"');
    expect((await request(`${url}/fragments/cart?sku=nope`)).status).toBe(404);
    expect((await request(`${url}/fragments/broken`)).status).toBe(503);
  });

  it('serves a valid PNG logo as binary', async () => {
    const { url } = await shop();
    const res = await request(`${url}/assets/logo.png`);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.body.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(res.body.subarray(12, 16).toString('latin1')).toBe('IHDR');
    expect(res.body.subarray(-8, -4).toString('latin1')).toBe('IEND');
    expect(Number(res.headers['content-length'])).toBe(res.body.length);
  });

  it('serves the other assets with their content types', async () => {
    const { url } = await shop();
    expect((await request(`${url}/assets/site.css`)).headers['content-type']).toBe('text/css; charset=utf-8');
    const script = await request(`${url}/assets/header/header.js`);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.text).toContain("dataset.hydrated = 'prod'");
  });

  it('gzips /search when the request accepts it, and only then', async () => {
    const { url } = await shop();
    const zipped = await request(`${url}/search?q=tent`, { headers: { 'accept-encoding': 'gzip, deflate' } });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    const page = gunzipSync(zipped.body).toString('utf8');
    expect(page).toContain('<!--#include virtual="/fragments/header" -->');
    expect(page).toContain('Fjellstue 2P Tent');

    const plain = await request(`${url}/search?q=tent`);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.text).toBe(page);
  });

  it('logs in: cookie on the production domain, absolute redirect to its own origin', async () => {
    const { url } = await shop();
    const res = await request(`${url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'user=Ingrid',
    });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`${url}/account`);
    expect(res.headers['set-cookie']).toEqual([
      'session=Ingrid; Domain=.nordwind.example; Path=/; Secure; HttpOnly; SameSite=None',
    ]);
    const account = await request(`${url}/account`, { headers: { cookie: 'session=Ingrid' } });
    expect(account.text).toContain('Signed in as <strong data-user>Ingrid</strong>');

    const logout = await request(`${url}/logout`, { headers: { cookie: 'session=Ingrid' } });
    expect(logout.status).toBe(302);
    expect(logout.headers['set-cookie']?.[0]).toMatch(/^session=; .*Max-Age=0/);
  });

  it('streams /api/stream in chunks over time', async () => {
    const { url } = await shop();
    const started = Date.now();
    const res = await request(`${url}/api/stream`);
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.text).toBe([1, 2, 3, 4, 5].map((n) => `line ${n} of 5\n`).join(''));
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  });

  it('echoes websocket messages on /live', async () => {
    const { url } = await shop();
    const socket = new WebSocket(`${url.replace('http', 'ws')}/live`);
    cleanups.push(async () => socket.terminate());
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const echoed = new Promise<string>((resolve) => socket.once('message', (data) => resolve(String(data))));
    socket.send('hello from the test');
    expect(await echoed).toBe('hello from the test');
  });

  it('answers unknown paths with a 404 page that still has its header', async () => {
    const { url } = await shop();
    const res = await request(`${url}/no/such/page`);
    expect(res.status).toBe(404);
    expect(res.text).toContain('<!--#include virtual="/fragments/header" -->');
  });

  it('shows the new checkout only with the toguru toggle cookie', async () => {
    const { url } = await shop();
    expect((await request(`${url}/checkout`)).text).not.toContain('data-toggle="new-checkout"');
    const toggled = await request(`${url}/checkout`, { headers: { cookie: 'toguru=new-checkout=true' } });
    expect(toggled.text).toContain('data-toggle="new-checkout"');
  });
});

describe('the header service (the local fragment)', () => {
  it('serves the redesigned header, greeting the user and echoing path and query', async () => {
    const { url } = await headerService();
    const res = await request(`${url}/fragments/header?lang=de&x=1`, { headers: { cookie: 'session=Ingrid' } });
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/^<header data-fragment="header" class="header--redesign"/);
    expect(res.text).toContain('LOCAL header from your machine');
    expect(res.text).toContain('data-query="lang=de&#38;x=1"');
    expect(res.text).toContain('data-path="/fragments/header"');
    expect(res.text).toContain('Welcome back, <span data-user>Ingrid</span>');
  });

  it('shows feature toggles it receives, from a cookie or a header', async () => {
    const { url } = await headerService();
    const byCookie = await request(`${url}/fragments/header`, { headers: { cookie: 'toguru=new-checkout%3Dtrue' } });
    expect(byCookie.text).toContain('data-toguru="new-checkout=true"');
    const byHeader = await request(`${url}/fragments/header`, { headers: { 'x-toguru': 'new-checkout=true' } });
    expect(byHeader.text).toContain('data-toguru="new-checkout=true"');
  });

  it('serves its assets and 404s the rest', async () => {
    const { url } = await headerService();
    // Vite serves them under its base, /assets/header/.
    const script = await request(`${url}/assets/header/src/header.js`);
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    expect(script.text).toContain("dataset.hydrated = 'local'");
    const styles = await request(`${url}/assets/header/src/header.css`, { headers: { accept: 'text/css' } });
    expect(styles.headers['content-type']).toMatch(/^text\/css/);
    expect(styles.text).toContain('.header--redesign');
    expect((await request(`${url}/fragments/footer`)).status).toBe(404);
  });
});
