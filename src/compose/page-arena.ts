import type { BodyStore } from '../http/capped-body.js';

/**
 * Where a page keeps the bytes that wait for their turn in it — its fragments, the page's own
 * bytes behind a pending fragment, the writer's joined writes: slabs of memory the page gives
 * back once the browser has its last byte, for the next page to reuse.
 *
 * Why: each of those is a Buffer of its own (Node's parser copies each body chunk into new
 * memory), and it lives as long as the page is being written — on a loaded gateway, longer
 * than a scavenge or two, so V8 moves it to the old generation and its memory is freed only by
 * the next full collection. heaptrack at a loaded 100-fragment page's peak: 4.7 MB of fragment
 * bodies, 6.5 MB of page chunks and 3.8 MB of joined writes waiting so (README, issue 18's seventh
 * pass). Copied into a slab at once, the original dies young (freed by the next scavenge) and
 * the slab is reused by the next page without any collection. A fragment with a `Content-Length`
 * has no original at all: the GET pool reads its body from the socket straight into a slab
 * (`alloc`, the client's `BodyStore`: http/capped-body.ts), and `keep` leaves it there.
 *
 * The slabs are given back only when the response has finished (every byte handed to the
 * operating system: nothing refers to them any more). A page the browser left early, or any
 * page whose end is not seen, simply drops its slabs to the garbage collector. Bytes asked to
 * be kept after the page gave its slabs back, or larger than half a slab, stay where they are.
 */

/** A slab's size: a few fragments' worth (fragments are 2–6 KB on the bench's production-like origin). */
export const SLAB_BYTES = 64 * 1024;
/** Bytes larger than this keep their own memory (a slab would be mostly waste). */
const LARGEST_KEPT = SLAB_BYTES / 2;
/** Slabs kept for reuse across the process (4 MiB); more than that are left to the garbage collector. */
const MAX_FREE_SLABS = 64;

const freeSlabs: Buffer[] = [];

export class PageArena implements BodyStore {
  private slabs: Buffer[] = [];
  private slab: Buffer | undefined;
  private used = 0;
  private released = false;

  /** `bytes` in the page's slabs (a view of them), or `bytes` itself when it is not worth it or there already. */
  keep(bytes: Buffer): Buffer {
    if (this.holds(bytes)) return bytes;
    const room = this.alloc(bytes.length);
    if (!room) return bytes;
    bytes.copy(room);
    return room;
  }

  /** `parts` (`length` bytes in all) as one Buffer, in the page's slabs when it is worth it. */
  join(parts: readonly Buffer[], length: number): Buffer {
    const room = this.alloc(length);
    if (!room) return Buffer.concat(parts, length);
    let at = 0;
    for (const part of parts) at += part.copy(room, at);
    return room;
  }

  /** Whether the page's memory is still its own (not given back): what `alloc` gave may be written. */
  get live(): boolean {
    return !this.released;
  }

  /** Whether `bytes` lie in the page's slabs already (a fragment read straight into them). */
  private holds(bytes: Buffer): boolean {
    for (const slab of this.slabs) if (bytes.buffer === slab.buffer) return true;
    return false;
  }

  /**
   * `length` bytes of a slab to fill, or undefined (released, empty, or too large). A fragment's
   * body is read into it from the socket (http/capped-body.ts), so it is copied once.
   */
  alloc(length: number): Buffer | undefined {
    if (this.released || length === 0 || length > LARGEST_KEPT) return undefined;
    if (!this.slab || this.used + length > SLAB_BYTES) {
      this.slab = freeSlabs.pop() ?? Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.slabs.push(this.slab);
      this.used = 0;
    }
    const start = this.used;
    this.used += length;
    return this.slab.subarray(start, start + length);
  }

  /**
   * The page is done and every byte it wrote has left the process: its slabs go back for reuse.
   * Only once nothing reads what `keep` returned (call it from the response's `finish`).
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const slab of this.slabs) if (freeSlabs.length < MAX_FREE_SLABS) freeSlabs.push(slab);
    this.slabs = [];
    this.slab = undefined;
  }
}
