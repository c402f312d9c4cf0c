import zlib from 'node:zlib';

/**
 * The content-codings the gateway can read, in one place: the page composer decodes them as a
 * stream, fragment bodies whole (with a size cap, http/capped-body.ts), and HTML navigations
 * offer production only these.
 * (Browsers also offer zstd, which Node 20 cannot decompress.)
 */
const STREAM_DECODERS: Record<string, () => zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};

type WholeDecoder = (buf: Buffer, options: zlib.ZlibOptions & zlib.BrotliOptions, done: (error: Error | null, result: Buffer) => void) => void;

/** One-shot decoders (faster than a stream for a body already in memory), bounded by `maxOutputLength`. */
const WHOLE_DECODERS: Record<string, WholeDecoder> = {
  gzip: zlib.gunzip,
  'x-gzip': zlib.gunzip,
  deflate: zlib.inflate,
  br: zlib.brotliDecompress,
};

/**
 * Decodes a whole body, producing at most `maxOutputLength` bytes: past it, it rejects with
 * Node's `ERR_BUFFER_TOO_LARGE` RangeError (having allocated no more than that).
 */
export function decodeWhole(contentEncoding: string | undefined, body: Buffer, maxOutputLength: number): Promise<Buffer> {
  const coding = codingOf(contentEncoding);
  const decode = coding === undefined ? undefined : WHOLE_DECODERS[coding];
  if (!decode) return Promise.resolve(body);
  // Bigger steps for big bodies (fewer trips to the thread pool); the default 16 KB for the usual small fragment.
  const options = body.length > 16 * 1024 ? { maxOutputLength, chunkSize: 64 * 1024 } : { maxOutputLength };
  return new Promise((resolve, reject) => decode(body, options, (error, result) => (error ? reject(error) : resolve(result))));
}

/** Codings an `Accept-Encoding` may keep: the decodable ones, `identity` and `*`. */
const ACCEPTABLE = new Set([...Object.keys(STREAM_DECODERS), 'identity', '*']);

/** The coding named by a Content-Encoding value, lower case; undefined for none or `identity`. */
export function codingOf(contentEncoding: string | undefined): string | undefined {
  const encoding = contentEncoding?.trim().toLowerCase();
  return encoding && encoding !== 'identity' ? encoding : undefined;
}

/** True when the gateway can read this content-encoding (else a page passes through untouched). */
export function canDecode(contentEncoding: string | undefined): boolean {
  const coding = codingOf(contentEncoding);
  return coding === undefined || coding in STREAM_DECODERS;
}

/** A decompressing stream for this content-encoding; undefined when the body is not encoded (or cannot be read). */
export function createDecoder(contentEncoding: string | undefined): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined {
  const coding = codingOf(contentEncoding);
  return coding === undefined ? undefined : STREAM_DECODERS[coding]?.();
}

/** `Accept-Encoding` without the codings the gateway cannot decode (`zstd`…); q-values kept. */
export function decodableEncodings(acceptEncoding: string): string {
  return acceptEncoding
    .split(',')
    .filter((coding) => ACCEPTABLE.has(coding.split(';')[0].trim().toLowerCase()))
    .map((coding) => coding.trim())
    .join(', ');
}
