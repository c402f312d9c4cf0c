import type { IncomingMessage, ServerResponse } from 'node:http';
import { badTargetMessage, isUpstreamPath } from '../http/request-target.js';
import { isDevPath } from '../http/routes.js';
import type { Logger } from '../logger.js';
import { devServerSocketTargets, type DevServerSocketTarget } from '../overrides/dev-server-sockets.js';
import { resolveSelection } from '../overrides/index.js';
import { findLocalAssetTarget, type LocalAssetRefusal, type LocalAssetTarget } from '../overrides/local-asset-target.js';
import { hasInvalidPort, hostNotAllowedMessage, invalidPortMessage, isAllowedHost } from '../proxy/host-check.js';
import { prepareUpstreamHeaders } from '../proxy/request-headers.js';
import type { GatewayState } from './gateway-state.js';
import { setRequestContext, type RequestContext } from './request-context.js';

/**
 * The steps of the request path, one function each, shared by HTTP requests and websocket
 * upgrades (server/index.ts wires them in order for both).
 */

export interface Refusal {
  status: 400 | 403;
  message: string;
}

/**
 * 1. Refuse hosts other than this machine's names (DNS rebinding would turn the gateway, and the
 *    production session cookies it holds, into someone else's proxy), and request targets that
 *    cannot be a path on upstream (`http://other/`, `//other/x` is a path): the gateway is a
 *    reverse proxy for one upstream, never a forward proxy.
 */
export function refusal(req: IncomingMessage, state: GatewayState): Refusal | undefined {
  if (hasInvalidPort(req.headers.host)) return { status: 400, message: invalidPortMessage(req.headers.host!) };
  if (!isAllowedHost(req.headers.host, state.config)) return { status: 403, message: hostNotAllowedMessage(req.headers.host) };
  if (!isUpstreamPath(state.upstreamOrigin, req.url ?? '')) return { status: 400, message: badTargetMessage(state.upstreamOrigin) };
  return undefined;
}

/** 2. Decide this request's modes and presets (query > header > cookie > CLI > config). */
export function attachContext(req: IncomingMessage, state: GatewayState, logger: Logger): RequestContext {
  const selection = resolveSelection(state.config, { url: req.url ?? '/', headers: req.headers });
  // A request's own text (any site can send `?mfe-dev=…`): capped, shown to its browser only.
  for (const warning of selection.warnings) logger.warnOnce(warning, { group: 'request' });
  const gatewayOrigin = `${state.secure ? 'https' : 'http'}://${req.headers.host ?? `${state.config.host}:${state.config.port}`}`;
  const context: RequestContext = {
    state,
    selection,
    gatewayOrigin,
    originalUrl: req.url ?? '/',
    headers: {
      upstreamOrigin: state.upstreamOrigin,
      gatewayOrigin,
      cookieHeader: selection.upstreamCookieHeader,
      presetHeaders: selection.headers,
      overridden: [...selection.modes.values()].some((mode) => mode !== 'prod'),
    },
  };
  setRequestContext(req, context);
  return context;
}

/**
 * 3. Files of client-side fragments in local mode for this browser go to their local service:
 *    the target, or a refusal for a `/__mfe-dev/local/` path that may not be served (no such
 *    local fragment, not local for this browser, a page on another site). Pages on other sites
 *    never reach a local service (overrides/local-asset-target.ts).
 */
export function localAssetTarget(context: RequestContext, req: IncomingMessage): LocalAssetTarget | LocalAssetRefusal | undefined {
  return findLocalAssetTarget(context.state.config, context.selection.modes, {
    url: context.selection.upstreamUrl,
    headers: req.headers,
    gatewayOrigin: context.gatewayOrigin,
  });
}

/**
 * 3b. (websockets) A dev server's live-update socket at a path of its own, for the local
 *     services of this browser's `local` fragments (overrides/dev-server-sockets.ts).
 */
export function devServerSockets(context: RequestContext, req: IncomingMessage): DevServerSocketTarget[] {
  return devServerSocketTargets(context.state.config, context.selection.modes, context.selection.upstreamUrl, req.headers, context.gatewayOrigin);
}

/** 4. mfe-dev's own pages: nothing of production is served under `/__mfe-dev`. */
export const isOwnPath = isDevPath;

/**
 * Everything under `/__mfe-dev/` may be framed only by the gateway's own pages: another site
 * framing the dev page could trick a click on a mode switch. `'self'`/`SAMEORIGIN` rather than
 * `DENY`: a script on the gateway's origin can already call the dev page's API, so same-origin
 * framing grants nothing more, and the two headers say the same for every browser.
 */
export function setNoFraming(res: ServerResponse): void {
  res.setHeader('content-security-policy', "frame-ancestors 'self'");
  res.setHeader('x-frame-options', 'SAMEORIGIN');
}

/** 5. Everything else goes to production: the URL without override parameters, headers as production expects them. */
export function prepareUpstreamRequest(req: IncomingMessage, context: RequestContext, upgrade: boolean): void {
  req.url = context.selection.upstreamUrl;
  prepareUpstreamHeaders(req.headers, context.headers, upgrade ? 'GET' : (req.method ?? 'GET'), upgrade);
}
