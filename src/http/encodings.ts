import zlib from 'node:zlib';

/**
 * The content-codings the gateway can read, in one place: the page composer decodes them as a
 * stream, fragment bodies too (with a size cap, http/capped-body.ts), and HTML navigations offer production only these.
 * (Browsers also offer zstd, which Node 20 cannot decompress.)
 */
const STREAM_DECODERS: Record<string, () => zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};

/** Codings an `Accept-Encoding` may keep: the decodable ones, `identity` and `*`. */
const ACCEPTABLE = new Set([...Object.keys(STREAM_DECODERS), 'identity', '*']);

/** The coding named by a Content-Encoding value, lower case; undefined for none or `identity`. */
function codingOf(contentEncoding: string | undefined): string | undefined {
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
