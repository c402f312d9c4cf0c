import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Plugin, RequestHandler } from 'http-proxy-middleware';
import type { Agents } from '../http/agents.js';
import { PROXY_BACKEND_OPTIONS } from '../http/backend-parser.js';
import { backendRequest, toHttpFailure } from '../http/client.js';
import { unwritableHeader } from '../http/raw-headers.js';
import { upstreamUrlFor } from '../http/request-target.js';
import type { Logger } from '../logger.js';
import { sendUpstreamErrorPage } from './error-page.js';
import { ClientGoneError, PageTimeoutError, requestLifetime } from './request-lifetime.js';

/**
 * The way to production. One upstream request per browser request, sent with Node's own
 * client over the keep-alive agents (the browser's body streamed, if it has one); production's
 * answer is handed to `onResponse`, which decides what the browser gets
 * (server/respond-to-page.ts: composed, or passed through by ./pass-through.ts). Failures to
 * reach production are answered here: a 502 page, or a 504 past `pageTimeout`. A browser that
 * goes away ends its production request (before the answer, or in the middle of its body).
 *
 * Every request of a page load (the page, then dozens of scripts, styles and images) passes
 * here, so the per-request work is kept to what the request needs: the target, the agent and
 * the `Host` header are worked out once per config. Websocket upgrades go through
 * http-proxy-middleware, which handles the 101 handshake and the two-way pipe (not loaded before
 * the gateway is ready: start-up does not wait for it).
 */
export interface UpstreamProxyOptions {
  upstream: string;
  logger: Logger;
  /** Keep-alive agents to upstream, shared across config reloads. */
  agents: Agents;
  /** Milliseconds production may take to start answering (`pageTimeout`). */
  pageTimeoutMs: number;
  /** Production answered: write the browser's response. */
  onResponse: (upstreamResponse: IncomingMessage, req: IncomingMessage, res: ServerResponse) => void;
  /** Production answered a websocket upgrade with a plain HTTP response (passed on as it is). */
  onUpgradeRefused?: (req: IncomingMessage, status: number) => void;
}

export interface UpstreamProxy {
  /** Send `req` (already prepared: URL without override parameters, headers for production) upstream. */
  (req: IncomingMessage, res: ServerResponse): void;
  /** Proxy a websocket upgrade to production. */
  upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void;
}

/** Methods whose request may have no body even when it declares none (http-proxy's rule, kept). */
const ZERO_LENGTH_METHODS = new Set(['DELETE', 'OPTIONS']);

