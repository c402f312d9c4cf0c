import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { page, startSite, type FakeSite } from '../fixtures/site.js';
import { request } from '../helpers/servers.js';
import { startServe, tempDir, type ServeProcess } from './serve-process.js';

/** Probes, metrics (checked by Prometheus' own promtool) and the SIGTERM drain of `mfe-dev serve`. */
const promtool = fs.existsSync('/usr/bin/promtool') || Boolean(process.env.CI);

describe('mfe-dev serve: probes, metrics, shutdown', () => {
  let site: FakeSite;
  let serve: ServeProcess | undefined;
  let dir: string;

  afterEach(async () => {
    await Promise.allSettled([serve?.stop(), site?.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function start(serveConfig: object) {
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    site = await startSite({
      '/': page('Home', '<!--#include virtual="/fragments/header" -->|<!--#include virtual="/fragments/broken" -->'),
      '/slow': { body: 'slow page', wait: () => slow },
      '/fragments/header': 'PROD-HEADER',
      '/fragments/broken': { body: '', status: 503 },
    });
    dir = tempDir();
    const file = path.join(dir, 'mfe-dev.config.json');
    fs.writeFileSync(file, JSON.stringify({ upstream: site.url, fragments: { header: { src: '/fragments/header' }, broken: { src: '/fragments/broken' } }, serve: { auth: false, ...serveConfig } }));
    serve = await startServe(['--config', file]);
    return { release };
  }

  it.runIf(promtool)('metrics pass promtool check metrics, with fragment histograms by mode and process metrics', async () => {
    await start({});
    for (let i = 0; i < 3; i++) expect((await request(`${serve!.url}/`)).status).toBe(200);
    await request(`${serve!.url}/?mfe-dev=header=preview:1`); // no previews: prod, with a warning
    const metrics = (await request(`${serve!.url}/__mfe-dev/metrics`)).text;
    expect(metrics).toMatch(/mfe_dev_requests_total\{status="200"\} [3-9]/);
    expect(metrics).toMatch(/mfe_dev_fragment_duration_seconds_bucket\{le="[^"]+",fragment="header",mode="prod"\}/);
    expect(metrics).toMatch(/mfe_dev_fragment_duration_seconds_count\{fragment="header",mode="prod"\} 4/);
    expect(metrics).toContain('process_cpu_user_seconds_total');
    expect(metrics).toContain('nodejs_eventloop_lag_seconds');
    // promtool reads the exposition from stdin and exits 0 when it is valid (lint notes go to stdout).
    const checked = spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
    // A parse error fails with other text; the only lint allowed is about three gauges of
    // prom-client's own default Node metrics (named `*_total` by prom-client).
    const problems = `${checked.stdout}${checked.stderr}`.split('\n').filter(Boolean);
    expect(checked.error).toBeUndefined();
    expect(problems.filter((line) => !/^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/.test(line))).toEqual([]);
    expect([0, 3]).toContain(checked.status);
  });

  it('SIGTERM: readiness 503 at once, serving during drainDelay, in-flight requests finish, exit 0', async () => {
    const { release } = await start({ drainDelay: 1500, drainTimeout: 20_000 });
    for (let i = 0; i < 100 && (await request(`${serve!.url}/__mfe-dev/readyz`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await request(`${serve!.url}/__mfe-dev/readyz`)).status).toBe(200);
    const inFlight = request(`${serve!.url}/slow`, { timeout: 30_000 });
    await new Promise((r) => setTimeout(r, 200));
    serve!.child.kill('SIGTERM');
    // Readiness turns at once; pages are still served during the delay.
    let readyz = 200;
    for (let i = 0; i < 50 && readyz === 200; i++) readyz = (await request(`${serve!.url}/__mfe-dev/readyz`)).status;
    expect(readyz).toBe(503);
    expect((await request(`${serve!.url}/`)).status).toBe(200);
    // After the delay, no new connections; the slow request still completes.
    await new Promise((r) => setTimeout(r, 2000));
    await expect(request(`${serve!.url}/`, { timeout: 2000 })).rejects.toThrow();
    release();
    expect((await inFlight).text).toBe('slow page');
    expect(await serve!.exited).toBe(0);
  });
});
