/**
 * Issue 16, item 12: a shadow comparison of ~700 KB fragments (three answers parsed, then
 * diffed) runs off the request thread: the gateway answers other requests meanwhile, its event
 * loop never held for long, and the comparison's outcome is the same as inline.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { ShadowReportJson } from '../../src/shadow/stats.js';
import { comparisonsOffThread, stopComparisonWorker } from '../../src/shadow/compare-off-thread.js';
import { startGateway } from '../helpers/gateway.js';
import { listen, request } from '../helpers/servers.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await stopComparisonWorker();
});

/** About 700 KB of small elements (28,000 rows, a per-answer token each), the local side with one row changed. */
const big = (token: string, changed = false) =>
  `<ul class="catalogue">${Array.from({ length: 28_000 }, (_, i) => `<li><b>${changed && i === 4321 ? 'Offers' : i}</b>${token}</li>`).join('')}</ul>`;

describe('a big shadow comparison does not block the gateway (issue 16, item 12)', { timeout: 120_000 }, () => {
  it('another request is answered while ~700 KB fragments are compared, and the difference is reported', async () => {
    const prod = await listen((req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      if (req.url === '/fragments/catalogue') return void res.end(big(Math.random().toString(36).slice(2, 6)));
      res.end('<!DOCTYPE html><html><body><!--#include virtual="/fragments/catalogue" --></body></html>');
    });
    const local = await listen((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(big(Math.random().toString(36).slice(2, 6), true)));
    cleanups.push(() => prod.close(), () => local.close());
    expect(big('x').length).toBeGreaterThan(600_000);
    const gateway = await startGateway({ upstream: prod.url, fragments: { catalogue: { src: '/fragments/catalogue', local: local.url } }, shadow: ['catalogue'] });
    cleanups.push(() => gateway.close());

    // The event loop is watched from the page request until the comparison is done, and the
    // dev page's API answers meanwhile.
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    expect((await request(`${gateway.url}/`, { timeout: 60_000 })).status).toBe(200);
    const answered = request(`${gateway.url}/__mfe-dev/api/state`, { timeout: 60_000 });
    await gateway.shadow.idle();
    delay.disable();
    expect((await answered).status).toBe(200);
    const report = JSON.parse((await request(`${gateway.url}/__mfe-dev/api/shadow`)).text) as ShadowReportJson;
    expect(report.recent[0]?.error ?? null).toBeNull();
    expect(report.fragments[0]).toMatchObject({ compared: 1, different: 1, failed: 0 });
    expect(report.recent[0].outcome).toBe('different');
    // It ran in the worker thread; the longest stall of the gateway's loop meanwhile is reading
    // the bodies and the page (generous for a loaded machine).
    expect(comparisonsOffThread()).toBeGreaterThanOrEqual(1);
    expect(delay.max / 1e6).toBeLessThan(1000);
  });
});
