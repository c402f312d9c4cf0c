import http from 'node:http';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startShop } from '../../examples/shop/server.js';
import { startHeaderService } from '../../examples/header-service/server.js';
import { startSite, page, type FakeSite } from '../fixtures/site.js';
import { startGateway } from '../helpers/gateway.js';
import { request } from '../helpers/servers.js';

type Gateway = Awaited<ReturnType<typeof startGateway>>;

/** The shop's page with each marker replaced by what production's edge would put there. */
async function composedByHand(shopUrl: string, path: string, replacements: Array<[string, string]>): Promise<string> {
  let html = (await request(shopUrl + path)).text;
  for (const [marker, fragmentPath] of replacements) {
    const fragment = fragmentPath === '' ? '' : (await request(shopUrl + fragmentPath)).text;
    expect(html).toContain(marker);
    html = html.replace(marker, () => fragment);
  }
  return html;
}

describe('composing the shop through its dialects', () => {
  let shop: Awaited<ReturnType<typeof startShop>>;
  let header: Awaited<ReturnType<typeof startHeaderService>>;
  let gateway: Gateway;

  beforeAll(async () => {
    shop = await startShop();
    header = await startHeaderService();
    gateway = await startGateway({
      upstream: shop.url,
      overlay: false,
      fragments: {
        header: { src: '/fragments/header', selector: 'header[data-fragment="header"]', local: header.url },
        cart: { src: '/fragments/cart' },
        footer: { src: '/fragments/footer' },
      },
    });
  });
  afterAll(async () => {
    await gateway.close();
    await header.close();
    await shop.close();
  });

  it('SSI: the page is production byte for byte with each include filled from production', async () => {
    const expected = await composedByHand(shop.url, '/', [
      ['<!--#include virtual="/fragments/header" -->', '/fragments/header'],
      ['<!--#include virtual="/fragments/search" -->', '/fragments/search'],
      ['<!--#include virtual="/fragments/footer" -->', '/fragments/footer'],
    ]);
    const response = await request(gateway.url + '/');
    expect(response.status).toBe(200);
    expect(response.text).toBe(expected);
    expect(response.headers['content-length']).toBeUndefined();
  });

  it('ESI: include, alt and continue, esi:remove dropped, <!--esi --> unwrapped', async () => {
    const response = await request(gateway.url + '/products/tent-2p');
    const expected = await composedByHand(shop.url, '/products/tent-2p', [
      ['<esi:include src="/fragments/header"/>', '/fragments/header'],
      ['<esi:include src="/fragments/cart?sku=tent-2p" alt="/fragments/cart-fallback" onerror="continue"/>', '/fragments/cart?sku=tent-2p'],
      ['<esi:include src="/fragments/footer"/>', '/fragments/footer'],
    ]);
    const withoutEdgeMarkup = expected
      .replace(/<esi:remove>[\s\S]*?<\/esi:remove>/, '')
      .replace(/<!--esi([\s\S]*?)-->/, '$1');
    expect(response.text).toBe(withoutEdgeMarkup);
    expect(response.text).not.toContain('esi:');
  });

  it('Tailor: <fragment> elements, paired, with primary and timeout attributes', async () => {
    const response = await request(gateway.url + '/checkout');
    expect(response.text).not.toContain('<fragment');
    const footer = (await request(shop.url + '/fragments/footer')).text;
    expect(response.text).toContain(footer);
  });

  it('local mode: the include goes to the local service with its path and query; cookies are forwarded', async () => {
    const response = await request(gateway.url + '/search?q=tent&mfe-dev=header=local', { headers: { cookie: 'session=ada', 'accept-encoding': 'gzip' } });
    expect(response.status).toBe(200);
    expect(response.headers['content-encoding']).toBeUndefined();
    expect(response.text).toContain('header--redesign');
    expect(response.text).toMatch(/Hi,? ada|ada/);
    expect(response.text).toContain('data-path="/fragments/header"');
    // The rest of the page is production's: the search fragment saw the query.
    expect(response.text).toContain('tent');
  });

  it('selector mode: on a page production already composed, the element is replaced by the local answer', async () => {
    const direct = await request(shop.url + '/about');
    const response = await request(gateway.url + '/about?x=1', { headers: { 'x-mfe-dev': 'header=local' } });
    const element = direct.text.match(/<header data-fragment="header"[\s\S]*?<\/header>/)![0];
    const local = (await request(header.url + '/fragments/header?x=1')).text;
    expect(response.text).toBe(direct.text.replace(element, () => local));

    // In prod mode the page is untouched.
    const prod = await request(gateway.url + '/about');
    expect(prod.text).toBe(direct.text);

    // In shadow mode too, and the local answer is compared with production's element.
    const compared = new Promise<{ name: string; equal: boolean; diff: string[] }>((resolve) => gateway.events.once('shadow:result', resolve));
    const shadowed = await request(gateway.url + '/about', { headers: { 'x-mfe-dev': 'header=shadow' } });
    expect(shadowed.text).toBe(direct.text);
    const result = await compared;
    expect(result.name).toBe('header');
    expect(result.equal).toBe(false);
    expect(result.diff.some((line) => line.startsWith('+ ') && line.includes('header--redesign'))).toBe(true);
  });

  it('reports each fragment in Server-Timing (trailer, since the page streams)', async () => {
    const response = await request(gateway.url + '/products/tent-2p');
    const timing = `${response.headers['server-timing'] ?? ''}, ${response.trailers['server-timing'] ?? ''}`;
    expect(timing).toMatch(/mfe-header;desc=prod;dur=\d+(\.\d+)?/);
    expect(timing).toMatch(/mfe-cart;desc=prod;dur=/);
    expect(timing).toMatch(/mfe-footer;desc=prod;dur=/);
    expect(response.headers.trailer).toMatch(/server-timing/i);
  });
});

