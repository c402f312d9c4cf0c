import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';

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

const DECOMPRESSORS: Record<string, () => zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};

/** Content-codings `readCappedBody` can decompress (lower-case); `identity` needs nothing. */
export function canDecompress(encoding: string | undefined): boolean {
  return !encoding || encoding === 'identity' || encoding in DECOMPRESSORS;
}

/**
 * The decompressed body of `response`, rejecting with `BodyTooLargeError` once it exceeds
 * `limit` bytes, or with the stream's error (a cut connection, broken compression).
 * @param encoding the response's content-coding, trimmed and lower-cased (must be decodable)
 */
export function readCappedBody(response: IncomingMessage, encoding: string | undefined, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const make = encoding && encoding !== 'identity' ? DECOMPRESSORS[encoding] : undefined;
    const decoder = make?.();
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
    body.on('error', fail);
    if (decoder) response.on('error', fail);
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
