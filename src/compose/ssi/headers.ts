/**
 * The response headers nginx's SSI filter removes from a page it processes
 * (`ngx_http_ssi_header_filter`, with the default `ssi_last_modified off`): the body is not the
 * file's any more, so `Content-Length`, `Accept-Ranges`, `Last-Modified` and `ETag` go.
 */
const REMOVED = new Set(['content-length', 'accept-ranges', 'last-modified', 'etag']);

/** Headers as `[name, value, …]`, without those nginx's SSI filter removes. */
export function withoutSsiHeaders(headers: string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (!REMOVED.has(headers[i].toLowerCase())) kept.push(headers[i], headers[i + 1]);
  }
  return kept;
}
