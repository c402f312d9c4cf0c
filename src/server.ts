import http, { type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import express from 'express';
import { resolveConfig } from './config/resolve-config.js';
import { watchConfig } from './config/watch.js';
import type { InlineConfig, ResolvedConfig } from './config/types.js';
import { ComposeEvents } from './compose/events.js';
import { createAgents } from './compose/fetch-fragment.js';
import { MfeDevError } from './errors.js';
import { badTargetMessage, upstreamUrlFor } from './http/request-target.js';
import { createGatewayState, type GatewayState } from './gateway-state.js';
import { createDebugger, createLogger, type Logger } from './logger.js';
import { printPageLine, printReady } from './cli/print.js';
import { createAssetRewriter } from './overrides/asset-rewrite.js';
import { createLocalAssetProxy, findLocalAssetTarget } from './overrides/asset-routes.js';
import { resolveSelection } from './overrides/index.js';
import { isAllowedHost, hostNotAllowedMessage } from './proxy/host-check.js';
import { prepareUpstreamHeaders } from './proxy/request-headers.js';
import { createUpstreamProxy } from './proxy/upstream-proxy.js';
import { getRequestContext, setRequestContext, type RequestContext } from './request-context.js';
import { createDevPageHandler, DEV_PREFIX } from './ui/dev-page.js';
import { DevStateStore } from './ui/dev-state.js';

/**
 * The gateway. `createDevServer()` resolves the config; `listen()` starts serving; every config
 * edit is loaded, validated and swapped in whole (or reported, keeping the last good one).
 */
export interface DevServer {
  /** The config in force now (changes on hot reload). */
  readonly config: ResolvedConfig;
  /** `http://HOST:PORT` once listening. */
  readonly url: string | undefined;
  readonly httpServer: http.Server;
  /** Lifecycle events of composed pages (see `ComposeEvents`). */
  readonly events: ComposeEvents;
  readonly logger: Logger;
  listen(): Promise<DevServer>;
  close(): Promise<void>;
}

export async function createDevServer(inline: InlineConfig = {}): Promise<DevServer> {
  const startedAt = performance.now();
  const logger = createLogger(inline.logLevel);
  const initial = await resolveConfig(inline);
  for (const warning of initial.warnings) logger.warnOnce(warning);

  const events = new ComposeEvents();
  const upstreamAgents = createAgents();
  const fragmentAgents = createAgents();
  const store = new DevStateStore(events, logger);
  const localAssetProxy = createLocalAssetProxy(fragmentAgents, logger);
  let pageIds = 0;

  // One state per config: a reload builds the next one whole, then swaps it in.
  const stateFor = (config: ResolvedConfig) => {
    const gateway = createGatewayState(config);
    const proxy = createUpstreamProxy({
      upstream: config.upstream,
      events,
      logger,
      upstreamAgents,
      fragmentAgents,
      nextPageId: () => ++pageIds,
      assetRewriter: (context) => createAssetRewriter(context.state.config, context.selection.modes),
    });
    return { gateway, proxy };
  };
  let current = stateFor(initial);
  if (inline.logLevel !== 'silent') events.on('page:end', (page) => printPageLine(logger, page));
  traceEvents(events);

  // ── The request path, in order ───────────────────────────────────────────────────────────
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', false);
  // 1. Refuse hosts other than this machine's names (DNS rebinding would turn the gateway,
  //    and the production session cookies it holds, into someone else's proxy).
  //    Absolute-form request lines (`GET http://other.example/ HTTP/1.1`) are refused: the
  //    gateway is a reverse proxy for one upstream, never a forward proxy.
  app.use(function hostCheck(req, res, next) {
    if (!isAllowedHost(req.headers.host, current.gateway.config)) {
      res.status(403).type('text/plain').send(hostNotAllowedMessage(req.headers.host));
    } else if (!upstreamUrlFor(current.gateway.upstreamOrigin, req.url)) {
      res.status(400).type('text/plain').send(badTargetMessage(current.gateway.upstreamOrigin));
    } else next();
  });
  // 2. Decide this request's modes and presets (query > header > cookie > CLI > config).
  app.use(function overrides(req, _res, next) {
    attachContext(req, current.gateway, logger);
    next();
  });
  // 3. Files of client-side fragments in local mode go to their local service.
  app.use(function localAssets(req, res, next) {
    const context = getRequestContext(req)!;
    const target = findLocalAssetTarget(context.state.config, context.selection.modes, context.selection.upstreamUrl);
    if (target === undefined || target === 'not-found') return next();
    localAssetProxy.handle(req, res, target);
  });
  // 4. mfe-dev's own pages: the dev page, its API, the overlay script (404 for anything else:
  //    nothing of production is served under /__mfe-dev/).
  const devPage = createDevPageHandler(store);
  app.use(function devPages(req, res, next) {
    const url = req.url;
    if (url === DEV_PREFIX || url.startsWith(DEV_PREFIX + '/') || url.startsWith(DEV_PREFIX + '?')) return void devPage(req, res).catch(next);
    next();
  });
  // 5. Everything else goes to production; HTML pages come back composed.
  app.use(function upstream(req, res, next) {
    const context = getRequestContext(req)!;
    req.url = context.selection.upstreamUrl;
    prepareUpstreamHeaders(req.headers, context.headers, req.method);
    void current.proxy(req, res, next);
  });
  // Anything that threw on the way: a plain 500 for the browser (never a stack trace), the
  // details in the terminal.
  app.use(function internalError(error: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) {
    logger.error(`${req.method} ${req.originalUrl}: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    if (res.headersSent) return void res.destroy();
    res.status(500).type('text/plain').send('mfe-dev: internal error while handling this request; the terminal shows the details.\n');
  });
  // ──────────────────────────────────────────────────────────────────────────────────────────

  const httpServer = http.createServer(app);
  // Websockets (HMR, live updates): wired explicitly so an upgrade that arrives before any
  // HTTP request is still proxied.
  httpServer.on('upgrade', function upgrade(req: IncomingMessage, socket: Socket, head: Buffer) {
    socket.on('error', () => socket.destroy());
    if (!isAllowedHost(req.headers.host, current.gateway.config) || !upstreamUrlFor(current.gateway.upstreamOrigin, req.url ?? '')) return void socket.destroy();
    const context = attachContext(req, current.gateway, logger);
    const asset = findLocalAssetTarget(context.state.config, context.selection.modes, context.selection.upstreamUrl);
    if (asset && asset !== 'not-found') return localAssetProxy.upgrade(req, socket, head, asset);
    if (asset === 'not-found' || req.url!.startsWith(DEV_PREFIX)) return void socket.destroy();
    req.url = context.selection.upstreamUrl;
    prepareUpstreamHeaders(req.headers, context.headers, 'GET', true);
    current.proxy.upgrade(req, socket, head);
  });

  // The watcher starts once the gateway listens: a server that failed to start holds nothing open.
  const startWatching = () =>
    inline.watch === false || !initial.configFile
      ? undefined
      : watchConfig(inline, initial, {
          onReload(next, changes) {
            const previous = current.gateway.config;
            current = stateFor(next);
            logger.info([`config reloaded${changes.length ? ':' : ' (no changes)'}`, ...changes.map((c) => `  ${c}`)].join('\n'));
            for (const warning of next.warnings) logger.warnOnce(warning);
            if (next.port !== previous.port || next.host !== previous.host) {
              logger.warn(`port/host changed in the config; restart mfe-dev to listen on ${next.host}:${next.port}`);
            }
          },
          onError(error) {
            logger.error(`config reload failed; still serving the last good config.\n${error instanceof Error ? error.message : String(error)}`);
          },
        });

  let watcher: ReturnType<typeof startWatching>;
  let url: string | undefined;
  const server: DevServer = {
    get config() {
      return current.gateway.config;
    },
    get url() {
      return url;
    },
    httpServer,
    events,
    logger,
    listen() {
      const { port, host } = current.gateway.config;
      return new Promise<DevServer>((resolve, reject) => {
        const onError = (error: NodeJS.ErrnoException) => {
          httpServer.off('listening', onListening);
          if (error.code === 'EADDRINUSE') {
            reject(new MfeDevError('MFE_PORT_IN_USE', `port ${port} on ${host} is already in use. Stop what is using it, or choose another port with --port (e.g. --port ${port + 1}, or --port 0 for any free port).`, { cause: error }));
          } else if (error.code === 'EACCES') {
            reject(new MfeDevError('MFE_PORT_IN_USE', `not allowed to listen on ${host}:${port}. Choose a port above 1024 with --port.`, { cause: error }));
          } else reject(error);
        };
        const onListening = () => {
          httpServer.off('error', onError);
          const address = httpServer.address();
          const realPort = typeof address === 'object' && address ? address.port : port;
          const shownHost = host.includes(':') ? `[${host}]` : host;
          url = `http://${shownHost}:${realPort}`;
          watcher = startWatching();
          if (inline.logLevel !== 'silent') printReady(logger, server.config, url, performance.now() - startedAt);
          resolve(server);
        };
        httpServer.once('error', onError);
        httpServer.once('listening', onListening);
        httpServer.listen(port, host);
      });
    },
    async close() {
      await watcher?.close();
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      });
      for (const agents of [upstreamAgents, fragmentAgents]) {
        agents.http.destroy();
        agents.https.destroy();
      }
    },
  };
  return server;
}

