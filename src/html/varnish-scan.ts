import type { Marker, ScanSink } from './markers.js';
import { VarnishEsiScanner } from './varnish-esi.js';

/**
 * A page read as Varnish reads it (varnish-esi.ts), and, when the gateway also needs them, the
 * other markers (selected elements, asset URLs, `</body>`) found by `inner`, a scanner of the
 * bytes Varnish copies. Varnish's includes and removals are put back in place between the inner
 * scanner's parts (an include inside a selected element goes with it); the inner scanner's own
 * include markers (SSI, Tailor, ESI as HTML reads it) are bytes: Varnish does not read them.
 */
export interface Stage {
  write(chunk: Buffer): void;
  end(): void;
  /** Gives up every marker held open now: its bytes leave as plain bytes (see scan-page.ts). */
  release?(): void;
}

const NOT_VARNISH = new Set<Marker['type']>(['ssi', 'ssi-command', 'esi-include', 'esi-remove', 'esi-block', 'esi-comment', 'tailor']);

export class VarnishPageScanner implements Stage {
  private readonly esi: Stage;
  private readonly inner: Stage | undefined;
  /** Varnish's parts waiting for the inner scanner to reach their place (in copied bytes). */
  private readonly waiting: Array<{ at: number; marker: Marker; raw: Buffer; start: number; end: number }> = [];
  /** Copied bytes given to the inner scanner so far, and handed on by it so far. */
  private copied = 0;
  private handed = 0;
  /** Bytes written to this stage, and bytes handed to the sink (as bytes or a marker's raw). */
  private written = 0;
  private out = 0;

  private readonly sink: ScanSink;

  /**
   * `makeOuter`: the edge's reading of the page (Varnish's ESI by default; nginx's SSI for
   * `edge: 'nginx'`). `maxHeld`: the most bytes of the page held after a write, by both readings
   * and the edge's parts waiting between them together; past it the inner reading gives up what
   * it holds (the outer one keeps to the cap by itself).
   */
  constructor(
    sink: ScanSink,
    makeInner?: (sink: ScanSink) => Stage,
    makeOuter: (sink: ScanSink) => Stage = (outer) => new VarnishEsiScanner(outer),
    private readonly maxHeld = Infinity,
  ) {
    if (!makeInner) {
      this.sink = sink;
      this.esi = makeOuter(sink);
      return;
    }
    const given = sink;
    // What leaves is counted, for the cap.
    sink = this.sink = {
      bytes: (chunk) => {
        this.out += chunk.length;
        given.bytes(chunk);
      },
      marker: (marker, raw, start, end) => {
        this.out += raw.length;
        given.marker(marker, raw, start, end);
      },
    };
    this.inner = makeInner({
      gaveUp: given.gaveUp?.bind(given),
      bytes: (chunk) => this.handOn(chunk, sink),
      marker: (marker, raw, start, end) => {
        if (NOT_VARNISH.has(marker.type)) return this.handOn(raw, sink);
        this.releaseWaiting(start, sink);
        sink.marker(marker, raw, start, end);
        // What Varnish put inside a selected element goes with the element.
        while (this.waiting.length > 0 && this.waiting[0].at < end) this.waiting.shift();
        this.handed = end;
      },
    });
    this.esi = makeOuter({
      bytes: (chunk) => {
        this.copied += chunk.length;
        this.inner!.write(chunk);
      },
      marker: (marker, raw, start, end) => {
        this.waiting.push({ at: this.copied, marker, raw, start, end });
        this.releaseWaiting(this.handed, sink);
      },
    });
  }

  write(chunk: Buffer): void {
    this.esi.write(chunk);
    if (!this.inner) return;
    this.written += chunk.length;
    if (this.written - this.out > this.maxHeld) this.inner.release?.();
  }

  end(): void {
    this.esi.end();
    if (!this.inner) return;
    this.inner.end();
    this.releaseWaiting(Infinity, this.sink);
  }

  /** Bytes from the inner scanner, with Varnish's parts put back where they were. */
  private handOn(chunk: Buffer, sink: ScanSink): void {
    let rest = chunk;
    while (this.waiting.length > 0 && this.waiting[0].at <= this.handed + rest.length) {
      const cut = this.waiting[0].at - this.handed;
      if (cut > 0) sink.bytes(rest.subarray(0, cut));
      rest = rest.subarray(cut);
      this.handed += cut;
      this.releaseWaiting(this.handed, sink);
    }
    if (rest.length > 0) sink.bytes(rest);
    this.handed += rest.length;
  }

  /** Varnish's parts whose place is at or before `at`. */
  private releaseWaiting(at: number, sink: ScanSink): void {
    while (this.waiting.length > 0 && this.waiting[0].at <= at) {
      const part = this.waiting.shift()!;
      sink.marker(part.marker, part.raw, part.start, part.end);
    }
  }
}
