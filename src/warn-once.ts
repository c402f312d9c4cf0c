/**
 * Used by the logger's `warnOnce`. Override warnings repeat on every request that carries the same
 * cookie or header; the terminal should see each one once. Memory stays bounded: past `maxKeys`
 * distinct warnings the oldest is forgotten (and would be logged again if it came back).
 *
 * A warning given a `key` (its cause: `eval:header:/assets/cart/cart.js`) is withdrawn by
 * `resolve(key)` once the cause is gone: it leaves the recent list (the dev page's badge) and is
 * logged again should it come back. Warnings of the `request` group carry a request's own text
 * (unknown fragment names in a query any site can send): they never enter the recent list (the
 * dev page shows them to the browser that sent them) and at most `requestBurst` of them are
 * logged per `requestWindowMs`; the rest are counted and summed up in one line.
 */

export interface WarnOptions {
  /** The warning's cause, for {@link WarnOnce.resolve}. */
  key?: string;
  /** `request`: text a request chose; capped and kept off the shared recent list. */
  group?: 'request';
}

export interface WarnOnce {
  /** Logs `warning` unless it was logged before; returns whether it was logged now. */
  (warning: string, options?: WarnOptions): boolean;
  /** The last distinct warnings (at most `recentSize`), oldest first, for the dev page. */
  recent(): string[];
  /** Withdraws the warnings of this key (or of every key starting with `prefix*`); returns how many. */
  resolve(key: string): number;
}

export interface WarnOnceOptions {
  /** Distinct warnings remembered. @default 500 */
  maxKeys?: number;
  /** Warnings kept for {@link WarnOnce.recent}. @default 50 */
  recentSize?: number;
  /** Request-group warnings logged per window. @default 5 */
  requestBurst?: number;
  /** @default 60000 */
  requestWindowMs?: number;
  /** The clock (tests). */
  now?: () => number;
}

export function createWarnOnce(log: (line: string) => void, options: WarnOnceOptions = {}): WarnOnce {
  const maxKeys = Math.max(1, options.maxKeys ?? 500);
  const recentSize = Math.max(0, options.recentSize ?? 50);
  const burst = options.requestBurst ?? 5;
  const windowMs = options.requestWindowMs ?? 60_000;
  const now = options.now ?? Date.now;
  const seen = new Set<string>();
  /** Warning text → its key. */
  const keys = new Map<string, string>();
  let latest: string[] = [];
  let windowStart = -Infinity;
  let loggedInWindow = 0;
  let suppressed = 0;

  const requestAllowed = (): boolean => {
    if (now() - windowStart >= windowMs) {
      if (suppressed > 0) log(`${suppressed} more warning(s) about requests' override values were not shown (at most ${burst} a minute; the dev page shows each browser its own).`);
      windowStart = now();
      loggedInWindow = 0;
      suppressed = 0;
    }
    if (loggedInWindow < burst) {
      loggedInWindow++;
      return true;
    }
    suppressed++;
    return false;
  };

  const warnOnce = function warnOnce(warning: string, warnOptions: WarnOptions = {}): boolean {
    if (warnOptions.group !== 'request') {
      // Seen again: it moves to the end of the recent list, but is not logged.
      latest = latest.filter((line) => line !== warning);
      latest.push(warning);
      if (latest.length > recentSize) latest = latest.slice(latest.length - recentSize);
      if (warnOptions.key !== undefined) keys.set(warning, warnOptions.key);
      if (keys.size > maxKeys) keys.delete(keys.keys().next().value as string);
    }
    if (seen.has(warning)) return false;
    if (warnOptions.group === 'request' && !requestAllowed()) return false;
    seen.add(warning);
    if (seen.size > maxKeys) seen.delete(seen.values().next().value as string);
    log(warning);
    return true;
  } as WarnOnce;
  warnOnce.recent = () => latest.slice();
  warnOnce.resolve = (key) => {
    const matches = (k: string) => (key.endsWith('*') ? k.startsWith(key.slice(0, -1)) : k === key);
    const gone = [...keys].filter(([, k]) => matches(k)).map(([warning]) => warning);
    for (const warning of gone) {
      keys.delete(warning);
      seen.delete(warning);
    }
    const before = latest.length;
    latest = latest.filter((line) => !gone.includes(line));
    return before - latest.length;
  };
  return warnOnce;
}