/**
 * `DEBUG=mfe-dev:compose` (or `mfe-dev:*`) prints every fragment request as it starts, ends or
 * fails, with its URL: the first thing to look at when a page does not look as expected.
 */
function traceEvents(events: ComposeEvents): void {
  const debug = createDebugger('mfe-dev:compose');
  if (!debug) return;
  events.on('page:start', (page) => debug(`#${page.id} ${page.method} ${page.url}: composing`));
  events.on('fragment:start', (f) => debug(`#${f.page.id} ${f.name ?? '(not configured)'} ${f.mode} → ${f.url}`));
  events.on('fragment:end', (f) => debug(`#${f.page.id} ${f.name ?? '(not configured)'} ${f.failed ? 'failed' : f.status} in ${f.durationMs.toFixed(1)} ms ← ${f.url}`));
  events.on('fragment:error', (f) => debug(`#${f.page.id} ${f.name ?? '(not configured)'} ${f.url}: ${f.reason}`));
  events.on('fragment:fallback', (f) => debug(`#${f.page.id} ${f.src} replaced by ${f.fallback}`));
  events.on('page:end', (p) => debug(`#${p.page.id} done: ${p.status} in ${p.durationMs.toFixed(1)} ms`));
}

function attachContext(req: IncomingMessage, state: GatewayState, logger: Logger): RequestContext {
  const selection = resolveSelection(state.config, { url: req.url ?? '/', headers: req.headers });
  for (const warning of selection.warnings) logger.warnOnce(warning);
  const gatewayOrigin = `http://${req.headers.host ?? `${state.config.host}:${state.config.port}`}`;
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

