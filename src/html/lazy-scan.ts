import { EMPTY } from './byte-window.js';
import type { Marker, ScanSink } from './markers.js';

/**
 * Where a marker could begin in `buf`, from `from` on: the index; -1 when nowhere; or, when a
 * `<` near the end might begin one given more bytes, `PARTIAL - index`. It may say yes where the
 * scanner then finds nothing (in an attribute value, a script), never no where the scanner
 * would find a marker beginning there.
 */
export type TriggerSearch = (buf: Buffer, from: number) => number;

export const PARTIAL = -2;

/** The most a trigger search may hold back at the end of a chunk (a `<script` tag being read). */
export const MAX_PARTIAL = 1024;
/** How much of the next chunk tells whether held bytes begin a trigger. */
const PROBE = 2 * MAX_PARTIAL;

/** A scanner that reads a page as it comes and reports byte runs and markers to its sink. */
export interface StreamScanner {
  write(chunk: Buffer): void;
  /** Whether a marker could begin in `chunk` (true where the scanner cannot tell cheaply). */
  mayHaveMarkers?(chunk: Buffer): boolean;
  end(): void;
  release(): void;
}

/**
 * The page scanner's way of skipping what has no markers: most pages that pass through the
 * gateway (pages production composed already, pages of a site whose includes sit elsewhere)
 * have none, and the scanner's tag-by-tag reading is most of what they cost.
 *
 * Every marker begins with one of a few byte sequences (`<!--#`, `<esi:`, …: the scanner's
 * `TriggerSearch`). Until one shows up, each chunk is handed on whole, in the call it came in,
 * and kept (by reference, up to `retainLimit` bytes); nothing is read tag by tag. A chunk's last
 * few bytes that could begin a trigger are held for the next chunk. When a trigger shows up (or
 * the page outgrows `retainLimit`), the real scanner reads the kept chunks first, its output
 * dropped (those bytes left already, and no marker can begin in them), so it knows whether the
 * trigger is in a tag, a comment or a script; from then on it reads everything, its first bytes
 * out skipped for as many as had left already. So a page's output is exactly the scanner's
 * whatever the chunking, and a page without a trigger is never read tag by tag.
 */
export class LazyScanner implements StreamScanner {
  private inner: StreamScanner | undefined;
  /** Chunks handed on but not read by the scanner yet. */
  private kept: Buffer[] = [];
  private keptBytes = 0;
  /** The end of the last chunk that could begin a trigger (held, not handed on yet). */
  private tail: Buffer = EMPTY;
  /** Bytes handed on that the scanner has not handed on yet (its output skips them). */
  private skip = 0;
  /** The trigger search of the chunk about to be written (mayHaveMarkers). */
  private probed: { chunk: Buffer; found: number } | undefined;

  constructor(
    private readonly sink: ScanSink,
    private readonly create: (sink: ScanSink) => StreamScanner,
    private readonly triggers: TriggerSearch,
    private readonly retainLimit = 256 * 1024,
    /**
     * The page scanner's `maxHeldBytes`: a tail that could begin a trigger is held only up to
     * this; a longer one (a `<script` tag still being read) goes to the scanner, which keeps to it.
     */
    private readonly maxHeld = Infinity,
  ) {}

  write(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.inner) return this.inner.write(chunk);
    if (this.tail.length > 0) {
      // Whether a trigger begins in the held bytes is told by the next few bytes.
      const tail = this.tail;
      this.tail = EMPTY;
      if (chunk.length <= PROBE) return this.take(Buffer.concat([tail, chunk]));
      const found = this.triggers(Buffer.concat([tail, chunk.subarray(0, PROBE)]), 0);
      const at = found >= 0 ? found : found === -1 ? Infinity : PARTIAL - found;
      if (at < tail.length) return this.take(Buffer.concat([tail, chunk]));
      this.handOn(tail);
    }
    this.take(chunk);
  }

  /**
   * Whether a marker could begin in `chunk` (false only when none can), before it is written:
   * the answer is kept for the `write` of the same chunk, so the search runs once.
   */
  mayHaveMarkers(chunk: Buffer): boolean {
    if (this.inner) return true;
    this.probed = { chunk, found: this.triggers(chunk, 0) };
    return this.probed.found !== -1;
  }

  private take(data: Buffer): void {
    const probed = this.probed;
    this.probed = undefined;
    const found = probed?.chunk === data ? probed.found : this.triggers(data, 0);
    if (found >= 0 || this.keptBytes + data.length > this.retainLimit) return this.engage().write(data);
    if (found === -1) return this.handOn(data);
    const at = PARTIAL - found;
    if (data.length - at > this.maxHeld) return this.engage().write(data);
    this.tail = Buffer.from(data.subarray(at));
    if (at > 0) this.handOn(data.subarray(0, at));
  }

  /** Bytes no marker begins in: to the sink now, and kept for the scanner should it be needed. */
  private handOn(bytes: Buffer): void {
    this.kept.push(bytes);
    this.keptBytes += bytes.length;
    this.sink.bytes(bytes);
  }

  end(): void {
    if (this.inner) return this.inner.end();
    // No trigger in the whole page: what is held is plain bytes, as the scanner would say.
    const tail = this.tail;
    this.tail = EMPTY;
    this.kept = [];
    if (tail.length > 0) this.sink.bytes(tail);
  }

  release(): void {
    if (this.inner) return this.inner.release();
    // At most a trigger's length is held here; a stage around this one may ask for it.
    const tail = this.tail;
    this.tail = EMPTY;
    if (tail.length > 0) this.handOn(tail);
  }

  /** The scanner from here on, having read (silently) what was handed on already. */
  private engage(): StreamScanner {
    const sink = this.sink;
    const inner = this.create({
      bytes: (chunk) => {
        if (this.skip === 0) return sink.bytes(chunk);
        if (chunk.length <= this.skip) {
          this.skip -= chunk.length;
          return;
        }
        const rest = chunk.subarray(this.skip);
        this.skip = 0;
        sink.bytes(rest);
      },
      marker: (marker: Marker, raw, start, end) => {
        if (this.skip !== 0) throw new Error(`mfe-dev internal error: a ${marker.type} marker began in bytes the page scanner had skipped (${start})`);
        sink.marker(marker, raw, start, end);
      },
      gaveUp: sink.gaveUp && ((marker, held) => sink.gaveUp!(marker, held)),
    });
    this.inner = inner;
    this.skip = this.keptBytes;
    for (const chunk of this.kept) inner.write(chunk);
    this.kept = [];
    return inner;
  }
}
