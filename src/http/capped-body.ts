import type { IncomingMessage } from 'node:http';
import { codingOf, decodeWhole } from './encodings.js';

/**
 * Reads a response body, decompressed, up to a byte limit. Past the limit it stops reading and
 * destroys the response (its connection is closed, not returned to the pool): a gzip bomb or an
 * endless body costs at most `limit` bytes of memory, never the whole of it.
 */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`body larger than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** The body's compression is broken (the bytes are not the content-coding they claim). */
export class BodyDecodeError extends Error {
  constructor(readonly coding: string, cause: unknown) {
    super(`could not decompress ${coding} body: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'BodyDecodeError';
  }
}

/**
 * Memory a body may be read into that lives as long as whoever asked for it (a page's arena,
 * compose/page-arena.ts): the bytes are copied there once, from the socket's read buffer.
 */
export interface BodyStore {
  /** `length` bytes to fill, or undefined (the body then keeps memory of its own). */
  alloc(length: number): Buffer | undefined;
  /** False once memory it gave out may be reused: nothing may be written into it any more. */
  readonly live: boolean;
}

/**
 * A body's raw bytes, collected up to about `limit` (an endless body is cut off there), then
 * decoded in one go with the output bounded by `limit` (a gzip bomb stops inflating there). Fed
 * chunk by chunk by whichever client read the response (http/client.ts).
 */
export class CappedBody {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private readonly rawLimit: number;
  /** Whether the body is compressed (a coding other than `identity`). */
  private readonly coded: boolean;
  /** A body of announced length read from transient chunks: one buffer of that length, filling. */
  private whole: Buffer | undefined;
  /** Whether `whole` is the store's memory (written only while the store is live). */
  private wholeInStore = false;

  /**
   * @param contentEncoding the response's Content-Encoding (check it with `canDecode` first)
   * @param length the body's length when its chunks come `transient` (the client read the
   * `Content-Length` body itself)
   * @param store where an unencoded body of known length is read into, if anywhere
   */
  constructor(
    private readonly contentEncoding: string | undefined,
    readonly limit: number,
    private readonly length?: number,
    private readonly store?: BodyStore,
  ) {
    // Compression can make incompressible bytes a little larger; never by this much.
    this.coded = codingOf(contentEncoding) !== undefined;
    this.rawLimit = this.coded ? limit + Math.ceil(limit / 64) + 1024 : limit;
  }

  /**
   * Keep `chunk` (a copy of it when `transient`: a view of a read buffer, good only now); false
   * once the body is past the limit (nothing more is kept: stop reading).
   */
  push(chunk: Buffer, transient = false): boolean {
    const at = this.size;
    this.size += chunk.length;
    if (this.size > this.rawLimit) {
      this.chunks.length = 0;
      this.whole = undefined;
      return false;
    }
    if (!transient) this.chunks.push(chunk);
    else if (this.length === undefined || this.size > this.length) {
      // More than was announced (a client that frames the body itself never does this): kept all the same.
      if (this.whole) this.chunks.push(Buffer.from(this.whole.subarray(0, at)));
      this.whole = undefined;
      this.chunks.push(Buffer.from(chunk));
    } else {
      this.whole ??= this.room(this.length);
      // The store took its memory back (its page is over): the bytes so far move out first.
      if (this.wholeInStore && !this.store!.live) {
        this.whole = Buffer.from(this.whole);
        this.wholeInStore = false;
      }
      chunk.copy(this.whole, at);
    }
    return true;
  }

  /** Memory for the whole body: the store's for an unencoded one, else its own. */
  private room(length: number): Buffer {
    const stored = !this.coded && this.store?.live ? this.store.alloc(length) : undefined;
    this.wholeInStore = stored !== undefined;
    return stored ?? Buffer.allocUnsafe(length);
  }

  /**
   * The body now, when it needs no decoding (no content-coding, or `identity`): most are, and
   * they need no promise and no turn of the event loop. Undefined for a compressed body: `finish`.
   */
  finishNow(): Buffer | undefined {
    return this.coded ? undefined : this.take();
  }

  /** The decoded body; rejects with `BodyTooLargeError` or `BodyDecodeError`. */
  finish(): Promise<Buffer> {
    const raw = this.take();
    if (!this.coded) return Promise.resolve(raw);
    return decodeWhole(this.contentEncoding, raw, this.limit).catch((error: NodeJS.ErrnoException) => {
      const coding = this.contentEncoding!.trim().toLowerCase();
      throw error.code === 'ERR_BUFFER_TOO_LARGE' ? new BodyTooLargeError(this.limit) : new BodyDecodeError(coding, error);
    });
  }

  /** The bytes read, as they came; the body keeps none of them. */
  private take(): Buffer {
    const whole = this.whole?.subarray(0, this.size);
    this.whole = undefined;
    const raw = whole ?? (this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size));
    this.chunks.length = 0;
    return raw;
  }
}

/**
 * The decompressed body of `response`, rejecting with `BodyTooLargeError` once it exceeds
 * `limit` bytes, with `BodyDecodeError` for broken compression, or with the connection's error.
 * @param contentEncoding the response's Content-Encoding (check it with `canDecode` first)
 */
export function readCappedBody(response: IncomingMessage, contentEncoding: string | undefined, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const body = new CappedBody(contentEncoding, limit);
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      response.destroy();
      reject(error);
    };
    response.on('data', (chunk: Buffer) => {
      if (!body.push(chunk)) fail(new BodyTooLargeError(limit));
    });
    response.on('error', fail);
    response.on('close', () => {
      if (!response.complete) fail(new Error('the connection closed before the body was complete'));
    });
    response.on('end', () => {
      if (settled) return;
      settled = true;
      body.finish().then(resolve, reject);
    });
  });
}
