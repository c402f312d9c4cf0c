import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type http2 from 'node:http2';
import type { Socket } from 'node:net';
import { ComposeEvents } from '../compose/events.js';
import { DEFAULT_FRAGMENT_TIMEOUT_MS } from '../compose/fetch-fragment.js';
import { resolveConfig } from '../config/resolve-config.js';
import type { InlineConfig, ResolvedConfig } from '../config/types.js';
import { watchConfig } from '../config/watch.js';
import { MfeDevError } from '../errors.js';
import { createAgents, destroyAgents } from '../http/agents.js';
import { DEV_PREFIX, LIVE_RELOAD_PATH } from '../http/routes.js';
import { createDebugger, createLogger, type Logger } from '../logger.js';
import { createLocalAssetProxy } from '../proxy/local-asset-proxy.js';
import { devServerProtocol } from '../overrides/dev-server-sockets.js';
import { isLocalAssetRefusal } from '../overrides/local-asset-target.js';
import { offerUpgrade } from '../proxy/websocket-handover.js';
import { createUpstreamProxy } from '../proxy/upstream-proxy.js';
import { createDevPageHandler } from '../ui/dev-page.js';
import { DevStateStore } from '../ui/dev-state.js';
import { LiveReload } from '../ui/live-reload.js';
import { StateEvents } from '../ui/state-events.js';
import { activeLocalFragments, evalSourceMapHint, socketMissHint, socketRefusedHint, usesEvalSourceMaps } from './dev-server-hints.js';
import { createGatewayState } from './gateway-state.js';
import { getRequestContext } from './request-context.js';
import { attachContext, devServerSockets, isOwnPath, localAssetTarget, prepareUpstreamRequest, refusal, setNoFraming } from './request-steps.js';
import { createPageResponder } from './respond-to-page.js';
import { createShadowService, type ShadowService } from './shadow-service.js';
import { sendText } from './send-text.js';
import { printPageLine, printReady, warnAboutDownLocalServices } from './terminal-lines.js';
import { createWarningCauses } from './warning-causes.js';
import { createTlsServerOptions } from './tls-setup.js';
import { createAccessCheck } from './access.js';
import { createOperations } from './operations.js';
import { createTracing } from './tracing.js';

/**
 * The gateway. `createDevServer()` resolves the config; `listen()` starts serving; every config
 * edit is loaded, validated and swapped in whole (or reported, keeping the last good one).
 */
export interface DevServer {
  /** The config in force now (changes on hot reload). */
  readonly config: ResolvedConfig;
  /** `http://HOST:PORT` (`https://` with `https` on) once listening. */
  readonly url: string | undefined;
  /**
   * The listening server: with `https` on, an HTTP/2 server that also speaks HTTP/1.1 (ALPN)
   * and takes websocket upgrades.
   */
  readonly httpServer: http.Server | http2.Http2SecureServer;
  /** Lifecycle events of composed pages (see `ComposeEvents`). */
  readonly events: ComposeEvents;
  readonly logger: Logger;
  /** Shadow mode's figures: `report()` is what `/__mfe-dev/api/shadow` returns; `idle()` waits for running comparisons. */
  readonly shadow: Pick<ShadowService, 'report' | 'idle'>;
  listen(): Promise<DevServer>;
  /**
   * Graceful shutdown (SIGTERM in `serve`): readiness 503 at once, keep serving for
   * `serve.drainDelay` ms, stop accepting, let in-flight requests finish (up to
   * `serve.drainTimeout` ms), then close.
   */
  drain(): Promise<void>;
  /** Resolves once the config files are watched (right away when nothing is watched). */
  watching(): Promise<void>;
  close(): Promise<void>;
}

