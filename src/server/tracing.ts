import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ComposeEvents, PageInfo } from '../compose/events.js';

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
/** Random ids from a pool refilled 4 KiB at a time (one `randomBytes` call per ~500 ids, not one per id). */
let pool = randomBytes(4096);
let used = 0;
function hex(bytes: number): string {
  if (used + bytes > pool.length) {
    pool = randomBytes(4096);
    used = 0;
  }
  used += bytes;
  return pool.toString('hex', used - bytes, used);
}

/** Without an exporter: ids only (what the headers need), nothing recorded. */
const idsOnly: SpanFactory = {
  start: () => ({ spanId: hex(8), end() {} }),
  shutdown: async () => {},
};

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
  /** Continues (or starts) the request's trace: sets the production request's `traceparent`. */
  begin(req: IncomingMessage): RequestTrace;
  /** The response ended. */
  end(req: IncomingMessage, status: number): void;
  shutdown(): Promise<void>;
}

const TRACE = Symbol('mfe-dev.trace');
type Traced = IncomingMessage & { [TRACE]?: { server: SpanHandle; upstream: SpanHandle } };

export async function createTracing(events: ComposeEvents): Promise<Tracing> {
  const spans = process.env.OTEL_EXPORTER_OTLP_ENDPOINT ? await otelSpans() : idsOnly;
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
    begin(req) {
      const incoming = TRACEPARENT.exec(String(req.headers.traceparent ?? '').trim().toLowerCase());
      const valid = incoming && !/^0+$/.test(incoming[1]) && !/^0+$/.test(incoming[2]);
      const traceId = valid ? incoming[1] : hex(16);
      const flags = valid ? incoming[3] : '01';
      const sampled = (parseInt(flags, 16) & 1) === 1;
      const path = (req.url ?? '/').split('?')[0];
      const server = spans.start(`${req.method} ${path}`, 'server', traceId, valid ? incoming[2] : undefined, sampled, { 'http.request.method': req.method ?? 'GET', 'url.path': path });
      const upstream = spans.start(`${req.method} production`, 'client', traceId, server.spanId, sampled, { 'http.request.method': req.method ?? 'GET', 'url.path': path });
      (req as Traced)[TRACE] = { server, upstream };
      req.headers.traceparent = `00-${traceId}-${upstream.spanId}-${flags}`;
      return {
        fragmentTraceparent(page, url, name) {
          const span = spans.start(`fragment ${name ?? new URL(url).pathname}`, 'client', traceId, server.spanId, sampled, { 'url.full': url, 'mfe_dev.fragment': name ?? '' });
          const k = key(page, url);
          open.set(k, [...(open.get(k) ?? []), span]);
          return `00-${traceId}-${span.spanId}-${flags}`;
        },
      };
    },
    end(req, status) {
      const trace = (req as Traced)[TRACE];
      if (!trace) return;
      trace.upstream.end({ 'http.response.status_code': status });
      trace.server.end({ 'http.response.status_code': status }, status >= 500);
    },
    shutdown: () => spans.shutdown(),
  };
}
