import type { IncomingHttpHeaders } from 'node:http';

/**
 * True when a browser says the request comes from a page on another site: an `Origin` header
 * (`null` included) other than the gateway's own. Such a request never reaches a local service
 * (dev servers trust their loopback callers; websockets have no CORS to protect them) — it gets
 * production only, or a refusal. Requests without `Origin` (a same-origin GET, curl, scripts of
 * the developer) are not cross-site.
 */
export function fromOtherSite(headers: IncomingHttpHeaders, gatewayOrigin: string): boolean {
  const origin = headers.origin;
  return origin !== undefined && origin.toLowerCase() !== gatewayOrigin.toLowerCase();
}
