import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createProxyMiddleware, type Plugin, type RequestHandler } from 'http-proxy-middleware';
import type { Agents } from '../http/agents.js';
import { PROXY_BACKEND_OPTIONS } from '../http/backend-parser.js';
import { describeNetworkError } from '../http/network-error.js';
import type { Logger } from '../logger.js';
import type { LocalAssetTarget } from '../overrides/local-asset-target.js';

/**
 * A local client-side fragment's own files (and its dev server's websockets), proxied to the
 * local service. Which requests go here, and where, is decided by
 * overrides/local-asset-target.ts from the config alone.
 */
const TARGET = Symbol('mfe-dev.local-asset');
type WithTarget = IncomingMessage & { [TARGET]?: LocalAssetTarget };

/** Proxy a request (or websocket, e.g. a dev server's HMR) to its local asset target. */
export function createLocalAssetProxy(agents: Agents, logger: Logger): {
  handle(req: IncomingMessage, res: ServerResponse, target: LocalAssetTarget): void;
  upgrade(req: IncomingMessage, socket: Socket, head: Buffer, target: LocalAssetTarget): void;
} {
  const reportErrors: Plugin = (proxyServer) => {
    proxyServer.on('error', (error, req, resOrSocket) => {
      const t = (req as WithTarget)[TARGET];
      const url = t ? t.origin + t.path : req.url;
      const reason = describeNetworkError(error);
      logger.warnOnce(`local asset of fragment '${t?.fragment}' failed: ${url}: ${reason}`);
      const res = resOrSocket as ServerResponse;
      if (typeof res.writeHead === 'function' && !res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`mfe-dev: the local service of fragment '${t?.fragment}' did not answer ${url}: ${reason}\n`);
      } else {
        (resOrSocket as Socket).destroy();
      }
    });
  };
  const proxy: RequestHandler = createProxyMiddleware({
    target: 'http://127.0.0.1',
    router: (req) => (req as WithTarget)[TARGET]!.origin,
    changeOrigin: true,
    ejectPlugins: true,
    // Accept responses with bare `\n` line endings, as nginx and Varnish do (see backend-parser.ts).
    ...PROXY_BACKEND_OPTIONS,
    plugins: [reportErrors],
    agent: agents.http,
  });
  const prepare = (req: IncomingMessage, t: LocalAssetTarget) => {
    (req as WithTarget)[TARGET] = t;
    req.url = t.path;
  };
  return {
    handle(req, res, t) {
      prepare(req, t);
      void proxy(req as never, res as never, () => undefined);
    },
    upgrade(req, socket, head, t) {
      prepare(req, t);
      proxy.upgrade(req, socket, head);
    },
  };
}
