import { afterEach, describe, expect, it } from 'vitest';
import { createAssetRewriter } from '../../src/compose/asset-rewrite.js';
import { resolveConfig } from '../../src/config/resolve-config.js';
import { page, startSite, type FakeSite } from '../fixtures/site.js';
import { startGateway } from '../helpers/gateway.js';
import { rawRequest, request } from '../helpers/servers.js';

type Gateway = Awaited<ReturnType<typeof startGateway>>;

/**
 * A preview's client-side files: with `preview:ID`, the fragment's `assets` go to its branch build
 * as they go to the local service in `local` mode. Real servers: production (whose page loads the
 * header's script from a CDN), a "previews" service answering for several ids under `/pr-ID`.
 */
describe('previews: the fragment’s assets come from the branch build', () => {
  let site: FakeSite;
  let previews: FakeSite;
  let gateway: Gateway;

  afterEach(async () => {
    await Promise.allSettled([gateway?.close(), site?.close(), previews?.close()]);
  });

  async function setup() {
    site = await startSite({
      '/checkout': page('Checkout', '<script type="module" src="https://cdn.example.com/header/v2/app.js"></script>\n<!--#include virtual="/fragments/header" -->|end'),
      '/fragments/header': 'PROD-HEADER',
      '/assets/header/app.css': { body: 'PROD-CSS', type: 'text/css' },
    });
    previews = await startSite({
      '/pr-482/fragments/header': '<header>PR482<link rel="stylesheet" href="/assets/header/app.css"></header>',
      '/pr-482/header/v2/app.js': { body: 'PR482-JS', type: 'text/javascript' },
      '/pr-482/assets/header/app.css': { body: 'PR482-CSS', type: 'text/css' },
      '/pr-17/header/v2/app.js': { body: 'PR17-JS', type: 'text/javascript' },
    });
    gateway = await startGateway({
      upstream: site.url,
      fragments: {
        header: { src: '/fragments/header', assets: ['/assets/header/', 'https://cdn.example.com/header/'], previews: `${previews.url}/pr-{id}` },
        footer: { src: '/fragments/footer', assets: ['https://cdn.example.com/footer/'] },
      },
    });
  }

  it('rewrites absolute asset URLs to the preview’s gateway path, which the branch build serves; path prefixes follow the browser’s preview', async () => {
    await setup();
    const composed = await request(`${gateway.url}/checkout?mfe-dev=header=preview:482`);
    expect(composed.text).toContain('<script type="module" src="/__mfe-dev/preview/header/482/header/v2/app.js"></script>');
    expect(composed.text).toContain('<header>PR482<link rel="stylesheet" href="/assets/header/app.css"></header>|end');
    const cookie = String(composed.headers['set-cookie']).split(';')[0];
    expect(cookie).toBe('mfe-dev=header%3Dpreview%3A482');

    // The rewritten URL names the id: served from that preview, whatever the browser picks later.
    const script = await request(`${gateway.url}/__mfe-dev/preview/header/482/header/v2/app.js?v=1`);
    expect(script.status).toBe(200);
    expect(script.text).toBe('PR482-JS');
    expect(previews.requests.at(-1)!.path).toBe('/pr-482/header/v2/app.js?v=1');
    expect((await request(`${gateway.url}/__mfe-dev/preview/header/17/header/v2/app.js`)).text).toBe('PR17-JS');

    // A path prefix goes to the preview this browser chose; without it, to production.
    expect((await request(`${gateway.url}/assets/header/app.css`, { headers: { cookie } })).text).toBe('PR482-CSS');
    expect((await request(`${gateway.url}/assets/header/app.css`, { headers: { 'x-mfe-dev': 'header=preview:482' } })).text).toBe('PR482-CSS');
    expect((await request(`${gateway.url}/assets/header/app.css`)).text).toBe('PROD-CSS');
    // In prod mode the page keeps its CDN URL.
    expect((await request(`${gateway.url}/checkout`)).text).toContain('src="https://cdn.example.com/header/v2/app.js"');
  });

  it('never lets the path choose a target: bad ids, unknown fragments, fragments without previews, other sites, dot segments', async () => {
    await setup();
    const before = previews.requests.length;
    for (const path of ['/__mfe-dev/preview/header/UPPER/x.js', '/__mfe-dev/preview/header/-x/x.js', '/__mfe-dev/preview/header/a.evil.com/x.js', '/__mfe-dev/preview/header/', '/__mfe-dev/preview/header', `/__mfe-dev/preview/header/${'a'.repeat(41)}/x.js`, `/__mfe-dev/preview/${encodeURIComponent(previews.url)}/1/x.js`, '/__mfe-dev/preview/footer/1/x.js', '/__mfe-dev/preview/nope/1/x.js']) {
      const answer = await request(gateway.url + path);
      expect(answer.status, path).toBe(404);
    }
    expect((await request(`${gateway.url}/__mfe-dev/preview/header/1/x.js`)).text).not.toContain('mfe-dev:');
    expect(previews.requests.length).toBe(before + 1);
    const named = await request(`${gateway.url}/__mfe-dev/preview/header/UPPER/x.js`);
    expect(named.text).toMatch(/not a preview id of fragment 'header'/);

    // A page on another site gets no preview file through the gateway.
    const foreign = await request(`${gateway.url}/__mfe-dev/preview/header/482/header/v2/app.js`, { headers: { origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);

    // Dot segments stay under the preview's own path (the previews host is shared by ids here).
    const port = Number(new URL(gateway.url).port);
    const dotted = await rawRequest(port, `GET /__mfe-dev/preview/header/482/../../../pr-17/header/v2/app.js HTTP/1.1\r\nHost: 127.0.0.1:${port}`);
    expect(dotted.text).not.toContain('PR17-JS');
    expect(previews.requests.at(-1)!.path).toBe('/pr-482/pr-17/header/v2/app.js');
  });

  it('a preview that does not answer: a 502 naming the preview and the URL', async () => {
    await setup();
    const url = previews.url;
    await previews.close();
    const answer = await request(`${gateway.url}/__mfe-dev/preview/header/482/header/v2/app.js`);
    expect(answer.status).toBe(502);
    expect(answer.text).toContain(`preview 482 of fragment 'header' did not answer ${url}/pr-482/header/v2/app.js`);
  });
});

describe('createAssetRewriter for previews', () => {
  it('rewrites a preview fragment’s absolute prefixes to /__mfe-dev/preview/NAME/ID/, local ones to /__mfe-dev/local/NAME/', async () => {
    const config = await resolveConfig({
      configFile: false,
      upstream: 'https://shop.example',
      fragments: {
        header: { src: '/h', assets: ['https://cdn.example.com/header/'], previews: 'http://header-pr-{id}.previews.svc:8080', local: 'http://127.0.0.1:3001' },
        cart: { src: '/c', assets: ['https://cdn.example.com/cart/'], local: 'http://127.0.0.1:3002' },
      },
    });
    const rewrite = (modes: Record<string, string>, value: string) => {
      const rewriter = createAssetRewriter(config, new Map(Object.entries(modes)) as never);
      return rewriter ? rewriter.rewrite({ type: 'asset-url', attribute: 'src' } as never, Buffer.from(value, 'latin1')).toString('latin1') : value;
    };
    expect(rewrite({ header: 'preview:pr-7' }, 'https://cdn.example.com/header/app.js?x')).toBe('/__mfe-dev/preview/header/pr-7/header/app.js?x');
    expect(rewrite({ header: 'preview:pr-7' }, '//cdn.example.com/header/app.js')).toBe('/__mfe-dev/preview/header/pr-7/header/app.js');
    expect(rewrite({ header: 'local', cart: 'local' }, 'https://cdn.example.com/cart/a.js')).toBe('/__mfe-dev/local/cart/cart/a.js');
    expect(rewrite({ header: 'prod' }, 'https://cdn.example.com/header/app.js')).toBe('https://cdn.example.com/header/app.js');
    // A preview of a fragment without `previews` (cannot be chosen, but never a rule).
    expect(rewrite({ cart: 'preview:1' }, 'https://cdn.example.com/cart/a.js')).toBe('https://cdn.example.com/cart/a.js');
  });
});