export function createUpstreamProxy(options: UpstreamProxyOptions): UpstreamProxy {
  const target = new URL(options.upstream);
  const isHttps = target.protocol === 'https:';
  const agent = isHttps ? options.agents.https : options.agents.http;
  const protocol = target.protocol;
  // What the request options share, computed once: production is talked to as itself.
  const port = target.port ? Number(target.port) : isHttps ? 443 : 80;
  const hostname = target.hostname.startsWith('[') ? target.hostname.slice(1, -1) : target.hostname;
  const hostHeader = target.host;
  const timeoutReason = (error: PageTimeoutError) => `${error.message} (\`pageTimeout\` in the mfe-dev config)`;

  const fail = (error: Error, req: IncomingMessage, res: ServerResponse) => {
    // The browser went away first (its socket is gone): nothing to answer.
    if (req.socket.destroyed && (error as NodeJS.ErrnoException).code === 'ECONNRESET') return void res.destroy();
    const url = upstreamUrlFor(target.origin, req.url ?? '/')?.href ?? target.origin;
    if (error instanceof PageTimeoutError) {
      options.logger.error(`${req.method} ${req.url} → 504: ${url}: ${timeoutReason(error)}`);
      return sendUpstreamErrorPage(res, url, timeoutReason(error), 504);
    }
    const reason = toHttpFailure(error).reason;
    options.logger.error(`${req.method} ${req.url} → 502: could not reach ${url}: ${reason}`);
    sendUpstreamErrorPage(res, url, reason);
  };

  /** Production answered, with something that cannot be passed on: a 502 saying what. */
  const badAnswer = (reason: string, req: IncomingMessage, res: ServerResponse) => {
    const url = upstreamUrlFor(target.origin, req.url ?? '/')?.href ?? target.origin;
    options.logger.error(`${req.method} ${req.url} → 502: ${url}: ${reason}`);
    sendUpstreamErrorPage(res, url, reason);
  };

  const proxy = function proxyToUpstream(req: IncomingMessage, res: ServerResponse): void {
    const method = req.method ?? 'GET';
    const headers: OutgoingHttpHeaders = { ...req.headers, host: hostHeader };
    const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody && ZERO_LENGTH_METHODS.has(method)) headers['content-length'] = '0';
    let answer: IncomingMessage | undefined;
    /** Production answered (the answer's own errors are handled by whoever writes it), or the browser left. */
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const upstreamRequest = backendRequest(
      // Through the product's one client (http/client.ts): bare-LF responses are read as nginx and Varnish read them.
      { protocol, hostname, port, method, path: req.url, headers, agent, rejectUnauthorized: true },
      (upstreamResponse) => {
        settled = true;
        clearTimeout(timer);
        answer = upstreamResponse;
        // A header no browser would accept (and Node cannot write): a 502 naming it.
        const unwritable = unwritableHeader(upstreamResponse.rawHeaders);
        if (unwritable) {
          upstreamResponse.destroy();
          return badAnswer(`production's answer has ${unwritable}`, req, res);
        }
        options.onResponse(upstreamResponse, req, res);
      },
    );
    // `101 Switching Protocols` to a request that asked for no upgrade.
    upstreamRequest.on('upgrade', (_response, socket) => {
      socket.destroy();
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      badAnswer('production answered 101 Switching Protocols to a request that asked for no protocol switch', req, res);
    });
    upstreamRequest.on('error', (error) => {
      clearTimeout(timer);
      if (!settled) fail(error, req, res);
    });
    // The clock starts once the request (and its body) is sent: a slow upload is not production's delay.
    upstreamRequest.once('finish', () => {
      const ms = options.pageTimeoutMs;
      if (!settled) timer = setTimeout(() => upstreamRequest.destroy(new PageTimeoutError(ms)), ms);
    });
    // The browser went away: stop asking, or stop reading what production still sends.
    res.once('close', () => {
      clearTimeout(timer);
      if (answer) {
        if (!answer.complete) answer.destroy();
      } else if (!settled) {
        settled = true;
        upstreamRequest.destroy(new ClientGoneError());
      }
    });
    if (hasBody) {
      req.on('error', (error) => upstreamRequest.destroy(error));
      req.pipe(upstreamRequest);
    } else {
      // No body: the request head leaves in one write.
      upstreamRequest.end();
    }
  } as UpstreamProxy;

  const reportUpgrades: Plugin = (proxyServer) => {
    proxyServer.on('error', (error, req, socket) => {
      if (error instanceof ClientGoneError) return;
      const url = upstreamUrlFor(target.origin, req.url ?? '/')?.href ?? target.origin;
      const reason = error instanceof PageTimeoutError ? timeoutReason(error) : `could not reach ${url}: ${toHttpFailure(error).reason}`;
      options.logger.warnOnce(`websocket ${req.url}: ${error instanceof PageTimeoutError ? `${url}: ` : ''}${reason}`, { key: `upstream:socket:${socketPath(req)}` });
      (socket as Socket).destroy();
    });
    proxyServer.on('proxyReqWs', (proxyReq, req) => {
      proxyReq.on('response', (response) => options.onUpgradeRefused?.(req, response.statusCode ?? 0));
      // Production took a socket at this path: an earlier failure's warning there is withdrawn.
      proxyReq.on('upgrade', () => options.logger.resolveWarnings(`upstream:socket:${socketPath(req)}`));
    });
  };
  let websockets: Promise<RequestHandler> | undefined;
  proxy.upgrade = (req, socket, head) => {
    websockets ??= import('http-proxy-middleware').then(({ createProxyMiddleware }) =>
      createProxyMiddleware({
        target: target.origin,
        changeOrigin: true,
        agent,
        secure: true,
        ejectPlugins: true,
        // Accept responses with bare `\n` line endings, as nginx and Varnish do (see backend-parser.ts).
        ...PROXY_BACKEND_OPTIONS,
        plugins: [reportUpgrades, requestLifetime(() => options.pageTimeoutMs)],
      }),
    );
    void websockets.then((handler) => handler.upgrade(req, socket, head));
  };
  return proxy;
}

/** A websocket request's path, without its query (a token or a timestamp that changes every time). */
function socketPath(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0];
}
