import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Plugin, RequestHandler } from 'http-proxy-middleware';
import type { Agents } from '../http/agents.js';
import { PROXY_BACKEND_OPTIONS } from '../http/backend-parser.js';
import { canDecode, createDecoder } from '../http/encodings.js';
import { describeNetworkError } from '../http/network-error.js';
import { unwritableHeader } from '../http/raw-headers.js';
import type { Logger } from '../logger.js';
import type { LocalAssetTarget } from '../overrides/local-asset-target.js';
import { ClientGoneError, PageTimeoutError, requestLifetime } from './request-lifetime.js';

/**
 * A client-side fragment's own files (and its dev server's websockets), proxied to the local
 * service, or to the preview the browser chose. Which requests go here, and where, is decided by
 * overrides/local-asset-target.ts from the config alone.
 */
const TARGET = Symbol('mfe-dev.local-asset');
type WithTarget = IncomingMessage & { [TARGET]?: LocalAssetTarget };

export interface LocalAssetProxyOptions {
  /**
   * Called once per JavaScript response with its first bytes (up to 256 KB) as text, so the
   * gateway can say when a dev server's output cannot run in the page (e.g. `eval` source maps).
   */
  inspectScript?: (fragment: string, url: string, code: string) => void;
  /** Called with each answer of a local service (its status), e.g. to withdraw warnings its silence caused. */
  onAnswer?: (target: LocalAssetTarget, status: number) => void;
}

/** How much of a script `inspectScript` sees. */
const INSPECT_BYTES = 256 * 1024;
const SCRIPT_TYPE = /^\s*(?:text|application)\/(?:javascript|ecmascript|x-javascript)\b/i;

/** "local asset of fragment 'header'", "preview 482 asset of fragment 'header'". */
const assetOf = (t: LocalAssetTarget | undefined) => `${t && t.mode !== 'local' ? t.mode.replace(':', ' ') : 'local'} asset of fragment '${t?.fragment}'`;

/** Whose files a target's are, for messages: "the local service of fragment 'header'", "preview 482 of fragment 'header'". */
function serviceOf(t: LocalAssetTarget | undefined): string {
  if (!t) return 'the service';
  return t.mode === 'local' ? `the local service of fragment '${t.fragment}'` : `${t.mode.replace(':', ' ')} of fragment '${t.fragment}'`;
}

