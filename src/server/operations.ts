import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Counter, Histogram, Registry } from 'prom-client';
import type { ComposeEvents, FragmentEnd, PageEnd, PageInfo } from '../compose/events.js';
import { previewIdOf, type FragmentMode } from '../config/types.js';
import { DEV_PREFIX } from '../http/routes.js';
import { probeHttp } from '../probe.js';

/**
 * What a Kubernetes workload needs (contract, "Probes and metrics", "Logs", "Shutdown"), in every
 * mode and without access checks, never with production content:
 * - `/__mfe-dev/healthz`: 200 while the process serves;
 * - `/__mfe-dev/readyz`: 200 once the config is loaded and upstream has answered; 503 before,
 *   and from SIGTERM on;
 * - `/__mfe-dev/metrics`: Prometheus' text format (prom-client, its default process metrics too);
 * - in `serve`, one JSON line per request on stdout (no query strings, cookies or credentials).
 */
export const HEALTHZ_PATH = `${DEV_PREFIX}/healthz`;
export const READYZ_PATH = `${DEV_PREFIX}/readyz`;
export const METRICS_PATH = `${DEV_PREFIX}/metrics`;

/** A mode as a metric label: `preview:482` is `preview` (ids would make a series per pull request). */
const modeLabel = (mode: FragmentMode) => (previewIdOf(mode) === undefined ? mode : 'preview');
/** Includes of no configured fragment share one label (their URLs are production's to choose). */
const fragmentLabel = (f: FragmentEnd) => f.name ?? '(unconfigured)';

interface Instruments {
  registry: Registry;
  requests: Counter<'status'>;
  fragmentDuration: Histogram<'fragment' | 'mode'>;
  fragmentErrors: Counter<'fragment' | 'mode'>;
  shadow: Counter<'fragment' | 'outcome'>;
}

