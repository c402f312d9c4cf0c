import type http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgents, destroyAgents, type Agents } from '../../src/http/agents.js';
import { ShadowMonitor, type ShadowJob, type ShadowSettings } from '../../src/shadow/shadow-monitor.js';
import { closedPort, listen, type TestServer } from '../helpers/servers.js';

/** Real servers on 127.0.0.1: production with a per-request token, and a local service. */
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(handler: http.RequestListener): Promise<TestServer> {
  const server = await listen(handler);
  cleanups.push(() => server.close());
  return server;
}

function agents(): Agents {
  const a = createAgents();
  cleanups.push(() => destroyAgents(a));
  return a;
}

let counter = 0;
const production = () =>
  serve((_req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<nav data-csrf="${++counter}-${Math.random()}"><a href="/">Home</a></nav>`);
  });

const settings = (overrides: Partial<ShadowSettings> = {}): ShadowSettings => ({
  ignores: { selectors: [], attributes: [], text: [] },
  headers: [],
  maxInFlight: 4,
  cookies: false,
  ...overrides,
});

const job = (prod: TestServer, localUrl: string, extra: Partial<ShadowJob> = {}): ShadowJob => ({
  fragment: 'header',
  method: 'GET',
  prodUrl: new URL(`${prod.url}/fragments/header?lang=de`),
  localUrl: new URL(`${localUrl}/fragments/header?lang=de`),
  headers: { 'accept-language': 'de', 'user-agent': 'test-browser', 'x-forwarded-host': 'shop.localhost', cookie: 'session=prod-secret' },
  timeoutMs: 2000,
  ...extra,
});

describe('ShadowMonitor against real servers', () => {
  it('asks the local service for the same path, query and forwarded headers, without the browser cookies', async () => {
    const prod = await production();
    const seen: http.IncomingHttpHeaders[] = [];
    const urls: string[] = [];
    const local = await serve((req, res) => {
      seen.push(req.headers);
      urls.push(req.url!);
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end('<nav data-csrf="local"><a href="/">Home</a></nav>');
    });
    const monitor = new ShadowMonitor({ agents: agents(), settings: () => settings() });
    // The token differs between production's two answers: noise, so the local answer is identical.
    expect(await monitor.run(job(prod, local.url))).toBe('identical');
    expect(urls).toEqual(['/fragments/header?lang=de']);
    expect(seen[0]).toMatchObject({ 'accept-language': 'de', 'user-agent': 'test-browser', 'x-forwarded-host': 'shop.localhost' });
    expect(seen[0].cookie).toBeUndefined();

    const withCookies = new ShadowMonitor({ agents: agents(), settings: () => settings({ cookies: true }) });
    await withCookies.run(job(prod, local.url));
    expect(seen[1].cookie).toBe('session=prod-secret');
  });

  it('holds the in-flight bound under a burst: the excess is skipped and counted', async () => {
    const prod = await production();
    let inFlight = 0;
    let peak = 0;
    const held: Array<() => void> = [];
    const local = await serve((_req, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      held.push(() => {
        inFlight--;
        res.end('<nav><a href="/">Home</a></nav>');
      });
    });
    const monitor = new ShadowMonitor({ agents: agents(), settings: () => settings({ maxInFlight: 3 }) });
    const outcomes = Array.from({ length: 25 }, () => monitor.run(job(prod, local.url)));
    await expect.poll(() => held.length).toBe(3);
    expect(monitor.inFlightCount('header')).toBe(3);
    for (const release of held.splice(0)) release();
    const results = await Promise.all(outcomes);
    expect(results.filter((r) => r === 'skipped')).toHaveLength(22);
    expect(peak).toBe(3);
    const [figures] = monitor.report('gateway', prod.url).fragments;
    expect(figures).toMatchObject({ name: 'header', compared: 3, skipped: 22, skippedBy: { 'in-flight': 22, method: 0 } });
  });

  it('counts a dead or slow local service as failed, with the reason', async () => {
    const prod = await production();
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const slow = await serve(() => undefined); // never answers
    const monitor = new ShadowMonitor({ agents: agents(), settings: () => settings() });
    expect(await monitor.run(job(prod, dead))).toBe('failed');
    expect(await monitor.run(job(prod, slow.url, { timeoutMs: 300 }))).toBe('failed');
    const report = monitor.report('gateway', prod.url);
    expect(report.fragments[0]).toMatchObject({ compared: 2, failed: 2, identical: 0 });
    expect(report.recent.map((r) => r.error)).toEqual([
      'the local service gave no answer: no answer within 300 ms',
      'the local service gave no answer: connection refused (is the service running?)',
    ]);
    // Production answered both times: its latency is still measured.
    expect(report.fragments[0].latency.prod.samples).toBe(2);
    expect(report.fragments[0].latency.local.samples).toBe(0);
  });

  it('counts a comparison that cannot be made as failed, with the reason, instead of losing it', async () => {
    const prod = await production();
    const local = await serve((_req, res) => res.end('<nav></nav>'));
    // The config validates selectors at load; here one slips through to prove nothing is lost.
    const monitor = new ShadowMonitor({ agents: agents(), settings: () => settings({ ignores: { selectors: ['div:bogus('], attributes: [], text: [] } }) });
    expect(await monitor.run(job(prod, local.url))).toBe('failed');
    const report = monitor.report('gateway', prod.url);
    expect(report.fragments[0]).toMatchObject({ compared: 1, failed: 1 });
    expect(report.recent[0].error).toMatch(/^mfe-dev could not compare the answers: /);
    expect(monitor.inFlightCount('header')).toBe(0);
  });

  it('shadows only safe methods', async () => {
    const prod = await production();
    let asked = 0;
    const local = await serve((_req, res) => {
      asked++;
      res.end('x');
    });
    const monitor = new ShadowMonitor({ agents: agents(), settings: () => settings() });
    expect(await monitor.run(job(prod, local.url, { method: 'POST' }))).toBe('skipped');
    expect(asked).toBe(0);
    expect(monitor.report('gateway', prod.url).fragments[0].skippedBy.method).toBe(1);
  });

  it('says one line when a fragment’s outcome changes, with control characters escaped', async () => {
    const prod = await production();
    let body = '<nav><a href="/">Home</a></nav>';
    const local = await serve((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(body);
    });
    const lines: string[] = [];
    const monitor = new ShadowMonitor({ agents: agents(), settings: () => settings(), onChange: (line) => lines.push(line) });
    await monitor.run(job(prod, local.url));
    await monitor.run(job(prod, local.url));
    body = '<nav><a href="/">Start\u001b[31m</a></nav>';
    await monitor.run(job(prod, local.url));
    await monitor.run(job(prod, local.url));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^shadow header \/fragments\/header\?lang=de: identical; production \d+ ms, local \d+ ms$/);
    expect(lines[1]).toContain('identical → different (1 difference(s): nav > a)');
    expect(lines[1]).toContain('+ "Start\\x1b[31m"');
    expect(lines.join('')).not.toContain('\u001b');
  });
});