export async function createDevServer(inline: InlineConfig = {}): Promise<DevServer> {
  const startedAt = performance.now();
  // A library is quiet unless asked: the CLI passes `info` (banner, page lines).
  const logLevel = inline.logLevel ?? 'warn';
  const logger = createLogger(logLevel, inline.logger);
  // An edit after this moment reloads once the watcher is set up, however soon after the ready line.
  const loadedAt = Date.now();
  const initial = await resolveConfig(inline);
  // `mfe-dev serve`: a shared service, so it never starts open by accident.
  const serving = inline.command === 'serve';
  if (serving) requireServeAuth(initial);
  for (const warning of initial.warnings) logger.warnOnce(warning, { key: 'config' });

  const events = new ComposeEvents();
  const upstreamAgents = createAgents();
  const fragmentAgents = createAgents();
  const store = new DevStateStore(events, logger, serving);
  // W3C trace context (and OTLP export when OTEL_EXPORTER_OTLP_ENDPOINT is set) in serve.
  const tracing = serving ? await createTracing(events) : undefined;
  // Probes, metrics and (in serve) JSON request logs (server/operations.ts).
  const operations = createOperations({ events, requestLog: serving && logLevel === 'info' ? (line) => logger.styled(line) : undefined, upstream: () => current.gateway.config.upstream, probeAtStart: serving });
  // Warnings that go away with their cause: a local service answering again, a hinted prefix served.
  const warningCauses = createWarningCauses(logger);
  events.on('fragment:end', (f) => {
    if (f.mode === 'local' && !f.failed && f.name !== undefined) warningCauses.localAnswered(new URL(f.url).origin);
  });
  const localAssetProxy = createLocalAssetProxy(fragmentAgents, logger, () => current.gateway.config.pageTimeout, {
    onAnswer(target, status) {
      if (status < 500) warningCauses.localAnswered(target.origin);
    },
    inspectScript(fragment, url, code) {
      // Keyed by the file: the same file served without eval (devtool changed) withdraws it.
      const key = `eval:${fragment}:${url.split('?')[0]}`;
      if (usesEvalSourceMaps(code)) logger.warnOnce(evalSourceMapHint(fragment, url), { key });
      else logger.resolveWarnings(key);
    },
  });
  // Open pages reload when their local fragment HTML or the config changes (ui/live-reload.ts).
  const liveReload = new LiveReload(events, logger, {
    agents: fragmentAgents,
    limits: (name) => ({
      timeoutMs: current.gateway.config.fragments.get(name)?.timeout ?? DEFAULT_FRAGMENT_TIMEOUT_MS,
      maxBytes: current.gateway.config.maxFragmentSize,
    }),
  });
  // The dev page and the overlays re-fetch what they show when it changes (ui/state-events.ts).
  const stateEvents = new StateEvents((event, data) => liveReload.broadcast(event, data));
  // In serve nothing of one browser's pages reaches another's dev page, not even that one happened.
  if (!serving) {
    events.on('page:end', () => stateEvents.changed('page'));
    events.on('shadow:result', () => stateEvents.changed('shadow'));
    logger.onNewWarning(() => stateEvents.changed('warning'));
  }
  let pageIds = 0;
  // Shadowed fragments are compared in the background by shadow/ (its figures outlive reloads).
  const shadow = createShadowService({ config: () => current.gateway.config, events, logger, agents: fragmentAgents, terminal: logLevel !== 'silent' && !serving });
  // In serve the figures are shared, the examples (pages, diffs of people's fragments) are not.
  const shadowReport = serving ? () => ({ ...shadow.report(), recent: [] }) : shadow.report;
  // Production answered: compose the page, or pass the bytes through (server/respond-to-page.ts).
  const respondToPage = createPageResponder({
    events,
    logger,
    fragmentAgents,
    nextPageId: () => ++pageIds,
    warningCauses,
    shadowFragment: shadow.shadowFragment,
    onPage: shadow.recordPage,
    onUpstreamAnswer(res, page) {
      operations.upstreamAnswered();
      if (page) operations.pageOf(res, page);
    },
  });

  // The scheme is decided once, at start (a config edit of `https` asks for a restart).
  const tls = await createTlsServerOptions(initial, logger);
  const secure = tls !== undefined;

  // A websocket production refused while a fragment is local: most likely the dev server's.
  const reportRefusedSocket = (req: IncomingMessage, status: number) => {
    const context = getRequestContext(req);
    if (status !== 404 || !context?.headers.overridden) return;
    const locals = activeLocalFragments(context.state.config, context.selection.modes);
    if (locals.length) logger.warnOnce(socketRefusedHint(context.selection.upstreamUrl.split('?')[0], status, locals), { key: 'socket:refused' });
  };

  // One state per config: a reload builds the next one whole, then swaps it in.
  const stateFor = (config: ResolvedConfig) => ({
    gateway: createGatewayState(config, { secure }),
    access: serving ? createAccessCheck(config.serve!.auth!, { secure }) : undefined,
    proxy: createUpstreamProxy({ upstream: config.upstream, logger, agents: upstreamAgents, pageTimeoutMs: config.pageTimeout, onResponse: respondToPage, onUpgradeRefused: reportRefusedSocket }),
  });
  let current = stateFor(initial);
  if (logLevel === 'info' && !serving) events.on('page:end', (page) => printPageLine(logger, page));
  traceEvents(events);

  // ── The request path, in order (the steps are in ./request-steps.ts) ───────────────────────
  // Plain Node handlers, no router: every script, style and image of a page load passes here.
  const devPage = createDevPageHandler(store, shadowReport);
  let draining = false;
  function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    try {
      // Nothing under /__mfe-dev/ may be framed by another site (clickjacking of mode switches).
      if (isOwnPath(req.url!)) setNoFraming(res);
      // 0. Probes and metrics: no access needed, nothing of production. Then, in serve, access:
      //    a request without it gets 401 before anything reaches production or a fragment.
      if (operations.handle(req, res)) return;
      operations.track(req, res);
      if (draining) res.setHeader('connection', 'close');
      if (current.access && !current.access(req, res)) return;
      // 1. Refuse other hosts and anything but a path (the gateway is no forward proxy).
      const refused = refusal(req, current.gateway);
      if (refused) return sendText(res, req, refused.status, refused.message);
      warningCauses.watchServed(req, res);
      // 2. Decide this request's modes and presets (query > header > cookie > CLI > config).
      const context = attachContext(req, current.gateway, logger);
      // 3. Files of client-side fragments in local mode go to their local service.
      const asset = localAssetTarget(context, req);
      if (isLocalAssetRefusal(asset)) return sendText(res, req, asset.status, asset.message);
      if (asset) return localAssetProxy.handle(req, res, asset);
      // 4. mfe-dev's own pages: the dev page, its API, the overlay script and its live-reload
      //    events (404 for anything else: nothing of production is served under /__mfe-dev/).
      if (isOwnPath(req.url!)) {
        if (req.url!.split('?')[0] === LIVE_RELOAD_PATH && req.method === 'GET') return liveReload.handle(req, res);
        return void devPage(req, res, context).catch((error: unknown) => internalError(error, req, res));
      }
      // 5. Everything else goes to production; HTML pages come back composed. In serve, the
      //    request's trace continues into production and every fragment request.
      if (tracing) context.trace = tracing.begin(req, res);
      prepareUpstreamRequest(req, context, false);
      current.proxy(req, res);
    } catch (error) {
      internalError(error, req, res);
    }
  }
  // Anything that threw on the way: a plain 500 for the browser (never a stack trace), the
  // details in the terminal.
  function internalError(error: unknown, req: IncomingMessage, res: ServerResponse): void {
    logger.error(`${req.method} ${getRequestContext(req)?.originalUrl ?? req.url}: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    if (res.headersSent) return void res.destroy();
    sendText(res, req, 500, 'mfe-dev: internal error while handling this request; the terminal shows the details.\n');
  }
  // ──────────────────────────────────────────────────────────────────────────────────────────

  const http2Gateway = tls ? await (await import('../https/http2-bridge.js')).createHttp2Gateway(tls.options, handleRequest) : undefined;
  const httpServer = http2Gateway?.server ?? http.createServer(handleRequest);
  if (http2Gateway) tls!.attach(http2Gateway.server);
  // Websockets (HMR, live updates): the same steps, wired explicitly so an upgrade that arrives
  // before any HTTP request is still proxied. A refused or unroutable upgrade is closed.
  const openSockets = new Set<Socket>();
  (httpServer as http.Server).on('upgrade', async function upgrade(req: IncomingMessage, socket: Socket, head: Buffer) {
    socket.on('error', () => socket.destroy());
    openSockets.add(socket);
    socket.once('close', () => openSockets.delete(socket));
    if (current.access && !current.access.allows(req)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm="mfe-dev"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    if (refusal(req, current.gateway)) return void socket.destroy(); // 1
    const context = attachContext(req, current.gateway, logger); // 2
    const asset = localAssetTarget(context, req); // 3 (pages on other sites never reach a local service)
    if (isLocalAssetRefusal(asset)) return void socket.destroy();
    if (asset) return localAssetProxy.upgrade(req, socket, head, asset);
    if (req.url!.startsWith(DEV_PREFIX)) return void socket.destroy(); // 4: no websockets of mfe-dev's own
    // 3b. A dev server's live-update socket at a path of its own (Vite's `/` with `vite-hmr`,
    //     webpack-dev-server's `/ws`): offered to this browser's local services first.
    const candidates = devServerSockets(context, req);
    if (candidates.length) {
      const refusals: string[] = [];
      const path = context.selection.upstreamUrl.split('?')[0];
      /** A candidate that did not answer at all (its dev server is down). */
      let down: string | undefined;
      for (const candidate of candidates) {
        const result = await offerUpgrade(req, socket, head, { ...candidate, gatewayOrigin: context.gatewayOrigin });
        if (result.accepted) return warningCauses.socketAccepted(path, candidate.origin);
        if (result.status === undefined) down ??= candidate.origin;
        else warningCauses.localAnswered(candidate.origin);
        refusals.push(`${candidate.fragment} at ${candidate.origin}: ${result.reason}`);
      }
      if (socket.destroyed) return;
      const protocol = devServerProtocol(req.headers);
      // Vite pings while its server restarts: refusals are expected then, and not production's business.
      if (protocol !== 'vite-ping') {
        const locals = activeLocalFragments(context.state.config, context.selection.modes);
        logger.warnOnce(socketMissHint(path, locals, refusals, protocol !== undefined), { key: warningCauses.socketMissKey(path, down) });
      }
      if (protocol) return void socket.destroy();
    }
    prepareUpstreamRequest(req, context, true); // 5
    current.proxy.upgrade(req, socket, head);
  });

  // The watcher starts once the gateway listens: a server that failed to start holds nothing open.
  const startWatching = () =>
    inline.watch === false || !initial.configFile
      ? undefined
      : watchConfig(inline, initial, {
          onReload(next, changes) {
            if (serving && !next.serve?.auth) {
              // An edit that drops `serve.auth` would open the gateway: refused, like an invalid edit.
              this.onError(serveAuthMissing(next));
              return;
            }
            const previous = current.gateway.config;
            current = stateFor(next);
            store.setConfigError(null);
            liveReload.configReloaded();
            stateEvents.changed('config');
            logger.info([`config reloaded${changes.length ? ':' : ' (no changes)'}`, ...changes.map((c) => `  ${c}`)].join('\n'));
            // What the previous config caused is re-judged under the new one.
            warningCauses.configReloaded();
            for (const warning of next.warnings) logger.warnOnce(warning, { key: 'config' });
            if (next.port !== previous.port || next.host !== previous.host) {
              logger.warn(`port/host changed in the config; restart mfe-dev to listen on ${next.host}:${next.port}`);
            }
            if (Boolean(next.https) !== secure) {
              logger.warn(`https changed in the config; restart mfe-dev to serve ${next.https ? 'https' : 'plain http'}`);
            } else if (tls) {
              // New allowedHosts need a certificate with those names; own files may have been replaced.
              void tls.refresh(next).catch((error: unknown) => logger.error(`https: keeping the current certificate: ${error instanceof Error ? error.message : String(error)}`));
            }
          },
          onError(error) {
            store.setConfigError(error);
            stateEvents.changed('config-error');
            logger.error(`config reload failed; still serving the last good config.\n${error instanceof Error ? error.message : String(error)}`);
          },
        }, { loadedAt });

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
    shadow,
    listen() {
      const { port, host } = current.gateway.config;
      return new Promise<DevServer>((resolve, reject) => {
        const onError = (error: NodeJS.ErrnoException) => {
          httpServer.off('listening', onListening);
          if (error.code === 'EADDRINUSE') {
            reject(new MfeDevError('MFE_PORT_IN_USE', `port ${port} on ${host} is already in use. Stop what is using it, or choose another port with --port (e.g. --port ${port + 1}, or --port 0 for any free port).`, { cause: error }));
          } else if (error.code === 'EADDRNOTAVAIL') {
            reject(new MfeDevError('MFE_HOST_INVALID', `cannot listen on host '${host}': no network interface of this machine has that address. Use --host 127.0.0.1 (this machine only, the default), --host 0.0.0.0 (every interface), or an address this machine has (\`ip addr\`, \`ifconfig\`).`, { cause: error }));
          } else if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN' || error.code === 'EAI_NONAME') {
            reject(new MfeDevError('MFE_HOST_INVALID', `cannot listen on host '${host}': it is neither an IP address nor a name this machine resolves. Use --host 127.0.0.1 (this machine only, the default), --host 0.0.0.0 (every interface), or a name of this machine such as localhost.`, { cause: error }));
          } else if (error.code === 'EACCES') {
            reject(new MfeDevError('MFE_PORT_IN_USE', `not allowed to listen on ${host}:${port}. Choose a port above 1024 with --port.`, { cause: error }));
          } else reject(error);
        };
        const onListening = () => {
          httpServer.off('error', onError);
          const address = httpServer.address();
          const realPort = typeof address === 'object' && address ? address.port : port;
          url = `${secure ? 'https' : 'http'}://${openableHost(host)}:${realPort}`;
          watcher = startWatching();
          // serve: metrics from the start. dev: prom-client loads at the first scrape of
          // /__mfe-dev/metrics (its default metrics and a histogram per fragment cost every page).
          if (serving) void operations.start();
          // Websockets and local assets go through http-proxy-middleware: loaded once the
          // gateway is ready (not before the ready line), so the first HMR socket does not wait for it.
          setImmediate(() => void import('http-proxy-middleware').catch(() => undefined));
          if (serving && logLevel === 'info') {
            logger.styled(JSON.stringify({ time: new Date().toISOString(), msg: `mfe-dev serve listening on ${url}`, url, upstream: server.config.upstream, fragments: [...server.config.fragments.keys()] }));
          } else if (!serving) {
            if (logLevel === 'info') printReady(logger, server.config, url, performance.now() - startedAt);
            // After the banner, never before it: a down service must not delay the start.
            if (logLevel === 'info' || logLevel === 'warn') void warnAboutDownLocalServices(logger, server.config);
          }
          resolve(server);
        };
        httpServer.once('error', onError);
        httpServer.once('listening', onListening);
        httpServer.listen(port, host);
      });
    },
    watching() {
      return watcher?.ready ?? Promise.resolve();
    },
    async drain() {
      const { drainDelay, drainTimeout } = current.gateway.config.serve ?? { drainDelay: 5000, drainTimeout: 30_000 };
      operations.draining();
      // Load balancers (Kubernetes endpoints) take a moment to stop sending: keep serving meanwhile.
      await new Promise((resolve) => setTimeout(resolve, drainDelay));
      draining = true;
      // Stop accepting; idle keep-alive connections close, busy ones after their response.
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      if (!http2Gateway) (httpServer as http.Server).closeIdleConnections();
      liveReload.close();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise((resolve) => (timer = setTimeout(resolve, drainTimeout)))]);
      clearTimeout(timer);
      await server.close();
    },
    async close() {
      operations.close();
      await watcher?.close();
      stateEvents.close();
      liveReload.close();
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        if (http2Gateway) http2Gateway.closeConnections();
        else (httpServer as http.Server).closeAllConnections();
        // Websockets (a dev server's HMR) are no longer HTTP connections: ended here, so the
        // browser closes its side and the proxied socket behind it ends too (a destroyed socket
        // would leave that one open); destroyed if the browser does not answer.
        for (const socket of openSockets) {
          socket.end();
          setTimeout(() => socket.destroy(), 500).unref();
        }
      });
      await http2Gateway?.closeInternal();
      destroyAgents(upstreamAgents);
      destroyAgents(fragmentAgents);
      await shadow.close();
      await tracing?.shutdown().catch(() => undefined);
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
  events.on('directive', (d) => debug(`#${d.page.id} ${d.dialect} ${d.text}`));
  events.on('page:end', (p) => debug(`#${p.page.id} done: ${p.status} in ${p.durationMs.toFixed(1)} ms`));
}

/** `mfe-dev serve` without `serve.auth`: refused, naming the key and the three ways to set it. */
function serveAuthMissing(config: ResolvedConfig): MfeDevError {
  return new MfeDevError(
    'MFE_CONFIG_INVALID',
    `mfe-dev serve needs \`serve.auth\` in ${config.configFile ?? 'the config'}: it carries the production cookies of everyone who uses it. ` +
      "Set serve: { auth: { tokens: ['…'] } } (tokens also from MFE_DEV_TOKENS), " +
      "serve: { auth: { trustedHeader: 'x-forwarded-email', trustedProxies: ['10.0.0.0/8'] } } behind an authenticating proxy, " +
      'or serve: { auth: false } if access is enforced in front of the gateway.',
    { file: config.configFile },
  );
}

function requireServeAuth(config: ResolvedConfig): void {
  if (!config.serve?.auth) throw serveAuthMissing(config);
}

/**
 * The host of a URL that opens in a browser: a wildcard address (`0.0.0.0`, `::`) listens on
 * every interface but is not an address to visit, so this machine's loopback stands for it.
 */
function openableHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
