import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createProxyMiddleware, type Plugin, type RequestHandler } from 'http-proxy-middleware';
import { canDecode, composePage } from '../compose/compose-page.js';
import type { ComposeEvents } from '../compose/events.js';
import { describeNetworkError, type Agents } from '../compose/fetch-fragment.js';
import type { PageContext } from '../compose/resolve-include.js';
import { createDebugger, type Logger } from '../logger.js';
import { badTargetMessage, upstreamUrlFor } from '../http/request-target.js';
import { getRequestContext, type RequestContext } from '../request-context.js';
import { sendUpstreamErrorPage } from './error-page.js';
import { fragmentRequestHeaders } from './request-headers.js';
import { rawHeader, rewriteResponseHeaders, type RawHeaders } from './response-headers.js';
import type { AssetRewriter } from '../overrides/asset-rewrite.js';
import { overlayTag } from '../ui/overlay-tag.js';

/**
 * The way to production. One upstream request per browser request: http-proxy-middleware sends
 * it (keep-alive agents, body streamed, websockets), and the answer is either composed (HTML)
 * or piped through untouched but for the headers that must change to work on localhost.
 */
export interface UpstreamProxyOptions {
  upstream: string;
  events: ComposeEvents;
  logger: Logger;
  /** Keep-alive agents to upstream, shared across config reloads. */
  upstreamAgents: Agents;
  /** Keep-alive agents for fragment requests. */
  fragmentAgents: Agents;
  nextPageId: () => number;
  assetRewriter: (context: RequestContext) => AssetRewriter | undefined;
}

const COMPOSABLE_TYPE = /^\s*(text\/html|application\/xhtml\+xml)\b/i;
const BODY_CHANGES = new Set(['content-length', 'content-encoding', 'content-md5', 'digest']);
const BODY_AND_VALIDATORS_CHANGE = new Set([...BODY_CHANGES, 'etag', 'last-modified']);

export function createUpstreamProxy(options: UpstreamProxyOptions): RequestHandler {
  const target = new URL(options.upstream);
  const agent = target.protocol === 'https:' ? options.upstreamAgents.https : options.upstreamAgents.http;

  const handleResponses: Plugin = (proxyServer) => {
    proxyServer.on('proxyRes', (proxyRes, req, res) => onUpstreamResponse(proxyRes, req, res as ServerResponse, options));
    proxyServer.on('error', (error, req, resOrSocket) => {
      const url = upstreamUrlFor(target.origin, req.url ?? '/')?.href ?? target.origin;
      const reason = describeNetworkError(error);
      if (isServerResponse(resOrSocket)) {
        options.logger.error(`${req.method} ${req.url} → 502: could not reach ${url}: ${reason}`);
        sendUpstreamErrorPage(resOrSocket, url, reason);
      } else {
        options.logger.warnOnce(`websocket ${req.url}: could not reach ${url}: ${reason}`);
        (resOrSocket as Socket).destroy();
      }
    });
    proxyServer.on('econnreset', (_error, _req, res) => {
      if (isServerResponse(res)) res.destroy();
    });
  };

  return createProxyMiddleware({
    target: target.origin,
    changeOrigin: true,
    selfHandleResponse: true,
    agent,
    secure: true,
    ejectPlugins: true,
    plugins: [handleResponses],
  });
}

function isServerResponse(value: unknown): value is ServerResponse {
  return value instanceof http.ServerResponse;
}

const debug = createDebugger('mfe-dev:proxy');

