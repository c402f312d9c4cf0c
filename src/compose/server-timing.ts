import type { FragmentEnd } from './events.js';

/**
 * `Server-Timing` entries for resolved fragments: `mfe-NAME;desc=MODE;dur=MS`. Fragments that
 * are not in the config have no name and get no entry.
 */
export function serverTimingEntries(fragments: readonly FragmentEnd[]): string {
  const entries: string[] = [];
  for (const fragment of fragments) {
    if (fragment.name === undefined) continue;
    entries.push(`mfe-${tokenSafe(fragment.name)};desc=${fragment.mode};dur=${fragment.durationMs.toFixed(1)}`);
  }
  return entries.join(', ');
}

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
