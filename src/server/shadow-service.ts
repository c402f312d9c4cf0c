import type { IncomingHttpHeaders } from 'node:http';
import type { ComposeEvents } from '../compose/events.js';
import type { ShadowRequest } from '../compose/page-context.js';
import type { ResolvedConfig } from '../config/types.js';
import type { Agents } from '../http/agents.js';
import type { Logger } from '../logger.js';
import { createRequestLog } from '../shadow/recorded-requests.js';
import { settingsFromConfig } from '../shadow/settings.js';
import { ShadowMonitor, type ShadowJobResult } from '../shadow/shadow-monitor.js';
import type { ShadowReportJson } from '../shadow/stats.js';

/**
 * Shadow mode as the gateway runs it: the one `ShadowMonitor` of this gateway (its figures
 * survive config reloads), fed by compose's `shadowFragment` callback; its outcomes become the
 * `shadow:result` event and, when a fragment's outcome changes, one terminal line. Also the
 * request log (`record`) that `mfe-dev replay` reads.
 */
export interface ShadowService {
  /** Compose's callback: starts a comparison in the background. */
  shadowFragment(request: ShadowRequest): void;
  /** Appends a page request to the request log, when `record` is configured. */
  recordPage(method: string, url: string, headers: IncomingHttpHeaders): void;
  /** The figures so far (`/__mfe-dev/api/shadow`, the report files). */
  report(): ShadowReportJson;
  /** Resolves once every comparison started so far has finished. */
  idle(): Promise<void>;
  /** Waits for the request log's pending lines; lets go of the comparison worker. */
  close(): Promise<void>;
}

export interface ShadowServiceOptions {
  config: () => ResolvedConfig;
  events: ComposeEvents;
  logger: Logger;
  agents: Agents;
  /** Print the outcome-change lines. @default true */
  terminal?: boolean;
}

export function createShadowService({ config, events, logger, agents, terminal = true }: ShadowServiceOptions): ShadowService {
  const monitor = new ShadowMonitor({
    agents,
    settings: settingsFromConfig(config),
    onChange: terminal ? (line, outcome) => (outcome === 'identical' ? logger.info(line) : logger.warn(line)) : undefined,
    onResult: (result) => emitResult(events, result),
  });
  let log: ReturnType<typeof createRequestLog> | undefined;
  const logs: Array<ReturnType<typeof createRequestLog>> = [];
  return {
    shadowFragment(request) {
      monitor.submit({
        fragment: request.name,
        method: request.page.method,
        prodUrl: request.prodUrl,
        localUrl: request.localUrl,
        headers: request.headers,
        timeoutMs: request.timeoutMs,
        page: request.page.url,
        pageInfo: request.page,
        ...(request.extract !== undefined && { extract: request.extract }),
      });
    },
    recordPage(method, url, headers) {
      const file = config().record;
      if (!file || (method !== 'GET' && method !== 'HEAD')) return;
      if (log?.file !== file) logs.push((log = createRequestLog(file, (message) => logger.warnOnce(message))));
      log.record(method, url, headers);
    },
    report() {
      const { modes, upstream } = config();
      return monitor.report('gateway', upstream, [...new Set([...modes.cli.shadow, ...modes.config.shadow])]);
    },
    idle: () => monitor.idle(),
    async close() {
      await Promise.all([...logs.map((l) => l.close()), monitor.close()]);
    },
  };
}

/** The `shadow:result` event, in the shape the library has always emitted. */
function emitResult(events: ComposeEvents, { job, outcome, summary, diff, error }: ShadowJobResult): void {
  if (!job.pageInfo) return;
  events.emit('shadow:result', {
    page: job.pageInfo,
    name: job.fragment,
    prodUrl: job.prodUrl.href,
    localUrl: job.localUrl.href,
    equal: outcome === 'identical',
    summary,
    diff,
    ...(error !== undefined && { error }),
  });
}