async function createInstruments(events: ComposeEvents): Promise<Instruments> {
  const client = await import('prom-client');
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const instruments: Instruments = {
    registry,
    requests: new client.Counter({ name: 'mfe_dev_requests_total', help: 'Requests answered by the gateway, by status code.', labelNames: ['status'], registers: [registry] }),
    fragmentDuration: new client.Histogram({
      name: 'mfe_dev_fragment_duration_seconds',
      help: 'Time to fetch and compose one fragment, by fragment and mode (previews as "preview").',
      labelNames: ['fragment', 'mode'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    fragmentErrors: new client.Counter({ name: 'mfe_dev_fragment_errors_total', help: 'Fragment requests that failed (refused, timeout, too large, HTTP error where it counts).', labelNames: ['fragment', 'mode'], registers: [registry] }),
    shadow: new client.Counter({ name: 'mfe_dev_shadow_comparisons_total', help: 'Shadow comparisons of this replica, by fragment and outcome (identical, different, failed).', labelNames: ['fragment', 'outcome'], registers: [registry] }),
  };
  events.on('fragment:end', (f) => {
    const labels = { fragment: fragmentLabel(f), mode: modeLabel(f.mode) };
    instruments.fragmentDuration.observe(labels, f.durationMs / 1000);
    if (f.failed) instruments.fragmentErrors.inc(labels);
  });
  events.on('shadow:result', (r) => instruments.shadow.inc({ fragment: r.name, outcome: r.error !== undefined ? 'failed' : r.equal ? 'identical' : 'different' }));
  return instruments;
}

export interface OperationsOptions {
  events: ComposeEvents;
  /** `serve`: JSON request lines on stdout. */
  jsonLogs: boolean;
  /** The upstream to probe for readiness (changes with a config reload). */
  upstream: () => string;
  /** Probe upstream as soon as metrics start (serve); otherwise at the first readiness check. */
  probeAtStart: boolean;
}

export interface Operations {
  /** Answers the probe and metrics paths; false for anything else. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Counts (and in `serve` logs) the request once it is answered. */
  track(req: IncomingMessage, res: ServerResponse): void;
  /** This request composes `page`: its log line waits for the page's fragments. */
  pageOf(res: ServerResponse, page: PageInfo): void;
  /** Loads prom-client (in `serve` at start; in `dev` at the first scrape of the metrics). */
  start(): Promise<void>;
  /** Upstream answered a request: no need to probe it for readiness. */
  upstreamAnswered(): void;
  /** SIGTERM: readiness turns 503 at once. */
  draining(): void;
  readonly ready: boolean;
  close(): void;
}

interface Pending {
  started: number;
  page?: PageInfo;
  pageEnd?: PageEnd;
  closed?: { status: number; ms: number };
  logged?: boolean;
}

export function createOperations(options: OperationsOptions): Operations {
  let instruments: Instruments | undefined;
  let starting: Promise<void> | undefined;
  let upstreamUp = false;
  let draining = false;
  let probeTimer: NodeJS.Timeout | undefined;
  const pending = new WeakMap<ServerResponse, Pending>();
  const byPage = new WeakMap<PageInfo, ServerResponse>();

  let probing = false;
  const probeUpstream = () => {
    if (upstreamUp || draining || probing) return;
    probing = true;
    void probeHttp(options.upstream() + '/', 3000).then((result) => {
      probing = false;
      if (result.ok) upstreamUp = true;
      else probeTimer = setTimeout(probeUpstream, 1000).unref();
    });
  };

  const start = () => (starting ??= createInstruments(options.events).then((created) => void (instruments = created)));

  const writeLog = (req: IncomingMessage, entry: Pending, status: number, ms: number) => {
    if (entry.logged) return;
    entry.logged = true;
    const fragments = (entry.pageEnd?.fragments ?? [])
      .filter((f) => f.depth === 0 || f.name !== undefined)
      .map((f) => ({ name: f.name ?? null, mode: f.mode, ms: Math.round(f.durationMs * 10) / 10, outcome: f.failed ? 'error' : 'ok' }));
    const path = (req.url ?? '/').split('?')[0];
    process.stdout.write(JSON.stringify({ time: new Date().toISOString(), method: req.method, path, status, ms: Math.round(ms * 10) / 10, fragments }) + '\n');
  };

  if (options.jsonLogs) {
    options.events.on('page:end', (end) => {
      const res = byPage.get(end.page);
      const entry = res && pending.get(res);
      if (!res || !entry) return;
      entry.pageEnd = end;
      if (entry.closed) writeLog((res as ServerResponse & { req: IncomingMessage }).req, entry, entry.closed.status, entry.closed.ms);
    });
  }

  return {
    get ready() {
      return !draining && upstreamUp;
    },
    handle(req, res) {
      const path = (req.url ?? '/').split('?')[0];
      if (path === HEALTHZ_PATH) return send(res, 200, 'ok\n'), true;
      if (path === READYZ_PATH) {
        probeUpstream();
        const ready = !draining && upstreamUp;
        send(res, ready ? 200 : 503, ready ? 'ready\n' : draining ? 'draining: shutting down\n' : 'not ready: upstream has not answered yet\n');
        return true;
      }
      if (path === METRICS_PATH) {
        // In dev the metrics start with the first scrape: a gateway nobody scrapes pays nothing for them.
        void start().then(
          () => instruments!.registry.metrics().then((text) => send(res, 200, text, instruments!.registry.contentType)),
          () => send(res, 500, 'metrics failed\n'),
        ).catch(() => send(res, 500, 'metrics failed\n'));
        return true;
      }
      return false;
    },
    track(req, res) {
      // Nothing to count or log (dev before any scrape): no listener, no record per request.
      if (!instruments && !options.jsonLogs) return;
      const entry: Pending = { started: performance.now() };
      if (options.jsonLogs) pending.set(res, entry);
      res.once('close', () => {
        const status = res.headersSent ? res.statusCode : 0;
        instruments?.requests.inc({ status: String(status) });
        if (!options.jsonLogs) return;
        const ms = performance.now() - entry.started;
        // A composed page is logged with its fragments, once they are all known.
        if (entry.page && !entry.pageEnd) {
          entry.closed = { status, ms };
          setTimeout(() => writeLog(req, entry, status, ms), 5000).unref();
          return;
        }
        writeLog(req, entry, status, ms);
      });
    },
    pageOf(res, page) {
      const entry = pending.get(res);
      if (!entry) return;
      entry.page = page;
      byPage.set(page, res);
    },
    start() {
      if (options.probeAtStart) probeUpstream();
      return start();
    },
    upstreamAnswered() {
      upstreamUp = true;
    },
    draining() {
      draining = true;
    },
    close() {
      clearTimeout(probeTimer);
      draining = true;
    },
  };
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
