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

/** Metric names are HTTP tokens: keep the name readable, replace anything else. */
function tokenSafe(name: string): string {
  return name.replace(/[^!#$%&'*+\-.^_`|~0-9A-Za-z]/g, '_');
}
