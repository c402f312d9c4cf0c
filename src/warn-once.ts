/**
 * Used by the logger's `warnOnce`. Override warnings repeat on every request that carries the same cookie or header; the
 * terminal should see each one once. Memory stays bounded: past `maxKeys` distinct warnings the
 * oldest is forgotten (and would be logged again if it came back).
 */

export interface WarnOnce {
  /** Logs `warning` unless it was logged before; returns whether it was logged now. */
  (warning: string): boolean;
  /** The last distinct warnings (at most `recentSize`), oldest first, for the dev page. */
  recent(): string[];
}

export interface WarnOnceOptions {
  /** Distinct warnings remembered. @default 500 */
  maxKeys?: number;
  /** Warnings kept for {@link WarnOnce.recent}. @default 50 */
  recentSize?: number;
}

export function createWarnOnce(log: (line: string) => void, options: WarnOnceOptions = {}): WarnOnce {
  const maxKeys = Math.max(1, options.maxKeys ?? 500);
  const recentSize = Math.max(0, options.recentSize ?? 50);
  const seen = new Set<string>();
  let latest: string[] = [];

  const warnOnce = function warnOnce(warning: string): boolean {
    // Seen again: it moves to the end of the recent list, but is not logged.
    latest = latest.filter((line) => line !== warning);
    latest.push(warning);
    if (latest.length > recentSize) latest = latest.slice(latest.length - recentSize);

    if (seen.has(warning)) return false;
    seen.add(warning);
    if (seen.size > maxKeys) seen.delete(seen.values().next().value as string);
    log(warning);
    return true;
  } as WarnOnce;
  warnOnce.recent = () => latest.slice();
  return warnOnce;
}
