import type http from 'node:http';
import type { PageInfo } from '../compose/events.js';
import type { Agents } from '../http/agents.js';
import { escapeControlChars } from '../http/control-chars.js';
import type { SideResponse } from './compare.js';
import type { DocumentIgnores } from '../html/comparable-document.js';
import { fetchSide, SideFailure } from './fetch-side.js';
import { NoiseBook } from './noise.js';
import { ShadowStats, type ShadowOutcome, type ShadowRecord, type ShadowReportJson } from './stats.js';

/** The comparison (HTML parser, css-select, jsdiff) loads with the first shadowed fragment, not at start-up. */
let comparing: Promise<[typeof import('./compare-off-thread.js'), typeof import('./structural-diff.js')]> | undefined;
const loadComparison = () => (comparing ??= Promise.all([import('./compare-off-thread.js'), import('./structural-diff.js')]));

/**
 * Shadow mode's engine. For each shadowed fragment request it asks production twice and the
 * local service once, all in the background and at the same time, learns what differs between
 * production's two answers as noise, compares production with local, and keeps the figures.
 *
 * Harmless by construction: `submit()` returns at once and never throws, so the page never waits
 * for it; only safe methods are shadowed; at most `maxInFlight` comparisons per fragment run at
 * once (the excess is skipped and counted); the local service gets production's forwarded headers
 * but not the browser's cookies unless the fragment's settings allow it.
 */
export interface ShadowJob {
  fragment: string;
  /** Method of the request that led here (the page's, or the replayed request's). */
  method: string;
  /** The fragment's URL on production. */
  prodUrl: URL;
  /** The same path and query on the local service. */
  localUrl: URL;
  /** Headers of production's fragment request (cookies included, as production gets them). */
  headers: http.OutgoingHttpHeaders;
  timeoutMs: number;
  /** The page that included the fragment (path and query), for reports. */
  page?: string;
  /**
   * For a page production composed already: `prodUrl` is the page, and what is compared is the
   * first element this CSS selector matches in it (the fragment's `selector`).
   */
  extract?: string;
  /** The page as the gateway's events name it (passed through to `onResult`). */
  pageInfo?: PageInfo;
}

/** One comparison's outcome, in words. */
export interface ShadowJobResult {
  job: ShadowJob;
  outcome: ShadowOutcome;
  /** A short summary: `same as production`, the differences' places, or why a side failed. */
  summary: string;
  /** The diff as text lines (`@ path`, `- production`, `+ local`). */
  diff: string[];
  error?: string;
}

/** A fragment's shadow settings, resolved from the config (`fragments.NAME.compare`). */
export interface ShadowSettings {
  ignores: DocumentIgnores;
  /** Response headers not compared (`compare.ignore.headers`, lower case). */
  headers: readonly string[];
  /** Comparisons of this fragment allowed in flight at once. */
  maxInFlight: number;
  /** Send the browser's cookies to the local service too. */
  cookies: boolean;
}

export interface ShadowMonitorOptions {
  agents: Agents;
  settings: (fragment: string) => ShadowSettings;
  /** Told one line (control characters escaped) when a fragment's outcome changes. */
  onChange?: (line: string, outcome: ShadowOutcome) => void;
  /** Told every comparison's outcome (the gateway turns it into its `shadow:result` event). */
  onResult?: (result: ShadowJobResult) => void;
  /** Ask production a second time to learn noise. @default true */
  calibrate?: boolean;
  /** Differences and failures kept. @default 50 */
  keepRecent?: number;
  /**
   * Big comparisons that may wait for the comparison worker; past it one is skipped (`busy`).
   * Replay passes Infinity: its `--concurrency` bounds it. @default 16
   */
  maxWaitingComparisons?: number;
}

/** Largest production page read for a pre-composed fragment's element. */
const PAGE_MAX_BYTES = 16 * 1024 * 1024;

/** Pairs of production answers a path needs before a difference is reported without asking again. */
const CONFIRMING_CALIBRATIONS = 3;