describe('composition rules', () => {
  let site: FakeSite;
  let local: FakeSite;
  let gateway: Gateway;

  afterEach(async () => {
    // Some tests stop the local service on purpose; closing twice is fine here.
    await Promise.allSettled([gateway?.close(), site?.close(), local?.close()]);
  });

  async function setup(
    routes: Parameters<typeof startSite>[0],
    localRoutes: Parameters<typeof startSite>[0] = {},
    extra: { local?: string[]; headerTimeout?: number } = {},
  ) {
    site = await startSite(routes);
    local = await startSite(localRoutes);
    gateway = await startGateway({
      upstream: site.url,
      overlay: false,
      fragments: {
        header: { src: '/fragments/header', local: local.url, timeout: extra.headerTimeout },
        promo: { src: '/fragments/promo', local: local.url },
        nav: { src: '/fragments/nav' },
      },
      local: extra.local,
    });
  }

  it('resolves includes that are not in the config from production, relative ones against the page', async () => {
    await setup({
      '/news/today': page('News', '<!--#include virtual="/widgets/weather" --><!--#include virtual="teaser" -->'),
      '/widgets/weather': '<p>Sunny</p>',
      '/news/teaser': '<p>Teaser</p>',
    });
    const response = await request(gateway.url + '/news/today');
    expect(response.text).toBe(page('News', '<p>Sunny</p><p>Teaser</p>'));
  });

  it('matches fragments by whole path segments', async () => {
    await setup(
      {
        '/p': page('P', '<esi:include src="/fragments/header/mini?v=2"/>|<esi:include src="/fragments/headerx"/>'),
        '/fragments/header/mini': 'PROD-MINI',
        '/fragments/headerx': 'PROD-X',
      },
      { '/fragments/header/mini': 'LOCAL-MINI', '/fragments/headerx': 'LOCAL-X' },
      { local: ['header'] },
    );
    const response = await request(gateway.url + '/p');
    expect(response.text).toContain('LOCAL-MINI|PROD-X');
    expect(local.requests.map((r) => r.path)).toContain('/fragments/header/mini?v=2');
  });

  it('resolves fragments that include fragments, five deep, and reports a loop instead of following it', async () => {
    await setup({
      '/deep': page('Deep', '<!--#include virtual="/f/1" -->'),
      '/f/1': '1<!--#include virtual="/f/2" -->',
      '/f/2': '2<esi:include src="/f/3"/>',
      '/f/3': '3<fragment src="/f/4"></fragment>',
      '/f/4': '4<!--#include virtual="/f/5" -->',
      '/f/5': '5',
      '/loop': page('Loop', '<!--#include virtual="/f/a" -->'),
      '/f/a': 'a<!--#include virtual="/f/b" -->',
      '/f/b': 'b<!--#include virtual="/f/a" -->',
    });
    expect((await request(gateway.url + '/deep')).text).toBe(page('Deep', '12345'));
    const loop = await request(gateway.url + '/loop');
    expect(loop.status).toBe(200);
    // As nginx, a loop is a failed SSI include: its errmsg, then mfe-dev's note.
    expect(loop.text).toMatch(/ab\[an error occurred while processing the directive\]<!-- mfe-dev: include \/f\/a failed: include loop not followed: \/loop → \/f\/a → \/f\/b → \/f\/a -->/);
  });

  it("production failures follow the dialect: ESI alt then continue, Tailor fallback-src; SSI includes the answer's body whatever its status, as nginx", async () => {
    await setup({
      '/p': page(
        'P',
        [
          '<esi:include src="/down" alt="/alt"/>',
          '<esi:include src="/down" alt="/also-down" onerror="continue"/>',
          '<esi:include src="/down"/>',
          '<fragment src="/down" fallback-src="/alt"></fragment>',
          '<!--#include virtual="/down" -->',
        ].join('|'),
      ),
      '/down': { body: 'gone', status: 503 },
      '/alt': 'ALT',
    });
    const response = await request(gateway.url + '/p');
    const parts = response.text.split('<body>\n')[1].split('\n</body>')[0].split('|');
    expect(parts[0]).toBe('ALT');
    expect(parts[1]).toBe('');
    expect(parts[2]).toBe('<!-- mfe-dev: include /down failed: HTTP 503 -->');
    expect(parts[3]).toBe('ALT');
    expect(parts[4]).toBe('gone');
  });

  it('Tailor primary: the page waits for it, and is a 500 when neither it nor its fallback can be had', async () => {
    await setup({
      '/ok': page('OK', '<fragment src="/fragments/nav"></fragment><fragment src="/main" primary></fragment>'),
      '/broken': page('Broken', '<fragment src="/down" primary></fragment><fragment src="/fragments/nav"></fragment>'),
      '/rescued': page('Rescued', '<fragment src="/down" fallback-src="/main" primary></fragment>'),
      '/local-primary': page('Local', '<fragment src="/fragments/header" primary></fragment>'),
      '/main': { body: 'MAIN', delay: 100 },
      '/fragments/nav': 'NAV',
      '/down': { body: 'no', status: 503 },
    }, {}, { local: ['header'] });
    await local.close(); // the local header service is down

    const ok = await request(gateway.url + '/ok');
    expect(ok.status).toBe(200);
    expect(ok.text).toBe(page('OK', 'NAVMAIN'));
    // The head waited for the primary, so what was resolved by then is in the header itself.
    expect(ok.headers['server-timing']).toMatch(/^mfe-nav;desc=prod;dur=[\d.]+$/);
    const broken = await request(gateway.url + '/broken');
    expect(broken.status).toBe(500);
    expect(broken.text).toContain('<!-- mfe-dev: include /down failed: HTTP 503 -->NAV');
    const rescued = await request(gateway.url + '/rescued');
    expect(rescued.status).toBe(200);
    expect(rescued.text).toBe(page('Rescued', 'MAIN'));
    // A local primary that fails is the developer's box; the page keeps production's status.
    const localPrimary = await request(gateway.url + '/local-primary');
    expect(localPrimary.status).toBe(200);
    expect(localPrimary.text).toContain('data-mfe-dev-error="header"');
  });

  it('a local fragment that fails becomes a visible box naming it, the URL and the reason; the page keeps its status', async () => {
    await setup(
      {
        '/p': { body: page('P', '<esi:include src="/fragments/header"/>|<esi:include src="/fragments/promo"/>'), status: 404 },
      },
      { '/fragments/promo': { body: 'oops', status: 503 } },
      { local: ['header', 'promo'] },
    );
    await local.close(); // header and promo: refused
    const response = await request(gateway.url + '/p');
    expect(response.status).toBe(404);
    expect(response.text).toMatch(/<div data-mfe-dev-error="header"[^>]*>[\s\S]*connection refused[\s\S]*<\/div>/);
    expect(response.text).toContain(`${local.url}/fragments/header`);
    expect(response.text).toContain('data-mfe-dev-error="promo"');
  });

  it('timeouts: the config timeout beats the marker attribute, and the box says how long it waited', async () => {
    await setup(
      { '/p': page('P', '<fragment src="/fragments/header" timeout="5000"></fragment>') },
      { '/fragments/header': { body: 'late', delay: 1500 } },
      { local: ['header'], headerTimeout: 200 },
    );
    const response = await request(gateway.url + '/p');
    expect(response.text).toContain('timed out after 200 ms');
    expect(response.text).toContain('data-mfe-dev-error="header"');
  });

  it('the marker timeout applies when the config has none; 3000 ms otherwise', async () => {
    await setup({ '/p': page('P', '<fragment src="/slow" timeout="150"></fragment>'), '/slow': { body: 'late', delay: 1000 } });
    const response = await request(gateway.url + '/p');
    expect(response.text).toContain('<!-- mfe-dev: include /slow failed: timed out after 150 ms -->');
  });

  it('decompresses gzip, br and deflate pages and fragments', async () => {
    await setup({
      '/gz': { body: page('GZ', '<!--#include virtual="/frag-br" -->'), encoding: 'gzip' },
      '/br': { body: page('BR', '<!--#include virtual="/frag-deflate" -->'), encoding: 'br' },
      '/frag-br': { body: 'from-br', encoding: 'br' },
      '/frag-deflate': { body: 'from-deflate', encoding: 'deflate' },
    });
    const gz = await request(gateway.url + '/gz', { headers: { 'accept-encoding': 'gzip, br' } });
    expect(gz.headers['content-encoding']).toBeUndefined();
    expect(gz.text).toBe(page('GZ', 'from-br'));
    const br = await request(gateway.url + '/br', { headers: { 'accept-encoding': 'gzip, br' } });
    expect(br.text).toBe(page('BR', 'from-deflate'));
  });

  it('respects charsets: a UTF-8 fragment in a windows-1252 page arrives as windows-1252', async () => {
    const head = Buffer.from('<!DOCTYPE html><html><head><meta charset="windows-1252"><title>Caf', 'latin1');
    const pageBytes = Buffer.concat([head, Buffer.from([0xe9]), Buffer.from('</title></head><body><!--#include virtual="/frag" --> \x80 </body></html>', 'latin1')]);
    await setup({
      '/latin': { body: pageBytes, type: 'text/html; charset=windows-1252' },
      '/frag': { body: 'Crème brûlée – 5 €, 寿司', type: 'text/html; charset=utf-8' },
    });
    const response = await request(gateway.url + '/latin');
    const expected = Buffer.concat([
      head,
      Buffer.from([0xe9]),
      Buffer.from('</title></head><body>Cr\xe8me br\xfbl\xe9e \x96 5 \x80, &#23551;&#21496; \x80 </body></html>', 'latin1'),
    ]);
    expect(response.body.equals(expected)).toBe(true);
  });

  it('forwards what a real edge forwards to fragment requests', async () => {
    await setup({ '/p': page('P', '<!--#include virtual="/fragments/nav" -->'), '/fragments/nav': 'NAV' });
    await request(gateway.url + '/p', {
      headers: { cookie: 'session=ada; mfe-dev=header=prod', 'accept-language': 'de-DE', 'user-agent': 'TestBrowser/1.0', referer: `${gateway.url}/home` },
    });
    const fragmentRequest = site.requests.find((r) => r.path === '/fragments/nav')!;
    expect(fragmentRequest.headers.cookie).toBe('session=ada');
    expect(fragmentRequest.headers['accept-language']).toBe('de-DE');
    expect(fragmentRequest.headers['user-agent']).toBe('TestBrowser/1.0');
    expect(fragmentRequest.headers.referer).toBe(`${site.url}/home`);
    expect(fragmentRequest.headers['x-forwarded-host']).toBe(new URL(gateway.url).host);
    expect(fragmentRequest.headers['x-forwarded-proto']).toBe('http');
  });

  it('streams: the head of the page arrives while a late fragment is still pending', async () => {
    await setup({
      '/p': { body: '', chunks: { pieces: ['<!DOCTYPE html><html><head><title>Stream</title></head><body>', '<!--#include virtual="/late" -->', '<p>after</p></body></html>'], gap: 20 } },
      '/late': { body: 'LATE', delay: 800 },
    });
    const started = Date.now();
    const { firstChunk, firstAt, total, totalAt } = await new Promise<{ firstChunk: string; firstAt: number; total: string; totalAt: number }>((resolve, reject) => {
      http.get(gateway.url + '/p', (res) => {
        let total = '';
        let firstChunk = '';
        let firstAt = 0;
        res.on('data', (chunk: Buffer) => {
          if (!firstChunk) {
            firstChunk = chunk.toString();
            firstAt = Date.now() - started;
          }
          total += chunk.toString();
        });
        res.on('end', () => resolve({ firstChunk, firstAt, total, totalAt: Date.now() - started }));
      }).on('error', reject);
    });
    expect(firstChunk).toContain('<title>Stream</title>');
    expect(firstChunk).not.toContain('LATE');
    // (No upper bound on when the first chunk came: a busy machine may be slow; the first chunk
    // without the late fragment is what shows the page was not held back.)
    expect(firstAt).toBeLessThan(totalAt);
    expect(totalAt).toBeGreaterThanOrEqual(750);
    expect(total).toBe('<!DOCTYPE html><html><head><title>Stream</title></head><body>LATE<p>after</p></body></html>');
  });

  it('requests all fragments of a page at once: total time is the slowest, not the sum', async () => {
    // Each fragment answers only once all five requests have arrived: fetched one after the
    // other, the first would wait for the others until its timeout (an error box, not '12345').
    let arrived = 0;
    let allArrived!: () => void;
    const barrier = new Promise<void>((resolve) => (allArrived = resolve));
    const wait = () => {
      if (++arrived === 5) allArrived();
      return barrier;
    };
    await setup({
      '/p': page('P', [1, 2, 3, 4, 5].map((i) => `<!--#include virtual="/s${i}" -->`).join('')),
      ...Object.fromEntries([1, 2, 3, 4, 5].map((i) => [`/s${i}`, { body: String(i), wait }])),
    });
    const response = await request(gateway.url + '/p');
    expect(response.text).toBe(page('P', '12345'));
  });

  it('asks production for a page only in encodings it can decode (browsers also offer zstd)', async () => {
    await setup({ '/p': page('P', 'x'), '/app.js': { body: 'js', type: 'text/javascript' } });
    await request(gateway.url + '/p', { headers: { accept: 'text/html,application/xhtml+xml', 'accept-encoding': 'gzip, deflate, br, zstd' } });
    await request(gateway.url + '/app.js', { headers: { accept: '*/*', 'accept-encoding': 'gzip, deflate, br, zstd' } });
    expect(site.requests.find((r) => r.path === '/p')!.headers['accept-encoding']).toBe('gzip, deflate, br');
    // Files the browser decodes itself keep what the browser offered.
    expect(site.requests.find((r) => r.path === '/app.js')!.headers['accept-encoding']).toBe('gzip, deflate, br, zstd');
  });

  it('HEAD gets the headers GET sends, 304 passes through untouched; a POST answered with HTML is composed; HTTP/1.0 clients get no trailers', async () => {
    await setup({
      '/p': { body: (req) => (req.method === 'POST' ? page('Posted', '<!--#include virtual="/fragments/nav" -->') : page('P', '<!--#include virtual="/fragments/nav" -->')) },
      '/cached': { body: '', status: 304, headers: { etag: '"v1"' } },
      '/fragments/nav': 'NAV',
    });
    const head = await request(gateway.url + '/p', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    // HEAD describes what GET sends: the composed page has no production Content-Length (issue 20 item 12).
    expect(head.headers['content-length']).toBeUndefined();
    const notModified = await request(gateway.url + '/cached', { headers: { 'if-none-match': '"v1"' } });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.etag).toBe('"v1"');
    const posted = await request(gateway.url + '/p', { method: 'POST', body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(posted.text).toBe(page('Posted', 'NAV'));

    const http10 = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(new URL(gateway.url).port), '127.0.0.1', () => socket.write('GET /p HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n'));
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString('latin1')));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(http10).toMatch(/^HTTP\/1\.1 200/);
    expect(http10).not.toMatch(/transfer-encoding|trailer:/i);
    expect(http10.split('\r\n\r\n')[1]).toBe(page('P', 'NAV'));
  });

  it('never parses or buffers non-HTML, even when it looks like HTML', async () => {
    const text = 'x<!--#include virtual="/s" -->y';
    await setup({ '/t.txt': { body: text, type: 'text/plain' }, '/s': 'S' });
    const response = await request(gateway.url + '/t.txt');
    expect(response.text).toBe(text);
  });
});

