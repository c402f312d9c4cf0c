import { afterEach, describe, expect, it } from 'vitest';
import { startSite, type FakeSite } from '../../fixtures/site.js';
import { startGateway } from '../../helpers/gateway.js';
import { request } from '../../helpers/servers.js';

describe('Tailor fragments through the gateway', () => {
  let site: FakeSite | undefined;
  let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
  afterEach(async () => {
    await Promise.allSettled([gateway?.close(), site?.close()]);
    gateway = site = undefined;
  });

  it("get Tailor's headers, never the browser's cookies, but an active preset's cookies and headers", async () => {
    site = await startSite({ '/checkout': '<fragment src="/cart"></fragment><esi:include src="/esi"/>', '/cart': 'CART', '/esi': 'ESI' });
    gateway = await startGateway({
      upstream: site.url,
      overlay: false,
      presets: { toggle: { cookies: { toguru: 'new-checkout=true' }, headers: { 'x-toguru': 'on' } } },
    });
    const response = await request(gateway.url + '/checkout?x=1&mfe-dev-preset=toggle', { headers: { cookie: 'session=secret', 'user-agent': 'UA' } });
    expect(response.text).toBe('CARTESI');
    const cart = site.requests.find((r) => r.path === '/cart')!;
    expect(cart.headers.cookie).toBe('toguru=new-checkout=true');
    expect(cart.headers['x-toguru']).toBe('on');
    expect(cart.headers['user-agent']).toBe('UA');
    expect(cart.headers['x-request-uri']).toBe('/checkout?x=1');
    expect(cart.headers['x-request-host']).toBe(new URL(site.url).host);
    // An ESI include on the same page gets what an ESI edge forwards: the browser's cookies too.
    const esi = site.requests.find((r) => r.path === '/esi')!;
    expect(esi.headers.cookie).toBe('session=secret; toguru=new-checkout=true');
    expect(esi.headers['x-request-uri']).toBeUndefined();
  });

  it('a primary <script type="fragment"> gives the page its status (a 404 is content for Tailor)', async () => {
    site = await startSite({ '/': '<html><head><script type="fragment" src="/p" primary></script></head><body>x</body></html>', '/p': { body: 'gone', status: 404 } });
    gateway = await startGateway({ upstream: site.url, overlay: false });
    const response = await request(gateway.url + '/');
    expect(response.status).toBe(404);
    expect(response.text).toBe('<html><head>gone</head><body>x</body></html>');
  });

  it("a primary fragment's Set-Cookie and Location become the page's, made to work on the gateway like production's own", async () => {
    site = await startSite({ '/': '<html><head><fragment src="/login" primary></fragment></head><body>x</body></html>' });
    const upstream = site.url;
    // The fragment redirects to production's absolute URL and sets a cookie for production's domain.
    site.routes.set('/login', {
      body: 'redirecting',
      status: 302,
      headers: { location: `${upstream}/account`, 'set-cookie': 'sid=abc; Domain=.shop.example; Path=/; HttpOnly' },
    });
    gateway = await startGateway({ upstream, overlay: false });
    const response = await request(gateway.url + '/');
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe(`${gateway.url}/account`);
    // Domain would make the browser refuse the cookie on localhost: dropped, as for the page's own cookies.
    expect(response.headers['set-cookie']).toEqual(['sid=abc; Path=/; HttpOnly']);
  });
});
