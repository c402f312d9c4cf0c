import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createProxyMiddleware, type Plugin, type RequestHandler } from 'http-proxy-middleware';
import type { Agents } from '../http/agents.js';
import { describeNetworkError } from '../http/network-error.js';
import { PROXY_BACKEND_OPTIONS } from '../http/backend-parser.js';
import { upstreamUrlFor } from '../http/request-target.js';
import type { Logger } from '../logger.js';
import { sendUpstreamErrorPage } from './error-page.js';
import { ClientGoneError, PageTimeoutError, requestLifetime } from './request-lifetime.js';

/**
 * The way to production. One upstream request per browser request: http-proxy-middleware sends
 * it (keep-alive agents, body streamed, websockets); production's answer is handed to
 * `onResponse`, which decides what the browser gets (server/respond-to-page.ts: composed, or
 * passed through by ./pass-through.ts). Failures to reach production are answered here.
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

export function createUpstreamProxy(options: UpstreamProxyOptions): RequestHandler {
  const target = new URL(options.upstream);
  const agent = target.protocol === 'https:' ? options.agents.https : options.agents.http;

  const handleResponses: Plugin = (proxyServer) => {
    proxyServer.on('proxyRes', (proxyRes, req, res) => options.onResponse(proxyRes, req, res as ServerResponse));
    proxyServer.on('error', (error, req, resOrSocket) => {
      if (error instanceof ClientGoneError) return;
      const url = upstreamUrlFor(target.origin, req.url ?? '/')?.href ?? target.origin;
      if (error instanceof PageTimeoutError) {
        const reason = `${error.message} (\`pageTimeout\` in the mfe-dev config)`;
        if (isServerResponse(resOrSocket)) {
          options.logger.error(`${req.method} ${req.url} → 504: ${url}: ${reason}`);
          sendUpstreamErrorPage(resOrSocket, url, reason, 504);
        } else {
          options.logger.warnOnce(`websocket ${req.url}: ${url}: ${reason}`);
          (resOrSocket as Socket).destroy();
        }
        return;
      }
      const reason = describeNetworkError(error);
      if (isServerResponse(resOrSocket)) {
        options.logger.error(`${req.method} ${req.url} → 502: could not reach ${url}: ${reason}`);
        sendUpstreamErrorPage(resOrSocket, url, reason);
      } else {
        options.logger.warnOnce(`websocket ${req.url}: could not reach ${url}: ${reason}`);
        (resOrSocket as Socket).destroy();
      }
    });
    proxyServer.on('proxyReqWs', (proxyReq, req) => {
      proxyReq.on('response', (response) => options.onUpgradeRefused?.(req, response.statusCode ?? 0));
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
    // Accept responses with bare `\n` line endings, as nginx and Varnish do (see backend-parser.ts).
    ...PROXY_BACKEND_OPTIONS,
    plugins: [handleResponses, requestLifetime(() => options.pageTimeoutMs)],
  });
}

function isServerResponse(value: unknown): value is ServerResponse {
  return value instanceof http.ServerResponse;
}
