import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSite, type FakeSite } from '../fixtures/site.js';
import { listen, request, type TestServer } from '../helpers/servers.js';
import { startServe, tempDir, type ServeProcess } from './serve-process.js';

/**
 * Traces in `serve`: the incoming `traceparent` continues into production and each fragment
 * request (same trace id, a span id of their own), `baggage` reaches production and fragments but
 * not an `includeHosts` origin, and spans reach a real OTLP/HTTP receiver (this test's own
 * loopback server, speaking what OpenTelemetry's exporter sends: JSON on /v1/traces).
 */
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
}

describe('mfe-dev serve: traces', () => {
  let site: FakeSite;
  let cdn: FakeSite;
  let collector: TestServer;
  let serve: ServeProcess | undefined;
  let dir: string;

  afterEach(async () => {
    await Promise.allSettled([serve?.stop(), site?.close(), cdn?.close(), collector?.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('continues traceparent into production and fragments, keeps baggage from includeHosts, exports spans over OTLP', async () => {
    const spans: OtlpSpan[] = [];
    const contentTypes: string[] = [];
    collector = await listen((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        contentTypes.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> };
        for (const resource of body.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    cdn = await startSite({ '/widget': 'CDN-WIDGET' });
    site = await startSite({
      '/': `<p><!--#include virtual="/fragments/header" -->|<!--#include virtual="/fragments/footer" -->|<esi:include src="${cdn.url}/widget"/></p>`,
      '/fragments/header': 'HEADER',
      '/fragments/footer': 'FOOTER',
    });
    dir = tempDir();
    const file = path.join(dir, 'mfe-dev.config.json');
    fs.writeFileSync(file, JSON.stringify({ upstream: site.url, includeHosts: [cdn.url], fragments: { header: { src: '/fragments/header' }, footer: { src: '/fragments/footer' } }, serve: { auth: false } }));
    serve = await startServe(['--config', file], { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: 'preview-gateway' });
    for (let i = 0; i < 100 && (await request(`${serve.url}/__mfe-dev/readyz`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));

    const answer = await request(`${serve.url}/`, { headers: { traceparent: `00-${TRACE_ID}-${PARENT}-01`, baggage: 'team=checkout' } });
    expect(answer.text).toBe('<p>HEADER|FOOTER|CDN-WIDGET</p>');

    const seen = (where: FakeSite, p: string) => [...where.requests].reverse().find((r) => r.path === p)!.headers;
    const traceparents = [seen(site, '/'), seen(site, '/fragments/header'), seen(site, '/fragments/footer'), seen(cdn, '/widget')].map((h) => String(h.traceparent));
    for (const tp of traceparents) expect(tp).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
    const spanIds = traceparents.map((tp) => tp.split('-')[2]);
    expect(new Set([...spanIds, PARENT]).size).toBe(5); // a span of its own each
    expect(seen(site, '/').baggage).toBe('team=checkout');
    expect(seen(site, '/fragments/header').baggage).toBe('team=checkout');
    expect(seen(cdn, '/widget').baggage).toBeUndefined();
    expect(seen(cdn, '/widget').cookie).toBeUndefined();

    // The SDK's batch processor exports within about a second.
    for (let i = 0; i < 150 && spans.length < 5; i++) await new Promise((r) => setTimeout(r, 100));
    expect(contentTypes[0]).toMatch(/^POST \/v1\/traces application\/json/);
    const inTrace = spans.filter((s) => s.traceId === TRACE_ID);
    const server = inTrace.find((s) => s.parentSpanId === PARENT)!;
    expect(server.name).toBe('GET /');
    for (const id of spanIds) {
      const span = inTrace.find((s) => s.spanId === id);
      expect(span, `span ${id} exported`).toBeDefined();
      expect(span!.parentSpanId).toBe(server.spanId);
    }
  });

  it('without OTEL_EXPORTER_OTLP_ENDPOINT, starts a trace of its own', async () => {
    site = await startSite({ '/': '<p><!--#include virtual="/fragments/header" --></p>', '/fragments/header': 'HEADER' });
    dir = tempDir();
    const file = path.join(dir, 'mfe-dev.config.json');
    fs.writeFileSync(file, JSON.stringify({ upstream: site.url, fragments: { header: { src: '/fragments/header' } }, serve: { auth: false } }));
    serve = await startServe(['--config', file], { OTEL_EXPORTER_OTLP_ENDPOINT: '' });
    await request(`${serve.url}/`);
    const page = String([...site.requests].reverse().find((r) => r.path === '/')!.headers.traceparent);
    const fragment = String(site.requests.find((r) => r.path === '/fragments/header')!.headers.traceparent);
    expect(page.split('-')[1]).toBe(fragment.split('-')[1]);
    expect(page).not.toBe(fragment);
  });
});
