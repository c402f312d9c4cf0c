import type { FieldDifference } from './compare.js';
import type { StructuralDiff } from './structural-diff.js';

/**
 * The figures of shadow mode: per fragment, how many comparisons ran and how they came out,
 * what was skipped and why, and each side's latency percentiles; plus a bounded store of the
 * most recent differences and failures. The same shape feeds `/__mfe-dev/api/shadow`, the dev
 * page, the exported reports and `mfe-dev replay`.
 */
export type ShadowOutcome = 'identical' | 'different' | 'failed';

/** Why a shadow request was not made (`busy`: too many big comparisons already waited for the comparison worker). */
export type SkipReason = 'in-flight' | 'method' | 'busy';

export interface LatencyJson {
  /** Milliseconds, or null before the first sample. */
  p50: number | null;
  p95: number | null;
  samples: number;
}

export interface FragmentShadowJson {
  name: string;
  /** Comparisons made: identical + different + failed. */
  compared: number;
  identical: number;
  different: number;
  /** Comparisons where a side gave no answer (refused, timed out, too large). */
  failed: number;
  /** Shadow requests not made or not compared: more than `maxInFlight` in flight, an unsafe method, or the comparison worker busy. */
  skipped: number;
  skippedBy: Record<SkipReason, number>;
  latency: { prod: LatencyJson; local: LatencyJson };
  /** Noise keys learned from production's two answers, over all paths. */
  noise: number;
  last: ShadowOutcome | null;
}

export interface ShadowRecord {
  /** ISO time of the comparison. */
  at: string;
  fragment: string;
  outcome: Exclude<ShadowOutcome, 'identical'>;
  /** The page that included the fragment, when known (path and query). */
  page: string | null;
  prodUrl: string;
  localUrl: string;
  prodMs: number | null;
  localMs: number | null;
  /** Status and header differences. */
  fields: FieldDifference[];
  diff: StructuralDiff;
  /** Which side failed and why (failed comparisons only). */
  error: string | null;
  /**
   * Why the difference may not be the local service's doing, when there is a likely reason: the
   * page's request carried cookies that shadow requests do not send to the local service.
   */
  hint?: string;
}

export interface ShadowReportJson {
  /** `gateway` (live traffic) or `replay` (mfe-dev replay FILE). */
  source: 'gateway' | 'replay';
  generatedAt: string;
  upstream: string;
  fragments: FragmentShadowJson[];
  /** Most recent differences and failures, newest first. */
  recent: ShadowRecord[];
}

/** Latency samples kept per side and fragment; percentiles are over the most recent ones. */
const SAMPLES = 10_000;

class Samples {
  private readonly values: number[] = [];
  private next = 0;
  add(value: number) {
    if (this.values.length < SAMPLES) this.values.push(value);
    else this.values[this.next] = value;
    this.next = (this.next + 1) % SAMPLES;
  }
  json(): LatencyJson {
    const sorted = this.values.slice().sort((a, b) => a - b);
    return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), samples: sorted.length };
  }
}

/** Nearest-rank percentile of sorted values, rounded to 0.1 ms; null for none. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return Math.round(sorted[rank - 1] * 10) / 10;
}

class FragmentStats {
  identical = 0;
  different = 0;
  failed = 0;
  readonly skippedBy: Record<SkipReason, number> = { 'in-flight': 0, method: 0, busy: 0 };
  readonly prod = new Samples();
  readonly local = new Samples();
  last: ShadowOutcome | null = null;
}

export class ShadowStats {
  private readonly fragments = new Map<string, FragmentStats>();
  private readonly recent: ShadowRecord[] = [];

  constructor(
    /** Differences and failures kept for the dev page and reports. */
    private readonly keepRecent = 50,
  ) {}

  skipped(fragment: string, reason: SkipReason): void {
    this.of(fragment).skippedBy[reason]++;
  }

  /** Counts one comparison; returns the fragment's previous outcome. */
  record(fragment: string, outcome: ShadowOutcome, prodMs: number | null, localMs: number | null, detail?: ShadowRecord): ShadowOutcome | null {
    const stats = this.of(fragment);
    stats[outcome]++;
    if (prodMs !== null) stats.prod.add(prodMs);
    if (localMs !== null) stats.local.add(localMs);
    const previous = stats.last;
    stats.last = outcome;
    if (detail) {
      this.recent.unshift(detail);
      if (this.recent.length > this.keepRecent) this.recent.pop();
    }
    return previous;
  }

  report(source: ShadowReportJson['source'], upstream: string, noiseCount: (fragment: string) => number, names: readonly string[] = []): ShadowReportJson {
    for (const name of names) this.of(name);
    return {
      source,
      generatedAt: new Date().toISOString(),
      upstream,
      fragments: [...this.fragments].map(([name, s]) => ({
        name,
        compared: s.identical + s.different + s.failed,
        identical: s.identical,
        different: s.different,
        failed: s.failed,
        skipped: s.skippedBy['in-flight'] + s.skippedBy.method + s.skippedBy.busy,
        skippedBy: { ...s.skippedBy },
        latency: { prod: s.prod.json(), local: s.local.json() },
        noise: noiseCount(name),
        last: s.last,
      })),
      recent: this.recent.slice(),
    };
  }

  private of(fragment: string): FragmentStats {
    let stats = this.fragments.get(fragment);
    if (!stats) this.fragments.set(fragment, (stats = new FragmentStats()));
    return stats;
  }
}
