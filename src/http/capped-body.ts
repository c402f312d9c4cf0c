import type { IncomingMessage } from 'node:http';
import { decodeWhole } from './encodings.js';

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
 * The decompressed body of `response`, rejecting with `BodyTooLargeError` once it exceeds
 * `limit` bytes, with `BodyDecodeError` for broken compression, or with the connection's error.
 * The raw bytes are read up to about `limit` (an endless body is cut off there), then decoded in
 * one go with the output bounded by `limit` (a gzip bomb stops inflating there).
 * @param contentEncoding the response's Content-Encoding (check it with `canDecode` first)
 */
export function readCappedBody(response: IncomingMessage, contentEncoding: string | undefined, limit: number): Promise<Buffer> {
  // Compression can make incompressible bytes a little larger; never by this much.
  const rawLimit = contentEncoding && contentEncoding.trim().toLowerCase() !== 'identity' ? limit + Math.ceil(limit / 64) + 1024 : limit;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      chunks.length = 0;
      response.destroy();
      reject(error);
    };
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > rawLimit) return fail(new BodyTooLargeError(limit));
      chunks.push(chunk);
    });
    response.on('error', fail);
    response.on('close', () => {
      if (!response.complete) fail(new Error('the connection closed before the body was complete'));
    });
    response.on('end', () => {
      if (settled) return;
      settled = true;
      const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      decodeWhole(contentEncoding, raw, limit).then(resolve, (error: NodeJS.ErrnoException) => {
        const coding = contentEncoding!.trim().toLowerCase();
        reject(error.code === 'ERR_BUFFER_TOO_LARGE' ? new BodyTooLargeError(limit) : new BodyDecodeError(coding, error));
      });
    });
  });
}
