/**
 * The dev page as a tool people open all day, in Chromium: for each recent page a waterfall of
 * its fragments (a bar per fragment where it started and as long as it took, its mode, a failed
 * one marked, the page's first byte and end), server-rendered SVG that works without JavaScript;
 * a service of a fragment this browser does not use is "not running", not a red "down".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../helpers/gateway.js';
import { launchChromium, runBrowserTests } from '../helpers/devservers.js';
import { closedPort, listen, request, type TestServer } from '../helpers/servers.js';

let production: TestServer;
let local: TestServer;
let gateway: Awaited<ReturnType<typeof startGateway>>;

beforeAll(async () => {
  production = await listen((req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    if (req.url === '/fragments/slow') return void setTimeout(() => res.end('<aside>slow</aside>'), 300);
    if (req.url?.startsWith('/fragments/')) return res.end('<nav>fast</nav>');
    res.end('<!doctype html><title>shop</title><!--#include virtual="/fragments/header" --><!--#include virtual="/fragments/slow" --><!--#include virtual="/fragments/broken" --><main>shop</main>');
  });
  local = await listen((_req, res) => res.setHeader('content-type', 'text/html').end('<header>local header</header>'));
  const down = `http://127.0.0.1:${await closedPort()}`;
  gateway = await startGateway({
    upstream: production.url,
    fragments: {
      header: { src: '/fragments/header', local: local.url },
      slow: { src: '/fragments/slow' },
      broken: { src: '/fragments/broken', local: down },
      search: { src: '/fragments/search', local: down },
    },
    local: ['header', 'broken'],
  });
});
afterAll(async () => {
  await gateway.close();
  await production.close();
  await local.close();
});

describe('the dev page', () => {
  it('draws each recent page as a waterfall of its fragments, without JavaScript', async () => {
    await request(`${gateway.url}/`);
    const html = (await request(`${gateway.url}/__mfe-dev/`)).text;
    const svg = /<svg class="waterfall"[\s\S]*?<\/svg>/.exec(html)?.[0];
    expect(svg).toBeDefined();
    // One bar per fragment, in mode colours; the failed one marked; first byte and end lines.
    expect(svg!.match(/class="wf-bar /g)).toHaveLength(3);
    expect(svg).toMatch(/<g class="wf-row wf-failed"><title>broken · local · starts [\d.]+ ms · [\d.]+ ms · failed: connection refused/);
    expect(svg).toMatch(/<title>slow · prod · starts [\d.]+ ms · (3\d\d|[4-9]\d\d|\d{4,}) ms · HTTP 200<\/title>/);
    expect(svg).toContain('class="wf-ttfb"');
    expect(svg).toContain('class="wf-end"');
    expect(svg).not.toMatch(/style=/);
    // A service this browser does not use is not an alarm.
    expect(html).toMatch(/<code>search<\/code>[\s\S]*?not running/);
    expect(html).toMatch(/<code>broken<\/code>[\s\S]*?<span class="bad">down<\/span>/);
  });

  it.runIf(runBrowserTests)('renders in Chromium with JavaScript off: bars laid out by time, one colour per mode', async () => {
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto(`${gateway.url}/`);
      await page.goto(`${gateway.url}/__mfe-dev/`);
      const bars = await page.locator('details.page[open] svg.waterfall').first().locator('rect.wf-bar').evaluateAll((rects) =>
        rects.map((r) => ({ x: (r as SVGRectElement).getBBox().x, width: (r as SVGRectElement).getBBox().width, fill: getComputedStyle(r).fill })),
      );
      expect(bars).toHaveLength(3);
      const [header, slow] = bars;
      // The slow fragment's bar is the longest, and the modes have their own colours.
      expect(slow.width).toBeGreaterThan(header.width);
      expect(new Set(bars.map((b) => b.fill)).size).toBe(3);
      await context.close();
    } finally {
      await browser.close();
    }
  });
});