/** Proxy a request (or websocket, e.g. a dev server's HMR) to its local asset target. */
export function createLocalAssetProxy(agents: Agents, logger: Logger, pageTimeoutMs: () => number, options: LocalAssetProxyOptions = {}): {
  handle(req: IncomingMessage, res: ServerResponse, target: LocalAssetTarget): void;
  upgrade(req: IncomingMessage, socket: Socket, head: Buffer, target: LocalAssetTarget): void;
} {
  const reportErrors: Plugin = (proxyServer) => {
    proxyServer.on('error', (error, req, resOrSocket) => {
      if (error instanceof ClientGoneError) return;
      const t = (req as WithTarget)[TARGET];
      const url = t ? t.origin + t.path : req.url;
      const reason = error instanceof PageTimeoutError ? `${error.message} (\`pageTimeout\`)` : describeNetworkError(error);
      logger.warnOnce(`${assetOf(t)} failed: ${url}: ${reason}`, { key: `local:${t?.origin}:asset` });
      const res = resOrSocket as ServerResponse;
      if (typeof res.writeHead === 'function' && !res.headersSent) {
        res.writeHead(error instanceof PageTimeoutError ? 504 : 502, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`mfe-dev: ${serviceOf(t)} did not answer ${url}: ${reason}\n`);
      } else {
        (resOrSocket as Socket).destroy();
      }
    });
  };
  // A header no browser accepts (a control byte a lenient parser let through): a 502 naming it,
  // answered before http-proxy copies the headers (which would throw).
  const refuseUnwritable: Plugin = (proxyServer) => {
    proxyServer.on('proxyRes', (proxyRes, req, res) => {
      const unwritable = unwritableHeader(proxyRes.rawHeaders);
      if (!unwritable || res.headersSent) return;
      const t = (req as WithTarget)[TARGET];
      const url = t ? t.origin + t.path : req.url;
      logger.warnOnce(`${assetOf(t)} failed: ${url}: its answer has ${unwritable}`);
      proxyRes.destroy();
      res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`mfe-dev: ${serviceOf(t)} answered ${url} with ${unwritable}\n`);
    });
  };
  const reportAnswers: Plugin = (proxyServer) => {
    const onAnswer = options.onAnswer;
    if (!onAnswer) return;
    proxyServer.on('proxyRes', (proxyRes, req) => {
      const t = (req as WithTarget)[TARGET];
      if (t) onAnswer(t, proxyRes.statusCode ?? 0);
    });
  };
  const inspectScripts: Plugin = (proxyServer) => {
    const inspect = options.inspectScript;
    if (!inspect) return;
    proxyServer.on('proxyRes', (proxyRes, req) => {
      const t = (req as WithTarget)[TARGET];
      const encoding = proxyRes.headers['content-encoding'];
      // What a dev server serves is inspected; a preview is a build (and not the developer's to fix).
      if (!t || t.mode !== 'local' || proxyRes.statusCode !== 200 || !SCRIPT_TYPE.test(proxyRes.headers['content-type'] ?? '') || !canDecode(encoding)) return;
      // The browser gets the bytes as they are; this reads a copy (decompressed when needed).
      const decoder = createDecoder(encoding);
      const chunks: Buffer[] = [];
      let size = 0;
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        proxyRes.off('data', read);
        decoder?.destroy();
        inspect(t.fragment, t.origin + t.path, Buffer.concat(chunks).toString('utf8'));
      };
      const collect = (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= INSPECT_BYTES) finish();
      };
      const read = decoder ? (chunk: Buffer) => void decoder.write(chunk) : collect;
      if (decoder) {
        decoder.on('data', collect);
        decoder.once('end', finish);
        decoder.on('error', finish);
        proxyRes.once('end', () => {
          if (!done) decoder.end();
        });
      } else {
        proxyRes.once('end', finish);
      }
      proxyRes.on('data', read);
    });
  };
  // http-proxy-middleware is not loaded before the gateway is ready (server/index.ts loads it
  // right after the ready line): start-up does not wait for it. One proxy per protocol (a
  // preview, or a local service, may be https): each with its keep-alive agent.
  const proxies: Partial<Record<'http' | 'https', RequestHandler>> = {};
  let loading: Promise<typeof import('http-proxy-middleware')> | undefined;
  const proxyFor = (createProxyMiddleware: (typeof import('http-proxy-middleware'))['createProxyMiddleware'], protocol: 'http' | 'https') =>
    (proxies[protocol] ??= createProxyMiddleware({
      target: `${protocol}://127.0.0.1`,
      router: (req) => (req as WithTarget)[TARGET]!.origin,
      changeOrigin: true,
      ejectPlugins: true,
      // Accept responses with bare `\n` line endings, as nginx and Varnish do (see backend-parser.ts).
      ...PROXY_BACKEND_OPTIONS,
      plugins: [reportErrors, refuseUnwritable, requestLifetime(pageTimeoutMs), reportAnswers, inspectScripts],
      agent: agents[protocol],
    }));
  const withProxy = (t: LocalAssetTarget, use: (proxy: RequestHandler) => void) => {
    const protocol = t.origin.startsWith('https:') ? 'https' : 'http';
    const ready = proxies[protocol];
    if (ready) return use(ready);
    loading ??= import('http-proxy-middleware');
    void loading.then(({ createProxyMiddleware }) => use(proxyFor(createProxyMiddleware, protocol)));
  };
  const prepare = (req: IncomingMessage, t: LocalAssetTarget) => {
    (req as WithTarget)[TARGET] = t;
    req.url = t.path;
  };
  return {
    handle(req, res, t) {
      prepare(req, t);
      withProxy(t, (p) => void p(req as never, res as never, () => undefined));
    },
    upgrade(req, socket, head, t) {
      prepare(req, t);
      withProxy(t, (p) => p.upgrade(req, socket, head));
    },
  };
}
