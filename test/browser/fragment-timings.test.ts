/**
 * Issue 20, item 6: each fragment's timing is visible through a standard browser API on a
 * composed page with the overlay: `performance.getEntriesByType('measure')` has an `mfe-NAME`
 * measure per configured fragment, with the gateway's duration, mode and status (Chromium ignores
 * the `Server-Timing` trailer, and the header only has what was resolved before the first byte).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, openWatchedPage, runBrowserTests } from '../helpers/devservers.js';
import { startGateway } from '../helpers/gateway.js';
import { listen, type TestServer } from '../helpers/servers.js';

let browser: Browser;
const servers: TestServer[] = [];
beforeAll(async () => {
  if (runBrowserTests) browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  for (const server of servers) await server.close();
});

describe.runIf(runBrowserTests)('fragment timings in the browser (issue 20, item 6)', { timeout: 60_000 }, () => {
  it('the overlay adds a User Timing measure per fragment: mfe-header (local, slow) and mfe-footer (production)', async () => {
    const renderedIn = () => `<small>rendered in ${(Math.random() * 9).toFixed(1)} ms</small>`;
    const prod = await listen((req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      if (req.url === '/fragments/footer') return void res.end(`<footer>prod footer ${renderedIn()}</footer>`);
      if (req.url === '/fragments/header') return void res.end('<header>prod header</header>');
      res.end('<!DOCTYPE html><html><head><title>t</title></head><body><!--#include virtual="/fragments/header" --><main>page</main><!--#include virtual="/fragments/footer" --></body></html>');
    });
    const local = await listen((_req, res) => {
      setTimeout(() => res.writeHead(200, { 'content-type': 'text/html' }).end(`<header>local header ${renderedIn()}</header>`), 150);
    });
    servers.push(prod, local);
    const gateway = await startGateway({
      upstream: prod.url,
      fragments: { header: { src: '/fragments/header', local: local.url }, footer: { src: '/fragments/footer' } },
      local: ['header'],
    });
    servers.push({ close: () => gateway.close() } as TestServer);
    const watched = await openWatchedPage(browser);
    await watched.page.goto(`${gateway.url}/`);
    await watched.page.waitForFunction(() => performance.getEntriesByType('measure').some((m) => m.name === 'mfe-header'));
    const measures = await watched.page.evaluate(() =>
      performance.getEntriesByType('measure').map((m) => ({ name: m.name, duration: m.duration, start: m.startTime, detail: (m as PerformanceMeasure).detail as { mode: string; status: number; failed: boolean } })),
    );
    const header = measures.find((m) => m.name === 'mfe-header')!;
    const footer = measures.find((m) => m.name === 'mfe-footer')!;
    expect(header.detail).toMatchObject({ mode: 'local', status: 200, failed: false });
    expect(header.duration).toBeGreaterThanOrEqual(140);
    expect(footer.detail).toMatchObject({ mode: 'prod', status: 200, failed: false });
    expect(footer.start).toBeGreaterThan(0);
    await watched.context.close();
  });
});
