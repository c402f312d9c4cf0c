import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ComposeEvents, PageInfo } from '../compose/events.js';
import { pathOf } from './request-log.js';

/**
 * W3C Trace Context in `serve` (contract, "Traces"): an incoming `traceparent` is continued (else
 * a trace starts here); the request to production and every fragment request get a span of their
 * own (same trace id, their own span id in the `traceparent` they carry). `baggage` goes with them
 * (never to `includeHosts`: compose/ drops it with the cookies).
 *
 * Spans are exported over OTLP by OpenTelemetry's own SDK when `OTEL_EXPORTER_OTLP_ENDPOINT` is
 * set; the SDK is loaded only then (its exporter reads the OTEL_* variables itself).
 */

interface SpanHandle {
  spanId: string;
  end(attributes?: Record<string, string | number | boolean>, failed?: boolean): void;
}

interface SpanFactory {
  start(name: string, kind: 'server' | 'client', traceId: string, parentSpanId: string | undefined, sampled: boolean, attributes: Record<string, string | number>): SpanHandle;
  shutdown(): Promise<void>;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
/**
 * Random ids from a pool of 4 KiB, kept as hex text: one `randomBytes` call per ~500 ids, and an
 * id is a slice of that text (no conversion per id).
 */
const POOL_BYTES = 4096;
let pool = randomBytes(POOL_BYTES).toString('hex');
let used = 0;
function hex(bytes: number): string {
  if (used + bytes > POOL_BYTES) {
    pool = randomBytes(POOL_BYTES).toString('hex');
    used = 0;
  }
  used += bytes;
  return pool.slice(2 * (used - bytes), 2 * used);
}

async function otelSpans(): Promise<SpanFactory> {
  const api = await import('@opentelemetry/api');
  const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': process.env.OTEL_SERVICE_NAME ?? 'mfe-dev' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter(), { scheduledDelayMillis: 1000 })],
  });
  const tracer = provider.getTracer('mfe-dev');
  return {
    start(name, kind, traceId, parentSpanId, sampled, attributes) {
      const parent = api.trace.setSpanContext(api.ROOT_CONTEXT, {
        traceId,
        spanId: parentSpanId ?? '0000000000000000',
        traceFlags: sampled ? api.TraceFlags.SAMPLED : api.TraceFlags.NONE,
        isRemote: true,
      });
      const span = tracer.startSpan(name, { kind: kind === 'server' ? api.SpanKind.SERVER : api.SpanKind.CLIENT, attributes }, parentSpanId ? parent : api.trace.setSpanContext(api.ROOT_CONTEXT, { traceId, spanId: hex(8), traceFlags: api.TraceFlags.SAMPLED, isRemote: true }));
      return {
        spanId: span.spanContext().spanId,
        end(more, failed) {
          if (more) span.setAttributes(more);
          if (failed) span.setStatus({ code: api.SpanStatusCode.ERROR });
          span.end();
        },
      };
    },
    shutdown: () => provider.shutdown(),
  };
}

export interface RequestTrace {
  /** `traceparent` for a fragment request of this page (a new client span). */
  fragmentTraceparent(page: PageInfo, url: string, name: string | undefined): string;
}

export interface Tracing {
  /**
   * Continues (or starts) the request's trace: sets the production request's `traceparent`.
   * Its spans end when `res` closes.
   */
  begin(req: IncomingMessage, res: ServerResponse): RequestTrace;
  shutdown(): Promise<void>;
}

/** The incoming `traceparent`'s trace id and flags, when it is a valid version-00 one. */
function continued(header: string | string[] | undefined): { traceId: string; parentId: string; flags: string } | undefined {
  if (typeof header !== 'string') return undefined;
  const incoming = TRACEPARENT.exec(header.trim().toLowerCase());
  if (!incoming || /^0+$/.test(incoming[1]) || /^0+$/.test(incoming[2])) return undefined;
  return { traceId: incoming[1], parentId: incoming[2], flags: incoming[3] };
}

export async function createTracing(events: ComposeEvents): Promise<Tracing> {
  return process.env.OTEL_EXPORTER_OTLP_ENDPOINT ? exportedTracing(events, await otelSpans()) : idsOnly;
}

/**
 * Without an exporter: the ids the headers need, nothing recorded, nothing to end. A fragment's
 * span id is all that differs between its `traceparent` and the page's.
 */
const idsOnly: Tracing = {
  begin(req) {
    const parent = continued(req.headers.traceparent);
    const start = `00-${parent?.traceId ?? hex(16)}-`;
    const end = `-${parent?.flags ?? '01'}`;
    req.headers.traceparent = start + hex(8) + end;
    return { fragmentTraceparent: () => start + hex(8) + end };
  },
  shutdown: async () => {},
};

/** With an exporter: a server span per request, a client span for production and for each fragment. */
function exportedTracing(events: ComposeEvents, spans: SpanFactory): Tracing {
  // Fragment spans end on `fragment:end`, matched by page and URL.
  const open = new Map<string, SpanHandle[]>();
  const key = (page: PageInfo, url: string) => `${page.id} ${url}`;
  events.on('fragment:end', (f) => {
    const k = key(f.page, f.url);
    const list = open.get(k);
    const span = list?.shift();
    if (list && list.length === 0) open.delete(k);
    span?.end({ 'http.response.status_code': f.status, 'mfe_dev.mode': f.mode }, f.failed);
  });
  events.on('page:end', (p) => {
    // Whatever did not end (a cancelled page) ends with it.
    for (const [k, list] of open) if (k.startsWith(`${p.page.id} `)) (list.forEach((s) => s.end(undefined, true)), open.delete(k));
  });

  return {
    begin(req, res) {
      const parent = continued(req.headers.traceparent);
      const traceId = parent?.traceId ?? hex(16);
      const flags = parent?.flags ?? '01';
      const sampled = (parseInt(flags, 16) & 1) === 1;
      const path = pathOf(req.url);
      const method = req.method ?? 'GET';
      const server = spans.start(`${method} ${path}`, 'server', traceId, parent?.parentId, sampled, { 'http.request.method': method, 'url.path': path });
      const upstream = spans.start(`${method} production`, 'client', traceId, server.spanId, sampled, { 'http.request.method': method, 'url.path': path });
      req.headers.traceparent = `00-${traceId}-${upstream.spanId}-${flags}`;
      res.once('close', () => {
        upstream.end({ 'http.response.status_code': res.statusCode });
        server.end({ 'http.response.status_code': res.statusCode }, res.statusCode >= 500);
      });
      return {
        fragmentTraceparent(page, url, name) {
          const span = spans.start(`fragment ${name ?? new URL(url).pathname}`, 'client', traceId, server.spanId, sampled, { 'url.full': url, 'mfe_dev.fragment': name ?? '' });
          const k = key(page, url);
          const list = open.get(k);
          if (list) list.push(span);
          else open.set(k, [span]);
          return `00-${traceId}-${span.spanId}-${flags}`;
        },
      };
    },
    shutdown: () => spans.shutdown(),
  };
}
