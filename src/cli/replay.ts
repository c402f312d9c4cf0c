import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pc from 'picocolors';
import { resolveConfig } from '../config/resolve-config.js';
import { closest, didYouMean, formatList } from '../config/suggest.js';
import type { InlineConfig, ResolvedConfig } from '../config/types.js';
import { createAgents, destroyAgents } from '../http/agents.js';
import { MfeDevError } from '../errors.js';
import { parseRecordedRequests } from '../shadow/recorded-requests.js';
import { replayInput } from './replay-input.js';
import { replay, type ReplayProgress } from '../shadow/replay.js';
import { writeShadowReport } from './shadow-report-files.js';
import { shadowSettingsOf } from '../shadow/settings.js';
import { escapeControl, ShadowMonitor } from '../shadow/shadow-monitor.js';
import type { ShadowReportJson } from '../shadow/stats.js';

/**
 * `mfe-dev replay FILE`: recorded requests (a HAR from DevTools, or the gateway's `--record`
 * log) played against production and the shadowed fragments' local services at `--rate` and
 * `--concurrency`, then the shadow report written (JSON and HTML) and summed up.
 */
export interface ReplayCommandOptions {
  file: string;
  inline: InlineConfig;
  /** Fragments to compare; default: the config's (and flags') shadow fragments, else every fragment with a `local` URL. */
  shadow: string[];
  rate?: number;
  concurrency: number;
  /** Report path (`.json`/`.html` added). */
  report: string;
  /** Write to this stream (stderr); a TTY gets a progress bar, anything else plain lines. */
  out?: NodeJS.WriteStream;
}

export async function runReplay(options: ReplayCommandOptions): Promise<number> {
  const out = options.out ?? process.stderr;
  const config = await resolveConfig({ ...options.inline, watch: false });
  const shadowed = chooseFragments(config, options.shadow);
  const file = path.resolve(options.file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new MfeDevError('MFE_REPLAY_INPUT_INVALID', `cannot read ${file}: ${(error as Error).message}. Give a HAR exported from DevTools or a log written by mfe-dev --record FILE.`, { file });
  }
  const input = replayInput(parseRecordedRequests(text, file), config);
  const { requests } = input;
  const left = [input.skipped.foreign && `${input.skipped.foreign} to other sites`, input.skipped.own && `${input.skipped.own} of mfe-dev's own pages`].filter(Boolean);
  if (left.length) out.write(`Left out ${left.join(' and ')} (only requests to the gateway or ${config.upstream} are replayed)\n`);
  out.write(`Replaying ${requests.length} request(s) from ${escapeControl(options.file)} against ${config.upstream}; comparing ${[...shadowed].join(', ')} (${options.rate ? `${options.rate}/s, ` : ''}concurrency ${options.concurrency})\n`);

  const agents = createAgents();
  // Replay waits for a free slot rather than skip: --concurrency is its bound.
  const monitor = new ShadowMonitor({ agents, settings: (name) => ({ ...shadowSettingsOf(config.fragments.get(name)), maxInFlight: Infinity }), maxWaitingComparisons: Infinity });
  const progress = progressPrinter(out, () => monitor.report('replay', config.upstream, [...shadowed]));
  try {
    const summary = await replay({ config, requests, shadowed, monitor, agents, rate: options.rate, concurrency: options.concurrency, onProgress: progress.update });
    progress.end();
    const report = monitor.report('replay', config.upstream, [...shadowed]);
    const written = await writeShadowReport(options.report, report);
    const skipped = summary.skipped.method + summary.skipped.noFragment + summary.skipped.pageFailed;
    out.write(
      `${summary.requests} request(s): ${summary.comparisons} comparison(s) from ${summary.replayed}` +
        (skipped ? `; ${skipped} skipped (${summary.skipped.method} unsafe method, ${summary.skipped.noFragment} without a shadowed fragment, ${summary.skipped.pageFailed} page failed or not fetched)` : '') +
        '\n',
    );
    out.write(formatFigures(report));
    out.write(`Report: ${written.json}\n        ${written.html}\n`);
    return 0;
  } finally {
    destroyAgents(agents);
    await monitor.close();
  }
}

function chooseFragments(config: ResolvedConfig, named: string[]): Set<string> {
  const withLocal = [...config.fragments.values()].filter((f) => f.local).map((f) => f.name);
  for (const name of named) {
    if (!config.fragments.has(name)) {
      throw new MfeDevError('MFE_UNKNOWN_FRAGMENT', `--shadow names '${name}', which is not a configured fragment.${didYouMean(closest(name, config.fragments.keys()))} Configured fragments: ${formatList(config.fragments.keys())}.`);
    }
    if (!config.fragments.get(name)!.local) {
      throw new MfeDevError('MFE_UNKNOWN_FRAGMENT', `--shadow ${name}: the fragment has no \`local\` URL to compare with. Add fragments.${name}.local to the config.`);
    }
  }
  if (named.length) return new Set(named);
  const configured = [...config.modes.cli.shadow, ...config.modes.config.shadow].filter((name) => config.fragments.get(name)?.local);
  const chosen = configured.length ? configured : withLocal;
  if (chosen.length === 0) {
    throw new MfeDevError('MFE_UNKNOWN_FRAGMENT', `no fragment has a \`local\` URL in ${config.configFile ?? 'the config'}: replay compares production with local services. Add fragments.NAME.local.`);
  }
  return new Set(chosen);
}

/** A bar redrawn in place on a TTY; otherwise a plain line every 10 %. */
export function progressPrinter(out: NodeJS.WriteStream, figures: () => ShadowReportJson) {
  const tty = out.isTTY === true;
  let lastDecile = -1;
  const tally = () => {
    const totals = figures().fragments.reduce((t, f) => ({ identical: t.identical + f.identical, different: t.different + f.different, failed: t.failed + f.failed }), { identical: 0, different: 0, failed: 0 });
    return `identical ${totals.identical} · different ${totals.different} · failed ${totals.failed}`;
  };
  return {
    update({ done, total }: ReplayProgress) {
      if (tty) {
        const width = 30;
        const filled = Math.round((done / Math.max(1, total)) * width);
        out.write(`\r${pc.cyan('█'.repeat(filled))}${pc.dim('░'.repeat(width - filled))} ${done}/${total}  ${tally()}\u001b[K`);
        return;
      }
      const decile = Math.floor((done / Math.max(1, total)) * 10);
      if (decile > lastDecile || done === total) {
        lastDecile = decile;
        out.write(`replay: ${done}/${total} (${Math.round((done / Math.max(1, total)) * 100)}%) ${tally()}\n`);
      }
    },
    end() {
      if (tty) out.write('\n');
    },
  };
}

/** The per-fragment figures as an aligned table. */
export function formatFigures(report: ShadowReportJson): string {
  const ms = (v: number | null) => (v === null ? '–' : `${v}`);
  const rows = report.fragments.map((f) => [
    escapeControl(f.name),
    String(f.compared),
    String(f.identical),
    String(f.different),
    String(f.failed),
    String(f.skipped),
    `${ms(f.latency.prod.p50)} / ${ms(f.latency.prod.p95)}`,
    `${ms(f.latency.local.p50)} / ${ms(f.latency.local.p95)}`,
  ]);
  const head = ['fragment', 'compared', 'identical', 'different', 'failed', 'skipped', 'prod p50/p95 ms', 'local p50/p95 ms'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}
