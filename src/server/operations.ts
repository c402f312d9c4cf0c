import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { ComposeEvents, PageEnd, PageInfo } from '../compose/events.js';
import { previewIdOf, type FragmentMode } from '../config/types.js';
import { DEV_PREFIX } from '../http/routes.js';
import { probeHttp } from '../probe.js';
import { pathOf, requestLogLine } from './request-log.js';

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
const UNCONFIGURED = '(unconfigured)';

interface Instruments {
  registry: Registry;
  /** Counts a request by status. */
  request(status: number): void;
}

/**
 * The metrics. Every series' child is looked up once per label set and kept (prom-client hashes
 * the label object on each `inc`/`observe` otherwise): statuses, and fragments by mode, are few.
 */
async function createInstruments(events: ComposeEvents): Promise<Instruments> {
  const client = await import('prom-client');
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const requests = new client.Counter({ name: 'mfe_dev_requests_total', help: 'Requests answered by the gateway, by status code.', labelNames: ['status'], registers: [registry] });
  const fragmentDuration = new client.Histogram({
    name: 'mfe_dev_fragment_duration_seconds',
    help: 'Time to fetch and compose one fragment, by fragment and mode (previews as "preview").',
    labelNames: ['fragment', 'mode'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const fragmentErrors = new client.Counter({ name: 'mfe_dev_fragment_errors_total', help: 'Fragment requests that failed (refused, timeout, too large, HTTP error where it counts).', labelNames: ['fragment', 'mode'], registers: [registry] });
  const shadow = new client.Counter({ name: 'mfe_dev_shadow_comparisons_total', help: 'Shadow comparisons of this replica, by fragment and outcome (identical, different, failed).', labelNames: ['fragment', 'outcome'], registers: [registry] });

  const byStatus = new Map<number, { inc(): void }>();
  /** fragment name → mode → its two series. Names come from the config; modes are four labels. */
  const byFragment = new Map<string, Map<string, { duration: { observe(value: number): void }; errors: { inc(): void } }>>();
  const seriesOf = (fragment: string, mode: FragmentMode) => {
    const label = modeLabel(mode);
    let modes = byFragment.get(fragment);
    if (!modes) byFragment.set(fragment, (modes = new Map()));
    let series = modes.get(label);
    if (!series) modes.set(label, (series = { duration: fragmentDuration.labels(fragment, label), errors: fragmentErrors.labels(fragment, label) }));
    return series;
  };
  events.on('fragment:end', (f) => {
    const series = seriesOf(f.name ?? UNCONFIGURED, f.mode);
    series.duration.observe(f.durationMs / 1000);
    if (f.failed) series.errors.inc();
  });
  events.on('shadow:result', (r) => shadow.labels(r.name, r.error !== undefined ? 'failed' : r.equal ? 'identical' : 'different').inc());
  return {
    registry,
    request(status) {
      let series = byStatus.get(status);
      if (!series) byStatus.set(status, (series = requests.labels(String(status))));
      series.inc();
    },
  };
}

export interface OperationsOptions {
  events: ComposeEvents;
  /** `serve`: where each request's JSON line goes (the logger's stdout), if anywhere. */
  requestLog: ((line: string) => void) | undefined;
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

/** A request being logged: its line waits for the response's end and, for a composed page, the page's. */
interface Pending {
  req: IncomingMessage;
  started: number;
  page?: PageInfo;
  pageEnd?: PageEnd;
  closed?: { status: number; ms: number };
}

/** The log entry of a response (a property of its own: no weak map to sweep per request). */
const LOG = Symbol('mfe-dev.request-log');
type Logged = ServerResponse & { [LOG]?: Pending };

export function createOperations(options: OperationsOptions): Operations {
  let instruments: Instruments | undefined;
  let starting: Promise<void> | undefined;
  let upstreamUp = false;
  let draining = false;
  let probeTimer: NodeJS.Timeout | undefined;
  const { requestLog } = options;
  /** Composed pages whose `page:end` has not come yet, and the entry each one's line waits in. */
  const pagesInFlight = new Map<PageInfo, Pending>();

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

  const writeLog = (entry: Pending, status: number, ms: number) => {
    if (entry.page) pagesInFlight.delete(entry.page);
    requestLog!(requestLogLine(entry.req.method, entry.req.url, status, ms, entry.pageEnd?.fragments));
  };

  if (requestLog) {
    options.events.on('page:end', (end) => {
      const entry = pagesInFlight.get(end.page);
      if (!entry) return;
      pagesInFlight.delete(end.page);
      entry.pageEnd = end;
      if (entry.closed) writeLog(entry, entry.closed.status, entry.closed.ms);
    });
  }

  return {
    get ready() {
      return !draining && upstreamUp;
    },
    handle(req, res) {
      const path = pathOf(req.url);
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
      if (!requestLog) {
        // Nothing to count (dev before any scrape of the metrics): no listener per request.
        if (instruments) res.once('close', () => instruments?.request(res.headersSent ? res.statusCode : 0));
        return;
      }
      const entry: Pending = { req, started: performance.now() };
      (res as Logged)[LOG] = entry;
      res.once('close', () => {
        const status = res.headersSent ? res.statusCode : 0;
        instruments?.request(status);
        const ms = performance.now() - entry.started;
        // A composed page is logged with its fragments, once they are all known (its `page:end`
        // comes first, with the response's last byte; this waits for one that has not).
        if (entry.page && !entry.pageEnd) {
          entry.closed = { status, ms };
          setTimeout(() => entry.page && pagesInFlight.has(entry.page) && writeLog(entry, status, ms), 5000).unref();
          return;
        }
        writeLog(entry, status, ms);
      });
    },
    pageOf(res, page) {
      const entry = (res as Logged)[LOG];
      if (!entry) return;
      entry.page = page;
      pagesInFlight.set(page, entry);
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