describe('events', () => {
  it('emits fragment and page lifecycle events that match what was served', async () => {
    const site = await startSite({ '/p': page('P', '<!--#include virtual="/fragments/nav" --><!--#include virtual="/x" -->'), '/fragments/nav': 'N', '/x': { body: '', status: 500 } });
    const gateway = await startGateway({ upstream: site.url, fragments: { nav: { src: '/fragments/nav' } } });
    try {
      const seen: string[] = [];
      gateway.events.on('fragment:start', (f) => seen.push(`start ${f.src}`));
      gateway.events.on('fragment:end', (f) => seen.push(`end ${f.src} ${f.failed ? 'failed' : 'ok'}`));
      gateway.events.on('fragment:error', (f) => seen.push(`error ${f.src} ${f.reason}`));
      gateway.events.on('fragment:fallback', (f) => seen.push(`fallback ${f.src} ${f.fallback}`));
      const ended = new Promise((resolve) => gateway.events.once('page:end', resolve));
      await request(gateway.url + '/p');
      await ended;
      expect(seen.sort()).toEqual(['end /fragments/nav ok', 'end /x failed', 'error /x HTTP 500', 'start /fragments/nav', 'start /x'].sort());
    } finally {
      await gateway.close();
      await site.close();
    }
  });
});

