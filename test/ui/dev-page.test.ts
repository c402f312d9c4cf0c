import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSite, page, type FakeSite } from '../fixtures/site.js';
import { startGateway } from '../helpers/gateway.js';
import { listen, request, type TestServer } from '../helpers/servers.js';

/** The dev page as a developer uses it: links that change one fragment, recent pages to go back to. */
describe('the dev page', () => {
  let site: FakeSite;
  let local: TestServer;
  let gateway: Awaited<ReturnType<typeof startGateway>>;

  beforeAll(async () => {
    site = await startSite({
      '/products': page('Products', '<!--#include virtual="/fragments/header" --><!--#include virtual="/fragments/cart" -->'),
      '/fragments/header': '<header>prod header</header>',
      '/fragments/cart': '<div>prod cart</div>',
      '/fragments/footer': '<footer>prod footer</footer>',
    });
    local = await listen((_req, res) => res.end('<b>local</b>'));
    gateway = await startGateway({
      upstream: site.url,
      fragments: {
        header: { src: '/fragments/header', local: local.url },
        cart: { src: '/fragments/cart', local: local.url },
        footer: { src: '/fragments/footer', local: local.url },
      },
      local: ['header'],
    });
  });
  afterAll(async () => {
    await gateway.close();
    await local.close();
    await site.close();
  });

  const modeLinks = (html: string, fragment: string) => {
    const row = html.split('<tr>').find((r) => r.includes(`<td><code>${fragment}</code></td>`)) ?? '';
    return Object.fromEntries([...row.matchAll(/<a href="\?mfe-dev=([^"]*)">(\w+)<\/a>/g)].map((m) => [m[2], decodeURIComponent(m[1])]));
  };

  it("a mode link changes that fragment and keeps this browser's other choices", async () => {
    const dev = await request(`${gateway.url}/__mfe-dev/`, { headers: { cookie: 'mfe-dev=header=prod|footer=local' } });
    expect(dev.status).toBe(200);
    const cart = modeLinks(dev.text, 'cart');
    expect(cart.shadow).toBe('header=prod|footer=local|cart=shadow');
    expect(cart.local).toBe('header=prod|footer=local|cart=local');
    const header = modeLinks(dev.text, 'header');
    expect(header.local).toBe('header=local|footer=local');

    // Following the link keeps header=prod: the click changed cart only.
    const after = await request(`${gateway.url}/__mfe-dev/api/state?mfe-dev=${encodeURIComponent(cart.shadow)}`);
    const modes = Object.fromEntries((JSON.parse(after.text) as { fragments: { name: string; mode: string }[] }).fragments.map((f) => [f.name, f.mode]));
    expect(modes).toEqual({ header: 'prod', cart: 'shadow', footer: 'local' });
  });

  it('recent pages are links to HTML pages, without production 404s for files like /favicon.ico', async () => {
    await request(`${gateway.url}/products?x=1`);
    const favicon = await request(`${gateway.url}/favicon.ico`);
    expect(favicon.status).toBe(404);
    const dev = await request(`${gateway.url}/__mfe-dev/`);
    const recent = dev.text.slice(dev.text.indexOf('<h2>Recent pages</h2>'));
    expect(recent).toContain('<a class="open" href="/products?x=1">open</a>');
    expect(recent).not.toContain('favicon');
  });
});