function onUpstreamResponse(proxyRes: IncomingMessage, req: IncomingMessage, res: ServerResponse, options: UpstreamProxyOptions): void {
  const context = getRequestContext(req);
  if (!context) {
    // Cannot happen: every proxied request went through the overrides middleware first.
    res.destroy();
    return;
  }
  const { state, selection } = context;
  const status = proxyRes.statusCode ?? 502;
  const headerContext = {
    upstreamOrigin: state.upstreamOrigin,
    gatewayOrigin: context.gatewayOrigin,
    localOrigins: state.localOrigins,
    secureGateway: false,
  };
  const contentType = proxyRes.headers['content-type'];
  const composable =
    COMPOSABLE_TYPE.test(contentType ?? '') &&
    req.method !== 'HEAD' &&
    status !== 204 &&
    status !== 304 &&
    !/^\s*attachment/i.test(proxyRes.headers['content-disposition'] ?? '');

  const decodable = canDecode(proxyRes.headers['content-encoding']);
  if (composable && !decodable) {
    options.logger.warnOnce(
      `${req.url}: production sent HTML with content-encoding '${proxyRes.headers['content-encoding']}', which mfe-dev cannot decode; it is passed through without composing.`,
    );
  }
  debug?.(`${req.method} ${req.url} ← ${status} ${contentType ?? '(no type)'}${proxyRes.headers['content-encoding'] ? ` ${proxyRes.headers['content-encoding']}` : ''}: ${composable ? 'compose' : 'pass through'}`);
  if (!composable || !decodable) {
    const headers = withCookies(rewriteResponseHeaders(proxyRes.rawHeaders, headerContext), selection.setCookies);
    res.writeHead(status, proxyRes.statusMessage, headers);
    proxyRes.pipe(res);
    if (proxyRes.headers.trailer) proxyRes.on('end', () => res.addTrailers(pairs(proxyRes.rawTrailers)));
    // Production cut the response short: cut the browser's too, rather than leave it waiting.
    proxyRes.on('error', () => undefined);
    proxyRes.on('close', () => {
      if (!proxyRes.complete) res.destroy();
    });
    res.on('close', () => {
      if (!res.writableFinished) proxyRes.destroy();
    });
    return;
  }

  const { overridden } = context.headers;
  const headers = withCookies(
    rewriteResponseHeaders(proxyRes.rawHeaders, headerContext, { drop: overridden ? BODY_AND_VALIDATORS_CHANGE : BODY_CHANGES }),
    selection.setCookies,
  );
  const pageUrl = upstreamUrlFor(state.upstreamOrigin, req.url ?? '/');
  if (!pageUrl) {
    // Checked when the request arrived (step 1 of the request path); kept as a guard.
    res.writeHead(400, { 'content-type': 'text/plain' }).end(badTargetMessage(state.upstreamOrigin));
    proxyRes.destroy();
    return;
  }
  const ctx: PageContext = {
    page: { id: options.nextPageId(), url: context.originalUrl, method: req.method ?? 'GET' },
    matchFragment: state.matchFragment,
    modes: selection.modes,
    fragmentHeaders: fragmentRequestHeaders(req.headers, context.headers, req.headers.host ?? ''),
    pageUrl,
    charset: undefined,
    agents: options.fragmentAgents,
    events: options.events,
    results: [],
    overridden: false,
  };
  options.events.emit('page:start', ctx.page);
  const rewriter = options.assetRewriter(context);
  const showOverlay = state.config.overlay && overridden;
  void composePage({
    upstream: proxyRes,
    res,
    ctx,
    headers,
    selectorFragments: state.selectorFragments.filter((f) => (selection.modes.get(f.name) ?? 'prod') !== 'prod'),
    overlayTag: showOverlay ? overlayTag(rawHeader(proxyRes.rawHeaders, 'content-security-policy')) : undefined,
    rewriteAsset: rewriter?.rewrite,
    assetPrefixes: rewriter?.prefixes,
    trailers: req.httpVersionMajor === 1 && req.httpVersionMinor >= 1,
  });
}

function withCookies(headers: RawHeaders, setCookies: readonly string[]): RawHeaders {
  for (const cookie of setCookies) headers.push('Set-Cookie', cookie);
  return headers;
}

function pairs(raw: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < raw.length; i += 2) out.push([raw[i], raw[i + 1]]);
  return out;
}

