import type { IncomingMessage, ServerResponse } from 'node:http';
import { rawPairs, type RawHeaders } from '../http/raw-headers.js';
import { rewriteResponseHeaders, type ResponseHeaderContext } from './response-headers.js';

/**
 * Production's answer as the browser gets it when nothing is composed: the body piped through
 * untouched (trailers included), the headers made to work on the gateway's origin.
 */

/** Headers that describe the body: dropped when the body changes (composed pages). */
export const BODY_CHANGES: ReadonlySet<string> = new Set(['content-length', 'content-encoding', 'content-md5', 'digest']);
/** …and the validators too, when an override may make the body differ from production's. */
export const BODY_AND_VALIDATORS_CHANGE: ReadonlySet<string> = new Set([...BODY_CHANGES, 'etag', 'last-modified']);

/** Production's headers for the browser: rewritten for the gateway, plus the gateway's own cookies. */
export function gatewayResponseHeaders(
  upstream: IncomingMessage,
  context: ResponseHeaderContext,
  setCookies: readonly string[],
  drop?: ReadonlySet<string>,
): RawHeaders {
  const headers = rewriteResponseHeaders(upstream.rawHeaders, context, { drop });
  for (const cookie of setCookies) headers.push('Set-Cookie', cookie);
  return headers;
}

export function passThrough(upstream: IncomingMessage, res: ServerResponse, headers: RawHeaders): void {
  res.writeHead(upstream.statusCode ?? 502, upstream.statusMessage, headers);
  upstream.pipe(res);
  if (upstream.headers.trailer) upstream.on('end', () => res.addTrailers(rawPairs(upstream.rawTrailers)));
  // Production cut the response short: cut the browser's too, rather than leave it waiting.
  upstream.on('error', () => undefined);
  upstream.on('close', () => {
    if (!upstream.complete) res.destroy();
  });
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
}
