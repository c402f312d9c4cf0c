import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { createDecoder } from './encodings.js';

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
 * @param contentEncoding the response's Content-Encoding (check it with `canDecode` first)
 */
export function readCappedBody(response: IncomingMessage, contentEncoding: string | undefined, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const decoder = createDecoder(contentEncoding);
    const body: Readable = decoder ? response.pipe(decoder) : response;
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      chunks.length = 0;
      response.destroy();
      decoder?.destroy();
      reject(error);
    };
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return fail(new BodyTooLargeError(limit));
      chunks.push(chunk);
    });
    response.on('error', fail);
    decoder?.on('error', (error) => fail(new BodyDecodeError(contentEncoding!.trim().toLowerCase(), error)));
    response.on('aborted', () => fail(new Error('the connection closed before the body was complete')));
    response.on('close', () => {
      if (!response.complete) fail(new Error('the connection closed before the body was complete'));
    });
    body.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
  });
}
