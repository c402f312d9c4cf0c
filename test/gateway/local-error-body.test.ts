/**
 * Issue 20, item 7: the error box for a local 5xx shows what the service said, bounded and
 * escaped: Vite's exception text from a real Vite dev server whose fragment route throws, an
 * express stack page reduced to its text, and a huge hostile body cut short with its markup
 * escaped.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHeaderService } from '../../examples/header-service/server.js';
import { startShop } from '../../examples/shop/server.js';
import { errorExcerpt } from '../../src/compose/error-box.js';
import { copyExample } from '../helpers/devservers.js';
import { startGateway } from '../helpers/gateway.js';
import { listen, request } from '../helpers/servers.js';

let shop: Awaited<ReturnType<typeof startShop>>;
const cleanups: Array<() => unknown> = [];
beforeAll(async () => {
  shop = await startShop();
});
afterAll(() => shop?.close());
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function errorBoxOf(localUrl: string): Promise<{ html: string; excerpt: string | undefined }> {
  const gateway = await startGateway({ upstream: shop.url, fragments: { header: { src: '/fragments/header', local: localUrl, assets: ['/assets/header/'] } }, local: ['header'] });
  cleanups.push(() => gateway.close());
  const page = await request(`${gateway.url}/`, { timeout: 20_000 });
  expect(page.status).toBe(200);
  const html = page.body.toString();
  const box = /<div data-mfe-dev-error="header"[\s\S]*?<\/div>/.exec(html)?.[0];
  expect(box).toBeDefined();
  return { html: box!, excerpt: /<pre data-mfe-dev-error-body[^>]*>([\s\S]*?)<\/pre>/.exec(box!)?.[1] };
}

describe("the error box shows the local service's error (issue 20, item 7)", { timeout: 60_000 }, () => {
  it("a real Vite dev server whose fragment route throws: the box has Vite's exception text", async () => {
    const project = copyExample('header-service');
    cleanups.push(() => project.remove());
    project.edit('fragment.js', '  const attributes = [', '  const profile = undefined;\n  if (user === "nobody") return "";\n  const tier = profile.loyaltyTier;\n  const attributes = [');
    const service = await startHeaderService({ root: project.root });
    cleanups.push(() => service.close());
    const { html, excerpt } = await errorBoxOf(service.url);
    expect(html).toContain('HTTP 500');
    expect(excerpt).toContain('Cannot read properties of undefined (reading &#39;loyaltyTier&#39;)');
    // Bounded: the message and the top of the stack, not Vite's whole page.
    expect(excerpt!.length).toBeLessThan(1500);
    expect(excerpt).not.toContain('ErrorOverlay');
  });

  it('a huge error page with markup in it: escaped, cut short', async () => {
    const service = await listen((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`Error: <img src=x onerror=alert(1)> broke\n${'    at frame (file.js:1:1)\n'.repeat(50_000)}`);
    });
    cleanups.push(() => service.close());
    const { html, excerpt } = await errorBoxOf(service.url);
    expect(html).not.toContain('<img');
    expect(excerpt).toContain('Error: &#60;img src=x onerror=alert(1)&#62; broke');
    expect(excerpt!.length).toBeLessThan(1500);
  });

  it("express's HTML stack page is reduced to its text", () => {
    const page = '<!DOCTYPE html><html><head><title>Error</title></head><body><pre>TypeError: x is not a function<br> &nbsp; &nbsp;at render (/app/header.js:3:9)</pre></body></html>';
    expect(errorExcerpt(page)).toBe('Error\nTypeError: x is not a function\n at render (/app/header.js:3:9)');
  });
});
