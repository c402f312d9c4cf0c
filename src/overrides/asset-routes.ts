import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createProxyMiddleware, type Plugin, type RequestHandler } from 'http-proxy-middleware';
import type { FragmentMode, ResolvedConfig } from '../config/types.js';
import { describeNetworkError, type Agents } from '../compose/fetch-fragment.js';
import type { Logger } from '../logger.js';
import { LOCAL_ASSET_ROUTE } from './asset-rewrite.js';

/**
 * Requests for a local client-side fragment's own files go to the developer's service:
 * - `/__mfe-dev/local/NAME/PATH` (absolute asset URLs rewritten in the page) → LOCAL + `/PATH`;
 * - a path under one of a `local` fragment's path prefixes (`/assets/header/…`) → LOCAL + path.
 * Targets come from the config only: a name that is not configured, or has no `local`, is not
 * routed (the first form answers 404, the second goes to production as usual).
 */
export interface LocalAssetTarget {
  fragment: string;
  origin: string;
  path: string;
}

export function findLocalAssetTarget(
  config: ResolvedConfig,
  modes: ReadonlyMap<string, FragmentMode>,
  url: string,
): LocalAssetTarget | 'not-found' | undefined {
  if (url.startsWith(LOCAL_ASSET_ROUTE)) {
    const rest = url.slice(LOCAL_ASSET_ROUTE.length);
    const slash = rest.indexOf('/');
    const name = safeDecode(slash === -1 ? rest : rest.slice(0, slash));
    const fragment = name === undefined ? undefined : config.fragments.get(name);
    if (!fragment?.local) return 'not-found';
    return target(fragment.name, fragment.local, slash === -1 ? '/' : rest.slice(slash));
  }
  const path = url.split('?')[0];
  for (const fragment of config.fragments.values()) {
    if (!fragment.local || modes.get(fragment.name) !== 'local') continue;
    if (fragment.assets.some((prefix) => prefix.startsWith('/') && path.startsWith(prefix))) {
      return target(fragment.name, fragment.local, url);
    }
  }
  return undefined;
}

function target(fragment: string, local: string, path: string): LocalAssetTarget {
  const base = new URL(local);
  const basePath = base.pathname.endsWith('/') ? base.pathname.slice(0, -1) : base.pathname;
  return { fragment, origin: base.origin, path: basePath + path };
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

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
