/**
 * Issue 16, item 12: a shadow comparison of ~700 KB fragments (three answers parsed, then
 * diffed) runs off the request thread: the gateway answers other requests meanwhile, its event
 * loop never held for long, and the comparison's outcome is the same as inline. The whole
 * comparison (parsing and diffing) has a time limit; the worker is one, its queue bounded, and
 * it is stopped when the gateway closes.
 */
import type http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import type { ShadowReportJson } from '../../src/shadow/stats.js';
import { NO_IGNORES } from '../../src/html/comparable-document.js';
import { NoiseBook } from '../../src/shadow/noise.js';
import {
  ComparisonBusy,
  MAX_WAITING,
  compareOffThread,
  comparisonThreadId,
  comparisonsOffThread,
  stopComparisonWorker,
} from '../../src/shadow/compare-off-thread.js';
import type { CompareInput } from '../../src/shadow/compare.js';
import { startGateway } from '../helpers/gateway.js';
import { listen, request } from '../helpers/servers.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await stopComparisonWorker();
  delete process.env.MFE_DEV_SHADOW_COMPARE_TIMEOUT_MS;
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

/**
 * A fragment whose comparison is made heavy on purpose: the fragment's `compare.ignore.text`
 * pattern backtracks on each of its text runs (the user's own pattern, run on every text run of
 * the three answers), so comparing takes tens of seconds wherever it runs (on the request
 * thread, the test's request would wait for all of it).
 */
const HEAVY_PATTERN = '(a+)+b';
const heavy = (token: string) =>
  `<div>${Array.from({ length: 30 }, () => `<p>${'a'.repeat(25)}</p>`).join('')}<ul>${Array.from({ length: 3000 }, (_, i) => `<li>${i} ${token}</li>`).join('')}</ul></div>`;

describe('the whole comparison is off the request thread and bounded (issue 16, item 12)', { timeout: 120_000 }, () => {
  it('a request made while a heavy comparison runs is answered before the comparison ends; the comparison is stopped at its time limit', async () => {
    process.env.MFE_DEV_SHADOW_COMPARE_TIMEOUT_MS = '5000';
    let prodAnswers = 0;
    const prodAnswered: Array<() => void> = [];
    const prod = await listen((req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      if (req.url === '/fragments/heavy') {
        res.on('finish', () => {
          prodAnswers++;
          prodAnswered.splice(0).forEach((wake) => wake());
        });
        return void res.end(heavy(Math.random().toString(36).slice(2, 6)));
      }
      res.end('<!DOCTYPE html><html><body><!--#include virtual="/fragments/heavy" --></body></html>');
    });
    // The local service answers when the test says so: the comparison starts right after.
    let localResponse!: http.ServerResponse;
    let localAsked!: () => void;
    const asked = new Promise<void>((resolve) => (localAsked = resolve));
    const local = await listen((_req, res) => {
      localResponse = res;
      localAsked();
    });
    cleanups.push(() => local.close());
    cleanups.push(() => prod.close());
    expect(heavy('x').length * 3).toBeGreaterThan(64 * 1024); // goes to the worker when it works
    const gateway = await startGateway({
      upstream: prod.url,
      fragments: { heavy: { src: '/fragments/heavy', local: local.url, compare: { ignore: { text: [HEAVY_PATTERN] } } } },
      shadow: ['heavy'],
    });
    cleanups.push(() => gateway.close());

    expect((await request(`${gateway.url}/`, { timeout: 60_000 })).status).toBe(200);
    await asked;
    while (prodAnswers < 2) await new Promise<void>((resolve) => prodAnswered.push(resolve));
    // The last answer: the comparison starts as soon as the gateway has it. Once it was sent,
    // and a moment later, the dev page's API is asked what the comparison came to.
    await new Promise<void>((resolve) => {
      localResponse.on('finish', resolve);
      localResponse.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(heavy('local'));
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const during = JSON.parse((await request(`${gateway.url}/__mfe-dev/api/shadow`, { timeout: 120_000 })).text) as ShadowReportJson;
    // Answered while the comparison was still running: on the request thread, the API could
    // only have answered after it, with the comparison counted.
    expect(during.fragments.find((f) => f.name === 'heavy')).toMatchObject({ compared: 0 });
    const health = await request(`${gateway.url}/__mfe-dev/healthz`, { timeout: 10_000 });
    expect(health.status).toBe(200);

    // The comparison, parsing included, had 5 s: it is stopped and counted as failed, naming the limit.
    await gateway.shadow.idle();
    const after = JSON.parse((await request(`${gateway.url}/__mfe-dev/api/shadow`)).text) as ShadowReportJson;
    expect(after.fragments.find((f) => f.name === 'heavy')).toMatchObject({ compared: 1, failed: 1 });
    expect(after.recent[0].error).toMatch(/took longer than 5000 ms and was stopped \(MFE_DEV_SHADOW_COMPARE_TIMEOUT_MS\)/);
  });

  it('one worker thread for all big comparisons, at most MAX_WAITING waiting, and stopped when the gateway closes', async () => {
    process.env.MFE_DEV_SHADOW_COMPARE_TIMEOUT_MS = '60000';
    const side = (body: string) => ({ status: 200, headers: { 'content-type': 'text/html' }, body, durationMs: 1 });
    const input = (i: number): CompareInput => ({
      fragment: 'heavy',
      path: `/p${i}`,
      prod: side(heavy('p')),
      local: side(heavy('l')),
      ignores: { ...NO_IGNORES, text: [new RegExp(HEAVY_PATTERN, 'g')] },
      noise: new NoiseBook(),
    });
    // The first runs (for many seconds), MAX_WAITING wait, the next one is refused at once.
    const accepted = Array.from({ length: MAX_WAITING + 1 }, (_, i) => compareOffThread(input(i)));
    for (const comparison of accepted) comparison.catch(() => undefined);
    await expect(compareOffThread(input(99))).rejects.toBeInstanceOf(ComparisonBusy);
    const worker = comparisonThreadId();
    expect(worker).toBeDefined();
    expect(worker).not.toBe(threadId);

    // Stopping (what a closing gateway does when it is the last user) ends them all, at once.
    await stopComparisonWorker();
    const outcomes = await Promise.allSettled(accepted);
    expect(outcomes.every((o) => o.status === 'rejected' && /worker was stopped/.test(String(o.reason)))).toBe(true);
    expect(comparisonThreadId()).toBeUndefined();
  });

  it('a gateway that closes terminates the comparison worker it started', async () => {
    const prod = await listen((req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      if (req.url === '/fragments/catalogue') return void res.end(heavy('p'));
      res.end('<html><body><!--#include virtual="/fragments/catalogue" --></body></html>');
    });
    const local = await listen((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(heavy('l')));
    cleanups.push(() => prod.close(), () => local.close());
    const gateway = await startGateway({ upstream: prod.url, fragments: { catalogue: { src: '/fragments/catalogue', local: local.url } }, shadow: ['catalogue'] });
    let closed = false;
    cleanups.push(() => closed || gateway.close());
    await request(`${gateway.url}/`, { timeout: 60_000 });
    await gateway.shadow.idle();
    expect(comparisonsOffThread()).toBeGreaterThanOrEqual(1);
    expect(comparisonThreadId()).toBeDefined();
    closed = true;
    await gateway.close();
    expect(comparisonThreadId()).toBeUndefined();
  });
});
