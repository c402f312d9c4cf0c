/**
 * `/__mfe-dev/metrics` in dev: the metrics start with the first scrape (a gateway nobody scrapes
 * pays nothing per page for them), then count pages and fragments like serve's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../helpers/gateway.js';
import { listen, request, type TestServer } from '../helpers/servers.js';

let production: TestServer;
let gateway: Awaited<ReturnType<typeof startGateway>>;

beforeAll(async () => {
  production = await listen((req, res) => {
    if (req.url === '/fragments/header') return res.setHeader('content-type', 'text/html').end('<b>HEADER</b>');
    res.setHeader('content-type', 'text/html').end('<!doctype html><!--#include virtual="/fragments/header" --><p>shop</p>');
  });
  gateway = await startGateway({ upstream: production.url, fragments: { header: { src: '/fragments/header' } } });
});
afterAll(async () => {
  await gateway?.close();
  await production?.close();
});

describe('metrics in dev', () => {
  it('start at the first scrape, then count composed pages and their fragments', { timeout: 30_000 }, async () => {
    expect((await request(`${gateway.url}/`)).text).toContain('<b>HEADER</b>');

    const first = await request(`${gateway.url}/__mfe-dev/metrics`);
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toContain('text/plain');
    expect(first.text).toContain('# TYPE mfe_dev_requests_total counter');
    expect(first.text).toContain('process_cpu_user_seconds_total');
    // The page before the first scrape is not counted: the metrics did not exist yet.
    expect(first.text).not.toMatch(/mfe_dev_fragment_duration_seconds_count\{fragment="header",mode="prod"\}/);

    for (let i = 0; i < 2; i++) expect((await request(`${gateway.url}/`)).text).toContain('<b>HEADER</b>');
    const second = (await request(`${gateway.url}/__mfe-dev/metrics`)).text;
    expect(second).toMatch(/mfe_dev_requests_total\{status="200"\} [2-9]/);
    expect(second).toMatch(/mfe_dev_fragment_duration_seconds_count\{fragment="header",mode="prod"\} 2\b/);
  });
});
