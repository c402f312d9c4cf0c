import type { FragmentEnd } from './events.js';

/**
 * `Server-Timing` entries for resolved fragments: `mfe-NAME;desc=MODE;dur=MS`. Fragments that
 * are not in the config have no name and get no entry. A fragment included many times gets one
 * entry (its slowest), so that a page with thousands of includes keeps a header of a few
 * hundred bytes: clients reject headers past 16 KB (Node) or 256 KB (Chromium).
 */
export function serverTimingEntries(fragments: readonly FragmentEnd[]): string {
  const slowest = new Map<string, FragmentEnd>();
  for (const fragment of fragments) {
    if (fragment.name === undefined) continue;
    const key = `${fragment.name}\n${fragment.mode}`;
    const seen = slowest.get(key);
    if (seen === undefined ? slowest.size < MAX_ENTRIES : fragment.durationMs > seen.durationMs) slowest.set(key, fragment);
  }
  const entries: string[] = [];
  for (const fragment of slowest.values()) {
    entries.push(`mfe-${tokenSafe(fragment.name!)};desc=${fragment.mode};dur=${fragment.durationMs.toFixed(1)}`);
  }
  return entries.join(', ');
}

/** Entries at most in one header: far more fragments than any page has, far below header limits. */
const MAX_ENTRIES = 100;

const metricNames = new Map<string, string>();

/** Metric names are HTTP tokens: keep the name readable, replace anything else (once per name). */
function tokenSafe(name: string): string {
  let safe = metricNames.get(name);
  if (safe === undefined) {
    safe = name.replace(/[^!#$%&'*+\-.^_`|~0-9A-Za-z]/g, '_');
    if (metricNames.size < 1000) metricNames.set(name, safe);
  }
  return safe;
}

/**
 * One configured fragment's timing as the overlay turns it into a User Timing measure
 * (`performance.measure('mfe-NAME', …)`), which DevTools' Performance panel shows: the whole
 * page's fragments, where `Server-Timing` can only carry those resolved before the first byte
 * (Chromium ignores the trailer).
 */
export interface FragmentTiming {
  name: string;
  mode: string;
  status: number;
  failed: boolean;
  /** Milliseconds from the start of composing the page to the fragment's request. */
  startMs: number;
  durationMs: number;
}

export function fragmentTimings(fragments: readonly FragmentEnd[], pageStartedAt: number): FragmentTiming[] {
  const timings: FragmentTiming[] = [];
  for (const fragment of fragments) {
    if (fragment.name === undefined || timings.length >= MAX_ENTRIES) continue;
    timings.push({
      name: fragment.name,
      mode: fragment.mode,
      status: fragment.status,
      failed: fragment.failed,
      startMs: Math.max(0, round((fragment.startedAt ?? pageStartedAt) - pageStartedAt)),
      durationMs: round(fragment.durationMs),
    });
  }
  return timings;
}

const round = (ms: number) => Math.round(ms * 10) / 10;
