/**
 * The bytes of a page the scanner still holds: a list of the caller's chunks, addressed by
 * absolute offsets. Nothing is copied until a range that spans chunks is asked for as one
 * Buffer; emitting a range hands out `subarray`s of the original chunks.
 */
export class ByteWindow {
  private chunks: Buffer[] = [];
  /** Absolute offset of each chunk's first byte. */
  private starts: number[] = [];
  /** Absolute offset just past the last byte received. */
  end = 0;

  constructor(base = 0) {
    this.end = base;
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.starts.push(this.end);
    this.end += chunk.length;
  }

  /** Index of the chunk holding absolute offset `pos` (pos < end). */
  private find(pos: number): number {
    const starts = this.starts;
    let hi = starts.length - 1;
    // The tail is asked for most of the time.
    if (pos >= starts[hi]) return hi;
    let lo = 0;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  byteAt(pos: number): number {
    const i = this.find(pos);
    return this.chunks[i][pos - this.starts[i]];
  }

  /** The bytes [start, end) as one Buffer: a subarray when they sit in one chunk. */
  slice(start: number, end: number): Buffer {
    if (end <= start) return EMPTY;
    let i = this.find(start);
    const chunk = this.chunks[i];
    const from = start - this.starts[i];
    if (end - this.starts[i] <= chunk.length) return chunk.subarray(from, end - this.starts[i]);
    const parts: Buffer[] = [chunk.subarray(from)];
    for (i++; i < this.chunks.length; i++) {
      const c = this.chunks[i];
      const to = end - this.starts[i];
      if (to <= c.length) {
        parts.push(c.subarray(0, to));
        break;
      }
      parts.push(c);
    }
    return Buffer.concat(parts, end - start);
  }

  /** The bytes [start, end) as a latin1 string (one char per byte). */
  latin1(start: number, end: number): string {
    if (end <= start) return '';
    const i = this.find(start);
    const chunk = this.chunks[i];
    if (end - this.starts[i] <= chunk.length) return chunk.toString('latin1', start - this.starts[i], end - this.starts[i]);
    return this.slice(start, end).toString('latin1');
  }

  /** Hands [start, end) to `sink` as subarrays of the stored chunks, in order. */
  emit(start: number, end: number, sink: (chunk: Buffer) => void): void {
    if (end <= start) return;
    for (let i = this.find(start); i < this.chunks.length; i++) {
      const c = this.chunks[i];
      const s = this.starts[i];
      const from = start > s ? start - s : 0;
      const to = end - s < c.length ? end - s : c.length;
      sink(from === 0 && to === c.length ? c : c.subarray(from, to));
      if (to < c.length || s + to >= end) break;
    }
  }

  /** Offset of the first `byte` at or after `from`, or -1. */
  indexOf(byte: number, from: number): number {
    if (from >= this.end) return -1;
    for (let i = this.find(from); i < this.chunks.length; i++) {
      const s = this.starts[i];
      const found = this.chunks[i].indexOf(byte, from > s ? from - s : 0);
      if (found >= 0) return s + found;
    }
    return -1;
  }

  /** Forgets every chunk that lies wholly before `pos`. */
  release(pos: number): void {
    let n = 0;
    const last = this.chunks.length - 1;
    while (n <= last && this.starts[n] + this.chunks[n].length <= pos) n++;
    if (n === 0) return;
    if (n > last) {
      this.chunks = [];
      this.starts = [];
    } else {
      this.chunks.splice(0, n);
      this.starts.splice(0, n);
    }
  }
}

export const EMPTY = Buffer.alloc(0);
