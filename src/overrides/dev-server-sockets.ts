import type { IncomingHttpHeaders } from 'node:http';
import type { FragmentMode, ResolvedConfig } from '../config/types.js';
import { fromOtherSite } from './request-origin.js';

/**
 * Which local dev servers a websocket upgrade may belong to.
 *
 * Dev servers open their live-update socket on the page's own origin, at a path of their own
 * that is rarely under the fragment's asset prefixes: Vite at its `base` (`/` by default) with the
 * subprotocol `vite-hmr` (`vite-ping` while it waits for a restart), webpack-dev-server at `/ws`,
 * Next.js at `/_next/webpack-hmr`. An upgrade that carries one of these signatures, from a page of
 * the gateway itself, is offered to the local services of the fragments that are `local` for this
 * browser (in config order) before production; the first that accepts it keeps it. Anything else
 * goes to production untouched, and targets only ever come from the config. (A socket with
 * Vite's subprotocol that no local service takes is closed instead: production has no use for it.)
 */
export interface DevServerSocketTarget {
  fragment: string;
  /** The local service's origin, e.g. `http://127.0.0.1:5173`. */
  origin: string;
  /** Path and query as the browser asked for them. */
  path: string;
}

/** Subprotocols of dev servers' sockets. */
const DEV_SERVER_PROTOCOLS = new Set(['vite-hmr', 'vite-ping']);
/** Default socket paths of dev servers that use no subprotocol. */
export const DEV_SERVER_SOCKET_PATHS = new Set(['/ws', '/_next/webpack-hmr', '/sockjs-node']);

/**
 * The dev server subprotocol the upgrade asks for (`vite-hmr`, `vite-ping`), if any. Such a
 * socket is never production's: when no local service takes it, it is closed rather than sent on.
 */
export function devServerProtocol(headers: IncomingHttpHeaders): string | undefined {
  return String(headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .find((p) => DEV_SERVER_PROTOCOLS.has(p));
}

/** True when an upgrade looks like a dev server's live-update socket. */
export function isDevServerSocket(url: string, headers: IncomingHttpHeaders): boolean {
  if (devServerProtocol(headers)) return true;
  const pathname = url.split('?')[0];
  return DEV_SERVER_SOCKET_PATHS.has(pathname) || pathname.startsWith('/sockjs-node/');
}

export function devServerSocketTargets(
  config: ResolvedConfig,
  modes: ReadonlyMap<string, FragmentMode>,
  url: string,
  headers: IncomingHttpHeaders,
  gatewayOrigin: string,
): DevServerSocketTarget[] {
  // A page on another site may open websockets to the gateway too: it gets production only.
  if (fromOtherSite(headers, gatewayOrigin)) return [];
  if (!isDevServerSocket(url, headers)) return [];
  const targets: DevServerSocketTarget[] = [];
  const seen = new Set<string>();
  for (const fragment of config.fragments.values()) {
    if (!fragment.local || modes.get(fragment.name) !== 'local') continue;
    const serviceOrigin = new URL(fragment.local).origin;
    if (seen.has(serviceOrigin)) continue;
    seen.add(serviceOrigin);
    targets.push({ fragment: fragment.name, origin: serviceOrigin, path: url });
  }
  return targets;
}