/** Methods shadowed: those that cannot change anything on the server. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);

export class ShadowMonitor {
  readonly noise = new NoiseBook();
  private readonly stats: ShadowStats;
  private readonly inFlight = new Map<string, number>();
  private readonly running = new Set<Promise<unknown>>();
  /** Lets go of the comparison worker (taken with the first comparison). */
  private releaseWorker: (() => Promise<void>) | undefined;
  private closed = false;

  constructor(private readonly options: ShadowMonitorOptions) {
    this.stats = new ShadowStats(options.keepRecent);
  }

  /** Starts a comparison in the background (or counts it as skipped). Never throws, never waits. */
  submit(job: ShadowJob): void {
    void this.run(job).catch(() => undefined);
  }

  /** Runs one comparison; resolves with its outcome, or `skipped`. Never rejects. */
  run(job: ShadowJob): Promise<ShadowOutcome | 'skipped'> {
    if (!SAFE_METHODS.has(job.method.toUpperCase())) {
      this.stats.skipped(job.fragment, 'method');
      return Promise.resolve('skipped');
    }
    const settings = this.options.settings(job.fragment);
    const count = this.inFlight.get(job.fragment) ?? 0;
    if (count >= settings.maxInFlight) {
      this.stats.skipped(job.fragment, 'in-flight');
      return Promise.resolve('skipped');
    }
    this.inFlight.set(job.fragment, count + 1);
    const done = this.compare(job, settings)
      .catch((error: unknown): ShadowOutcome => {
        // A bug here must show in the figures, not vanish: counted as failed, with the reason.
        const reason = `mfe-dev could not compare the answers: ${error instanceof Error ? error.message : String(error)}`;
        const detail: ShadowRecord = { at: new Date().toISOString(), fragment: job.fragment, outcome: 'failed', page: job.page ?? null, prodUrl: job.prodUrl.href, localUrl: job.localUrl.href, prodMs: null, localMs: null, fields: [], diff: { hunks: [], omitted: 0 }, error: reason };
        this.finish(job, 'failed', null, null, detail, reason);
        return 'failed';
      })
      .finally(() => {
        this.inFlight.set(job.fragment, (this.inFlight.get(job.fragment) ?? 1) - 1);
        this.running.delete(done);
      });
    this.running.add(done);
    return done;
  }

  /** Lets go of the comparison worker: the last user's close terminates it (comparisons still running there fail). */
  async close(): Promise<void> {
    this.closed = true;
    await this.releaseWorker?.();
  }

  /** Comparisons running now, per fragment. */
  inFlightCount(fragment: string): number {
    return this.inFlight.get(fragment) ?? 0;
  }

  /** Resolves once every comparison started so far has finished. */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }

  report(source: ShadowReportJson['source'], upstream: string, names?: readonly string[]): ShadowReportJson {
    return this.stats.report(source, upstream, (name) => this.noise.countFor(name), names);
  }

  private async compare(job: ShadowJob, settings: ShadowSettings): Promise<ShadowOutcome | 'skipped'> {
    const { agents, calibrate = true } = this.options;
    const localHeaders = { ...job.headers };
    if (!settings.cookies) delete localHeaders.cookie;
    const ask = (url: URL, headers: http.OutgoingHttpHeaders, maxBytes?: number) => fetchSide({ url, headers, timeoutMs: job.timeoutMs, agents, maxBytes });
    // A whole page is only scanned for the element, as part of the comparison (off the request
    // thread when big); the element alone is parsed.
    const askProd = () => ask(job.prodUrl, job.headers, job.extract ? PAGE_MAX_BYTES : undefined);
    const [prod, calibration, local] = await Promise.allSettled([
      askProd(),
      calibrate ? askProd() : Promise.resolve(undefined),
      ask(job.localUrl, localHeaders),
    ]);
    const record = (outcome: Exclude<ShadowOutcome, 'identical'>, extra: Partial<ShadowRecord>): ShadowRecord => ({
      at: new Date().toISOString(),
      fragment: job.fragment,
      outcome,
      page: job.page ?? null,
      prodUrl: job.prodUrl.href,
      localUrl: job.localUrl.href,
      prodMs: prod.status === 'fulfilled' ? round(prod.value.durationMs) : null,
      localMs: local.status === 'fulfilled' ? round(local.value.durationMs) : null,
      fields: [],
      diff: { hunks: [], omitted: 0 },
      error: null,
      ...extra,
    });
    const prodMs = prod.status === 'fulfilled' ? prod.value.durationMs : null;
    const localMs = local.status === 'fulfilled' ? local.value.durationMs : null;

    if (prod.status === 'rejected' || local.status === 'rejected') {
      const error =
        prod.status === 'rejected' ? `production gave no answer: ${reasonOf(prod.reason)}` : `the local service gave no answer: ${reasonOf((local as PromiseRejectedResult).reason)}`;
      this.finish(job, 'failed', prodMs, localMs, record('failed', { error }), error);
      return 'failed';
    }
    const [{ compareOffThread, useComparisonWorker, ComparisonBusy }, { diffAsText }] = await loadComparison();
    if (!this.closed) this.releaseWorker ??= useComparisonWorker();
    const compareWith = (calibrationAnswer: SideResponse | undefined) =>
      compareOffThread(
        {
          fragment: job.fragment,
          path: job.prodUrl.pathname,
          prod: prod.value,
          calibration: calibrationAnswer,
          local: local.value,
          ignores: settings.ignores,
          ignoredHeaders: settings.headers,
          noise: this.noise,
          headers: !job.extract,
          ...(job.extract !== undefined && { extract: job.extract }),
        },
        this.options.maxWaitingComparisons,
      );
    let comparison;
    try {
      comparison = await compareWith(calibration.status === 'fulfilled' ? (calibration.value as SideResponse | undefined) : undefined);
    } catch (error) {
      if (!(error instanceof ComparisonBusy)) throw error;
      this.stats.skipped(job.fragment, 'busy');
      return 'skipped';
    }
    // One pair of production answers can agree by chance on a value that changes on every render
    // ("rendered in 3 ms" twice): while a path has few calibrations, a difference is only
    // reported after production was asked again and the difference held.
    while (!comparison.identical && calibrate && this.noise.calibrations(job.fragment, job.prodUrl.pathname) < CONFIRMING_CALIBRATIONS) {
      const again = await askProd().catch(() => undefined);
      if (!again) break;
      comparison = await compareWith(again);
    }
    if (comparison.identical) {
      this.finish(job, 'identical', prodMs, localMs);
      return 'identical';
    }
    // Production saw the browser's session, the local service did not: "Hello, alice" against
    // "Sign in" is that, not the developer's change.
    const hint = !settings.cookies && job.headers.cookie ? cookieHint(job.fragment) : undefined;
    const detail = record('different', { fields: comparison.fields, diff: comparison.diff, ...(hint && { hint }) });
    const where = [
      ...comparison.fields.map((f) => `${f.field} ${f.prod} → ${f.local}`),
      ...comparison.diff.hunks.slice(0, 3).map((h) => h.path || '(document)'),
    ];
    const summary = `${comparison.fields.length + comparison.diff.hunks.length} difference(s): ${where.join('; ')}`;
    this.finish(job, 'different', prodMs, localMs, detail, summary, [...(hint ? [`(${hint})`] : []), ...diffAsText(comparison.diff)]);
    return 'different';
  }

  private finish(job: ShadowJob, outcome: ShadowOutcome, prodMs: number | null, localMs: number | null, detail?: ShadowRecord, summary?: string, diff: string[] = []) {
    const previous = this.stats.record(job.fragment, outcome, prodMs, localMs, detail);
    this.options.onResult?.({
      job,
      outcome,
      summary: summary ?? 'same as production',
      diff,
      ...(outcome === 'failed' && summary && { error: summary }),
    });
    if (previous === outcome || !this.options.onChange) return;
    const time = `production ${formatMs(prodMs)}, local ${formatMs(localMs)}`;
    const head = `shadow ${job.fragment} ${job.prodUrl.pathname}${job.prodUrl.search}: ${previous ? `${previous} → ` : ''}${outcome}${summary ? ` (${summary})` : ''}; ${time}`;
    const lines = [head, ...diff.slice(0, 12).map((line) => `    ${line}`)];
    this.options.onChange(lines.map(escapeControl).join('\n'), outcome);
  }
}

/** Said beside a difference when the page's request had cookies the local service was not sent. */
export function cookieHint(fragment: string): string {
  return `the local service was asked without the browser's cookies (shadow requests send none to it unless \`compare.cookies\` is true for '${fragment}'), so a difference that depends on the session (a greeting, a cart) may come from that`;
}

function reasonOf(error: unknown): string {
  return error instanceof SideFailure ? error.reason : error instanceof Error ? error.message : String(error);
}

const round = (ms: number) => Math.round(ms * 10) / 10;
const formatMs = (ms: number | null) => (ms === null ? '–' : `${Math.round(ms)} ms`);

/** Control characters from a page or a service never reach the terminal as such (one escaper for all of mfe-dev). */
export const escapeControl = (text: string): string => escapeControlChars(text);
