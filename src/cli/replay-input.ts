import { isIP } from 'node:net';
import type { ResolvedConfig } from '../config/types.js';
import { isDevPath } from '../http/routes.js';
import { upstreamUrlFor } from '../http/request-target.js';
import { splitOverrideQuery, upstreamCookies } from '../overrides/index.js';
import { isAllowedHost } from '../proxy/host-check.js';
import type { RecordedRequest } from '../shadow/recorded-requests.js';

/**
 * What of a recorded file `mfe-dev replay` sends, and how: the same care the gateway takes with
 * a live request.
 *
 * - Only requests made to the gateway (a host it answers to on the configured `port`, not a local
 *   service's origin) or to upstream are replayed: a HAR also holds other sites' requests (an identity provider, a CDN)
 *   and their cookies, which production must never receive.
 * - The gateway's own state is stripped as the gateway strips it: the `mfe-dev` /
 *   `mfe-dev-preset` query parameters (also in the Referer), the cookies of the same names, the
 *   `x-mfe-dev*` headers; visits to the gateway's own pages (`/__mfe-dev/…`) are not replayed.
 * - The URL is upstream's origin plus the recorded path, as the gateway builds production's URL:
 *   a recorded `//host/x` or `/\host/x` stays a path on upstream.
 */
export interface ReplayInput {
  requests: RecordedRequest[];
  /** Left out: requests to other sites, visits to the gateway's own pages. */
  skipped: { foreign: number; own: number };
}

export function replayInput(recorded: readonly RecordedRequest[], config: ResolvedConfig): ReplayInput {
  const upstreamOrigin = new URL(config.upstream).origin;
  const localOrigins = new Set([...config.fragments.values()].flatMap((f) => (f.local ? [new URL(f.local).origin] : [])));
  const input: ReplayInput = { requests: [], skipped: { foreign: 0, own: 0 } };
  for (const request of recorded) {
    const target = pathAndQuery(request.url, upstreamOrigin, localOrigins, config);
    if (target === undefined) {
      input.skipped.foreign++;
      continue;
    }
    const path = splitOverrideQuery(target).url;
    if (isDevPath(path)) {
      input.skipped.own++;
      continue;
    }
    const url = upstreamUrlFor(upstreamOrigin, path);
    if (!url) {
      input.skipped.foreign++;
      continue;
    }
    input.requests.push({ ...request, url: url.href, headers: withoutGatewayState(request.headers) });
  }
  return input;
}

/** The recorded URL's path and query when it was made to the gateway or upstream; else undefined. */
function pathAndQuery(recorded: string, upstreamOrigin: string, localOrigins: ReadonlySet<string>, config: ResolvedConfig): string | undefined {
  // The request log holds paths (origin-form); keep them as they are, `//host/x` included.
  if (recorded.startsWith('/')) return recorded;
  let url: URL;
  try {
    url = new URL(recorded);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  // This machine's requests are the gateway's on the configured port (with `port: 0`, on any
  // port but the local services').
  const gatewayPort = config.port === 0 || port === config.port;
  const ours = url.origin === upstreamOrigin || (gatewayPort && !localOrigins.has(url.origin) && isGatewayHost(url.hostname, config));
  if (!ours) return undefined;
  // The path as the browser sent it: `new URL` keeps `//evil/x` in `pathname` for an http(s) URL.
  return url.pathname + url.search;
}

/**
 * A host the gateway runs on: this machine's names and loopback addresses, the configured
 * `host`, and `allowedHosts` names. Not any IP literal, as the host check allows: a HAR's
 * requests to other sites' IP addresses are not the gateway's.
 */
function isGatewayHost(hostname: string, config: ResolvedConfig): boolean {
  const name = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (name === '::1' || /^127\./.test(name) || name === config.host.toLowerCase()) return true;
  if (isIP(name)) return false;
  return isAllowedHost(name, { ...config, allowedHosts: config.allowedHosts === true ? [] : config.allowedHosts });
}

function withoutGatewayState(headers: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-mfe-dev')) continue;
    if (name === 'cookie') {
      const cookie = upstreamCookies(value);
      if (cookie !== undefined) kept.cookie = cookie;
    } else if (name === 'referer') {
      kept.referer = splitOverrideQuery(value).url;
    } else {
      kept[name] = value;
    }
  }
  return kept;
}
