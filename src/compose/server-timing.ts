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
