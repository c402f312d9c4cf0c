import http from 'node:http';
import path from 'node:path';
import { WebSocketServer, WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import type { InlineConfig } from '../../src/config/types.js';
import { FIXTURES } from '../config/helpers.js';
import { page, startSite, type FakeSite } from '../fixtures/site.js';
import { startGateway } from '../helpers/gateway.js';
import { request } from '../helpers/servers.js';

type Gateway = Awaited<ReturnType<typeof startGateway>>;

/**
 * Overrides end to end: a browser (or one request) picks modes and presets, and the gateway
 * serves the page accordingly. Production never sees mfe-dev's parameters or cookies.
 */
describe('overrides through the gateway', () => {
  let site: FakeSite;
  let local: FakeSite;
  let gateway: Gateway;
  const servers: Array<{ close(): Promise<void> }> = [];

  afterEach(async () => {
    await Promise.allSettled([gateway?.close(), site?.close(), local?.close(), ...servers.splice(0).map((s) => s.close())]);
  });

  const pageBody = '<!--#include virtual="/fragments/header" -->|<!--#include virtual="/fragments/footer" -->';

  async function setup(extra: Partial<InlineConfig> = {}, pageHtml = page('Home', pageBody)) {
    site = await startSite({
      '/': pageHtml,
      '/fragments/header': 'PROD-HEADER',
      '/fragments/footer': 'PROD-FOOTER',
      '/fragments/cart': 'PROD-CART',
    });
    local = await startSite({
      '/fragments/header': 'LOCAL-HEADER',
      '/fragments/footer': 'LOCAL-FOOTER',
      '/fragments/cart': 'LOCAL-CART',
      '/assets/header/app.js': { body: 'console.log("local header")', type: 'text/javascript' },
      '/header/v2/app.js': { body: 'console.log("local cdn header")', type: 'text/javascript' },
    });
    gateway = await startGateway({
      upstream: site.url,
      overlay: false,
      fragments: {
        header: { src: '/fragments/header', local: local.url, assets: ['/assets/header/', 'https://cdn.example.com/header/'] },
        footer: { src: '/fragments/footer', local: local.url },
        cart: { src: '/fragments/cart', local: local.url },
        nav: { src: '/fragments/nav' },
      },
      presets: {
        checkout: {
          description: 'Cart from localhost with the new checkout toggle',
          local: ['cart', 'footer'],
          headers: { 'x-toguru': 'new-checkout=true' },
          cookies: { toguru: 'new-checkout=true' },
        },
        'footer-prod': { prod: ['footer'] },
      },
      ...extra,
    });
  }

  const content = (html: string) => html.split('<body>\n')[1].split('\n</body>')[0];

  it('a query parameter switches modes, sets a sticky cookie, and never reaches production', async () => {
    await setup();
    const first = await request(`${gateway.url}/?a=1&mfe-dev=header%3Dlocal&b=%20x`);
    expect(content(first.text)).toBe('LOCAL-HEADER|PROD-FOOTER');
    const setCookie = first.headers['set-cookie']!.find((c) => c.startsWith('mfe-dev='))!;
    expect(setCookie).toMatch(/^mfe-dev=header%3Dlocal; Path=\/; SameSite=Lax$/);
    expect(site.requests[0].path).toBe('/?a=1&b=%20x');
    expect(site.requests.every((r) => !r.path.includes('mfe-dev'))).toBe(true);

    // The cookie keeps the choice for this browser; production never gets the cookie.
    const again = await request(`${gateway.url}/`, { headers: { cookie: 'session=1; mfe-dev=header%3Dlocal' } });
    expect(content(again.text)).toBe('LOCAL-HEADER|PROD-FOOTER');
    expect(site.requests.at(-1)!.headers.cookie).toBe('session=1');

    // An empty value clears the cookie, and this very request already resolves without it.
    const cleared = await request(`${gateway.url}/?mfe-dev=`, { headers: { cookie: 'mfe-dev=header%3Dlocal' } });
    expect(content(cleared.text)).toBe('PROD-HEADER|PROD-FOOTER');
    expect(cleared.headers['set-cookie']!.some((c) => /^mfe-dev=; Max-Age=0; Path=\//.test(c))).toBe(true);
  });

  it('precedence is per fragment: a header changes one fragment and leaves the cookie in force for another', async () => {
    await setup({ local: ['header'] });
    const response = await request(`${gateway.url}/`, {
      headers: { cookie: 'mfe-dev=footer%3Dlocal%7Cheader%3Dlocal', 'x-mfe-dev': 'header=prod' },
    });
    expect(content(response.text)).toBe('PROD-HEADER|LOCAL-FOOTER');
    expect(site.requests[0].headers['x-mfe-dev']).toBeUndefined();
  });

  it('query beats header beats cookie beats CLI beats config', async () => {
    await setup({ local: ['header'], cli: { prod: ['header'] } });
    const get = async (url: string, headers: Record<string, string> = {}) => content((await request(gateway.url + url, { headers })).text).split('|')[0];
    expect(await get('/')).toBe('PROD-HEADER'); // CLI over config
    expect(await get('/', { cookie: 'mfe-dev=header=local' })).toBe('LOCAL-HEADER'); // cookie over CLI
    expect(await get('/', { cookie: 'mfe-dev=header=local', 'x-mfe-dev': 'header=prod' })).toBe('PROD-HEADER'); // header over cookie
    expect(await get('/?mfe-dev=header=local', { 'x-mfe-dev': 'header=prod' })).toBe('LOCAL-HEADER'); // query over header
  });

  it('a preset applies its modes, and its headers and cookies reach production and every fragment', async () => {
    await setup();
    const response = await request(`${gateway.url}/?mfe-dev-preset=checkout`, { headers: { cookie: 'session=ada' } });
    expect(content(response.text)).toBe('PROD-HEADER|LOCAL-FOOTER');
    const upstreamPage = site.requests.find((r) => r.path === '/')!;
    expect(upstreamPage.headers['x-toguru']).toBe('new-checkout=true');
    expect(upstreamPage.headers.cookie).toBe('session=ada; toguru=new-checkout=true');
    const header = site.requests.find((r) => r.path === '/fragments/header')!;
    expect(header.headers['x-toguru']).toBe('new-checkout=true');
    expect(header.headers.cookie).toContain('toguru=new-checkout=true');
    const localFooter = local.requests.find((r) => r.path === '/fragments/footer')!;
    expect(localFooter.headers['x-toguru']).toBe('new-checkout=true');
    expect(localFooter.headers.cookie).toContain('toguru=new-checkout=true');
  });

  it('explicit pairs beat presets in the same source, and later presets beat earlier ones', async () => {
    await setup();
    const explicit = await request(`${gateway.url}/?mfe-dev-preset=checkout&mfe-dev=footer=prod`);
    expect(content(explicit.text)).toBe('PROD-HEADER|PROD-FOOTER');
    const ordered = await request(`${gateway.url}/?mfe-dev-preset=checkout,footer-prod`);
    expect(content(ordered.text)).toBe('PROD-HEADER|PROD-FOOTER');
    const reversed = await request(`${gateway.url}/?mfe-dev-preset=footer-prod,checkout`);
    expect(content(reversed.text)).toBe('PROD-HEADER|LOCAL-FOOTER');
  });

  it('unknown names and malformed pairs are ignored with one warning, never an error page', async () => {
    await setup();
    for (let i = 0; i < 3; i++) {
      const response = await request(`${gateway.url}/?mfe-dev=nosuch=local|header|footer=remote&mfe-dev-preset=nope`);
      expect(response.status).toBe(200);
      expect(content(response.text)).toBe('PROD-HEADER|PROD-FOOTER');
    }
    // A request's own text: shown to the browser that sent it, not on every browser's list.
    expect(gateway.logger.recentWarnings()).toEqual([]);
    const state = JSON.parse((await request(`${gateway.url}/__mfe-dev/api/state?mfe-dev=nosuch=local|header|footer=remote&mfe-dev-preset=nope`)).text);
    expect(state.warnings.filter((w: string) => w.includes("'nosuch'"))).toHaveLength(1);
    expect(state.warnings.some((w: string) => w.includes("'nope'"))).toBe(true);
  });

  it('a request can choose modes, never a target: URLs in a mode position are ignored and no request leaves for them', async () => {
    const evil = await startSite({ '/fragments/header': 'EVIL' });
    servers.push(evil);
    await setup();
    const attempts = [
      `header=${evil.url}`,
      `header=//127.0.0.1:${evil.port}`,
      `header=127.0.0.1:${evil.port}`,
      `header=local@127.0.0.1:${evil.port}`,
    ];
    for (const attempt of attempts) {
      const response = await request(`${gateway.url}/?mfe-dev=${encodeURIComponent(attempt)}`, { headers: { 'x-mfe-dev': attempt } });
      expect(response.status).toBe(200);
      expect(content(response.text)).toBe('PROD-HEADER|PROD-FOOTER');
    }
    // The local-asset route only knows configured names.
    const asset = await request(`${gateway.url}/__mfe-dev/local/${encodeURIComponent(evil.url)}/x.js`);
    expect(asset.status).toBe(404);
    expect(evil.requests).toHaveLength(0);
    const state = JSON.parse((await request(`${gateway.url}/__mfe-dev/api/state?mfe-dev=${encodeURIComponent(attempts[0])}`)).text);
    expect(state.warnings.some((w: string) => w.includes('never a URL'))).toBe(true);
  });

  it('client-side fragments: asset paths go to the local service, and CDN URLs in the page are rewritten (attributes and import map)', async () => {
    const html = [
      '<!DOCTYPE html><html><head>',
      '<link rel="modulepreload" href="https://cdn.example.com/header/v2/app.js">',
      '<link rel="stylesheet" href="https://cdn.example.com/footer/app.css">',
      '<script type="importmap">{\n  "imports": { "header": "https://cdn.example.com/header/v2/app.js", "footer": "https://cdn.example.com/footer/app.js" }\n}</script>',
      '</head><body>',
      '<img srcset="https://cdn.example.com/header/a.png 1x, https://cdn.example.com/other/b.png 2x" alt="">',
      '<script src="//cdn.example.com/header/v2/app.js?v=1&amp;x=2"></script>',
      '<p data-src="https://cdn.example.com/header/v2/app.js">not an asset attribute</p>',
      '</body></html>',
    ].join('\n');
    await setup({}, html);
    const prod = await request(`${gateway.url}/`);
    expect(prod.text).toBe(html);

    const response = await request(`${gateway.url}/?mfe-dev=header=local`);
    const expected = html
      .replace('href="https://cdn.example.com/header/v2/app.js"', 'href="/__mfe-dev/local/header/header/v2/app.js"')
      .replace('"header": "https://cdn.example.com/header/v2/app.js"', '"header": "/__mfe-dev/local/header/header/v2/app.js"')
      .replace('srcset="https://cdn.example.com/header/a.png 1x', 'srcset="/__mfe-dev/local/header/header/a.png 1x')
      .replace('src="//cdn.example.com/header/v2/app.js?v=1&amp;x=2"', 'src="/__mfe-dev/local/header/header/v2/app.js?v=1&amp;x=2"');
    expect(response.text).toBe(expected);

    // The page's query set this browser's cookie; the rewritten URLs are served for it (and
    // only while the fragment is local for this browser).
    expect(response.headers['set-cookie']?.join()).toContain('mfe-dev=header%3Dlocal');
    const rewritten = await request(`${gateway.url}/__mfe-dev/local/header/header/v2/app.js`, { headers: { cookie: 'mfe-dev=header%3Dlocal' } });
    expect(rewritten.text).toBe('console.log("local cdn header")');
    expect((await request(`${gateway.url}/__mfe-dev/local/header/header/v2/app.js`)).status).toBe(404);
    const pathAsset = await request(`${gateway.url}/assets/header/app.js`, { headers: { cookie: 'mfe-dev=header=local' } });
    expect(pathAsset.text).toBe('console.log("local header")');
    // In prod mode the same path goes to production (which has no such file here).
    const prodAsset = await request(`${gateway.url}/assets/header/app.js`);
    expect(prodAsset.status).toBe(404);
  });

  it("a local fragment's dev-server websocket (HMR) under its asset prefix reaches the local service", async () => {
    await setup();
    // The local service: a dev server with an HMR socket under the fragment's asset prefix.
    const hmrServer = http.createServer();
    const wss = new WebSocketServer({ server: hmrServer, path: '/assets/header/@hmr' });
    wss.on('connection', (socket) => socket.on('message', (data) => socket.send(`local hmr: ${data}`)));
    await new Promise<void>((resolve) => hmrServer.listen(0, '127.0.0.1', resolve));
    servers.push({ close: () => new Promise<void>((resolve) => { wss.close(); hmrServer.closeAllConnections(); hmrServer.close(() => resolve()); }) });
    const { port } = hmrServer.address() as import('node:net').AddressInfo;
    await gateway.close();
    gateway = await startGateway({
      upstream: site.url,
      fragments: { header: { src: '/fragments/header', local: `http://127.0.0.1:${port}`, assets: ['/assets/header/'] } },
      local: ['header'],
    });
    const ws = new WebSocket(`${gateway.url.replace('http', 'ws')}/assets/header/@hmr`);
    const reply = await new Promise<string>((resolve, reject) => {
      ws.on('open', () => ws.send('update'));
      ws.on('message', (data) => resolve(data.toString()));
      ws.on('error', reject);
    });
    ws.close();
    expect(reply).toBe('local hmr: update');
    expect(site.requests.some((r) => r.path.includes('@hmr'))).toBe(false);
  });

  it('shadow mode serves production and reports how the local fragment differs', async () => {
    await setup({ shadow: ['header'] });
    const result = new Promise<{ equal: boolean; diff: string[] }>((resolve) => gateway.events.once('shadow:result', resolve));
    const response = await request(`${gateway.url}/`);
    expect(content(response.text)).toBe('PROD-HEADER|PROD-FOOTER');
    const shadow = await result;
    expect(shadow.equal).toBe(false);
    expect(shadow.diff).toEqual(['@ (document)', '- "PROD-HEADER"', '+ "LOCAL-HEADER"']);
    expect(local.requests.some((r) => r.path === '/fragments/header')).toBe(true);
    const state = JSON.parse((await request(`${gateway.url}/__mfe-dev/api/state`)).text);
    expect(state.shadow[0]).toMatchObject({ name: 'header', equal: false });
    expect(state.fragments.find((f: { name: string }) => f.name === 'header')).toMatchObject({ mode: 'shadow', healthy: true });
  });

  it('the overlay tag is added before </body> only when a fragment is local or shadow, and never with overlay: false', async () => {
    await setup({ overlay: true });
    const prod = await request(`${gateway.url}/`);
    expect(prod.text).not.toContain('data-mfe-dev-overlay');
    const localPage = await request(`${gateway.url}/?mfe-dev=header=local`);
    expect(localPage.text).toMatch(/<script src="\/__mfe-dev\/overlay.js" data-mfe-dev-overlay data-timings="[^"<>]*" data-asked-at="\d+" defer><\/script><\/body>/);
    expect(localPage.text.replace(/<script src="\/__mfe-dev\/overlay.js"[^>]*><\/script>/, '')).toBe(page('Home', 'LOCAL-HEADER|PROD-FOOTER'));
    // A page without the local fragment has nothing of the developer's: no overlay either.
    site.routes.set('/plain', { body: page('Plain', '<!--#include virtual="/fragments/footer" -->') });
    const plain = await request(`${gateway.url}/plain?mfe-dev=header=local`);
    expect(plain.text).toBe(page('Plain', 'PROD-FOOTER'));
    const script = await request(`${gateway.url}/__mfe-dev/overlay.js`);
    expect(script.headers['content-type']).toMatch(/javascript/);
  });
});

describe('presets from extended files and packages', () => {
  it('apply headers and cookies from a preset defined in an npm package and show their provenance', async () => {
    const site = await startSite({ '/': page('Home', '<!--#include virtual="/fragments/cart" -->'), '/fragments/cart': 'CART' });
    const gateway = await startGateway({
      configFile: path.join(FIXTURES, 'shop-ts/mfe-dev.config.ts'),
      upstream: site.url,
      local: [],
    });
    try {
      await request(`${gateway.url}/?mfe-dev-preset=acme-debug,no-ab-tests`);
      const pageRequest = site.requests.find((r) => r.path === '/')!;
      expect(pageRequest.headers['x-acme-debug']).toBe('1');
      expect(pageRequest.headers.cookie).toBe('ab=off');
      const cart = site.requests.find((r) => r.path === '/fragments/cart')!;
      expect(cart.headers['x-acme-debug']).toBe('1');

      const state = JSON.parse((await request(`${gateway.url}/__mfe-dev/api/state`)).text);
      const byName = Object.fromEntries(state.presets.map((p: { name: string; from: string }) => [p.name, p.from]));
      expect(byName['acme-debug']).toMatch(/^@acme\/mfe-presets \(.*mfe-presets\.yaml\)$/);
      expect(byName['footer-dev']).toMatch(/team\/mfe-presets\.json$/);
      expect(byName.checkout).toMatch(/mfe-dev\.config\.ts$/);
      expect(gateway.config.warnings.some((w) => w.includes("'checkout'") && w.includes('mfe-presets.json'))).toBe(true);
    } finally {
      await gateway.close();
      await site.close();
    }
  });
});
