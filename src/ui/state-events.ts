/**
 * `state` events on the live-reload stream (`/__mfe-dev/events`): the dev page and the overlay
 * re-fetch what they show when something they show changed — a page ended, a shadow comparison
 * came in, the config reloaded or failed to, a new warning appeared. Changes are coalesced: at
 * most one event per `minIntervalMs`, the last one never lost (a burst of pages ends with an
 * event after its last page).
 */
export interface StateEventsOptions {
  /** Least time between two `state` events, in ms. @default 300 */
  minIntervalMs?: number;
}

export type StateChange = 'page' | 'shadow' | 'config' | 'config-error' | 'warning';

export class StateEvents {
  private readonly minIntervalMs: number;
  /** When the last event went (`performance.now()`, a clock that never jumps). */
  private lastSentAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private pending = new Set<StateChange>();

  constructor(
    private readonly broadcast: (event: string, data: object) => void,
    options: StateEventsOptions = {},
  ) {
    this.minIntervalMs = options.minIntervalMs ?? 300;
  }

  /** Something the dev page shows changed; listeners hear of it soon. */
  changed(what: StateChange): void {
    this.pending.add(what);
    if (this.timer) return;
    this.schedule();
  }

  private schedule(): void {
    const wait = Math.max(0, this.lastSentAt + this.minIntervalMs - performance.now());
    this.timer = setTimeout(() => this.flush(), wait);
    this.timer.unref();
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }

  private flush(): void {
    this.timer = undefined;
    // A timer may fire up to a millisecond early (Node counts whole milliseconds): the interval is
    // kept all the same. (It was measured on the wall clock, which a VM's clock sync may step: an
    // event 186 ms after the one before, with a 200 ms interval, in a loaded test run.)
    if (performance.now() - this.lastSentAt < this.minIntervalMs) return this.schedule();
    this.lastSentAt = performance.now();
    const changes = [...this.pending];
    this.pending = new Set();
    this.broadcast('state', { changes });
  }
}
