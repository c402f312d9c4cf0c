import type { Writable } from 'node:stream';
import type { PageArena } from './page-arena.js';

/**
 * Writes a page's parts in document order while they become ready out of order.
 *
 * Parts are either bytes (ready now) or promises of bytes (fragments in flight). Everything
 * ready at the head of the queue leaves in one write; a pending fragment holds back only what
 * follows it. `onBackpressure(true)` asks the producer to pause while the client is slow, or
 * while more than `maxQueuedBytes` wait behind a pending fragment (the page is read only that
 * far ahead: production's socket feels the backpressure, the gateway's memory stays bounded).
 */

/** How far ahead of a pending fragment a page is read, by default. */
export const DEFAULT_MAX_QUEUED_BYTES = 1024 * 1024;
/** Bytes a turn of the event loop may hold in the response's corked buffer before the producer waits. */
const MAX_HELD_BYTES = 256 * 1024;
interface Slot {
  ready: boolean;
  value: Buffer | undefined;
}

export class OrderedWriter {
  private readonly queue: Slot[] = [];
  private head = 0;
  private ended = false;
  private finished: (() => void) | undefined;
  private readonly done: Promise<void>;
  private waitingForDrain = false;
  private started = false;
  private aborted = false;
  private flushScheduled = false;
  /** Bytes pushed (or resolved) and not written yet. */
  private queuedBytes = 0;
  /** Fragments in the queue not resolved yet: bytes pushed behind them wait. */
  private pending = 0;
  private paused = false;
  private readonly maxQueuedBytes: number;
  private corked = false;
  /** While set, nothing is written (the page's status is not known yet). */
  private gate: Promise<void> | undefined;

  constructor(
    private readonly out: Writable,
    private readonly hooks: {
      /** Called once, just before the first byte is written (send headers here). */
      beforeFirstWrite?: () => void;
      onBackpressure?: (paused: boolean) => void;
      /** @default DEFAULT_MAX_QUEUED_BYTES */
      maxQueuedBytes?: number;
      /** Where bytes that wait behind a pending fragment, and joined writes, are kept (the page's). */
      arena?: PageArena;
    } = {},
  ) {
    this.done = new Promise((resolve) => (this.finished = resolve));
    this.maxQueuedBytes = hooks.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
  }

  /** Tell the producer to pause or resume when the answer changes. */
  private updatePause(): void {
    const pause = !this.aborted && (this.waitingForDrain || this.queuedBytes > this.maxQueuedBytes);
    if (pause === this.paused) return;
    this.paused = pause;
    this.hooks.onBackpressure?.(pause);
  }

  /**
   * `held`, for a promise: bytes of the page it already holds (SSI content queued while an
   * include is awaited); they count against `maxQueuedBytes` until it resolves.
   */
  push(part: Buffer | Promise<Buffer>, held = 0): void {
    if (Buffer.isBuffer(part)) {
      if (part.length > 0) {
        // Bytes that wait for a fragment wait in the page's slabs: what they are part of (a read
        // of the page) is freed young.
        this.queue.push({ ready: true, value: this.pending > 0 && this.hooks.arena ? this.hooks.arena.keep(part) : part });
        this.queuedBytes += part.length;
        if (this.queuedBytes > this.maxQueuedBytes) this.updatePause();
      }
      return;
    }
    const slot: Slot = { ready: false, value: undefined };
    this.queue.push(slot);
    this.pending++;
    if (held > 0) {
      this.queuedBytes += held;
      if (this.queuedBytes > this.maxQueuedBytes) this.updatePause();
    }
    part.then(
      (value) => {
        this.pending--;
        if (this.aborted) return;
        slot.value = value;
        slot.ready = true;
        this.queuedBytes += value.length - held;
        this.scheduleFlush();
      },
      () => {
        // Resolvers never reject (failures become fallbacks); be safe anyway.
        this.pending--;
        if (this.aborted) return;
        slot.ready = true;
        this.queuedBytes -= held;
        this.scheduleFlush();
      },
    );
  }

  /**
   * Fragments that arrive in the same turn of the event loop leave in one write: one syscall
   * (and one chunk) instead of one per fragment, at no cost in latency.
   */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /**
   * Stop for good: the response was answered otherwise (an error page) or is gone. Parts that
   * resolve later are dropped, and `end()` resolves at once.
   */
  abort(): void {
    this.aborted = true;
    this.queue.length = 0;
    this.head = 0;
    this.queuedBytes = 0;
    this.finished?.();
  }

  /** Write nothing until `until` settles (e.g. a Tailor primary fragment decides the status). */
  holdUntil(until: Promise<unknown>): void {
    const gate = until.then(
      () => undefined,
      () => undefined,
    );
    this.gate = gate;
    void gate.then(() => {
      if (this.gate === gate) this.gate = undefined;
      this.flush();
    });
  }

  /**
   * Write everything that is ready at the head of the queue. What is written in one turn of the
   * event loop leaves in one write (a page read in two chunks is one `writev`), unless `now`:
   * the bytes before a page's first include leave before its fragment requests are sent.
   */
  flush(now = false): void {
    if (this.gate || this.aborted) return;
    const ready: Buffer[] = [];
    let bytes = 0;
    while (this.head < this.queue.length && this.queue[this.head].ready) {
      const value = this.queue[this.head].value;
      this.queue[this.head] = undefined as unknown as Slot;
      this.head++;
      if (value && value.length > 0) {
        ready.push(value);
        bytes += value.length;
      }
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    if (ready.length > 0) {
      if (!this.started) {
        this.started = true;
        this.hooks.beforeFirstWrite?.();
      }
      if (!now) this.corkUntilImmediate();
      const chunk = ready.length === 1 ? ready[0] : this.hooks.arena ? this.hooks.arena.join(ready, bytes) : Buffer.concat(ready, bytes);
      this.queuedBytes -= bytes;
      const writable = this.out.write(chunk);
      // Node's response corks its socket on a write until the next tick (after the rest of the
      // chunk is read and the fragment requests are sent).
      if (now) this.out.uncork();
      // Past 16 KB a write held by the cork says "wait" whatever the browser's pace: the page's
      // next read is let in (a page of two reads leaves in one write) and the browser's pace is
      // judged when the turn's bytes have left — or at once past MAX_HELD_BYTES.
      if (!writable && (!this.corked || this.out.writableLength > MAX_HELD_BYTES)) this.waitForDrain();
    }
    this.updatePause();
    if (this.ended && this.head === this.queue.length) this.finished?.();
  }

  /**
   * What is written in this turn of the event loop waits for its end: the page's end
   * (`res.end()` uncorks fully) then leaves in the same write as its last bytes, and a page
   * that came in two reads in one write: a syscall or two fewer per page.
   */
  private corkUntilImmediate(): void {
    if (this.corked) return;
    this.corked = true;
    this.out.cork();
    setImmediate(() => {
      this.corked = false;
      if (this.out.writableEnded) return;
      this.out.uncork();
      if (this.out.writableNeedDrain) {
        this.waitForDrain();
        this.updatePause();
      }
    });
  }

  /** The browser reads slower than the page comes: pause the producer until the response drains. */
  private waitForDrain(): void {
    if (this.waitingForDrain) return;
    this.waitingForDrain = true;
    this.out.once('drain', () => {
      this.waitingForDrain = false;
      this.updatePause();
    });
  }

  /** No more parts will come; resolves once every part has been written. */
  end(): Promise<void> {
    this.ended = true;
    this.flush();
    return this.done;
  }

  /** True once the first byte was written (headers are gone). */
  get hasStarted(): boolean {
    return this.started;
  }
}
