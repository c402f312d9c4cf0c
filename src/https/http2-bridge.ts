import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http, { type OutgoingHttpHeaders } from 'node:http';
import http2, { type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * The https gateway speaks HTTP/2 to browsers that offer it (ALPN), HTTP/1.1 to the rest: a page
 * with dozens of assets loads about twice as fast in Chromium over h2 (bench/https-h2.js, figures
 * in the README), because HTTP/1.1 opens at most six TLS connections per host and queues the rest.
 *
 * The request path (express, http-proxy-middleware, the composer) is written for Node's HTTP/1
 * objects, so HTTP/2 streams are bridged to it: each stream becomes a request to an internal
 * HTTP/1.1 server running the same handler, over a private Unix socket (a named pipe on Windows)
 * with keep-alive connections; its answer (status, headers, streamed body, trailers such as
 * Server-Timing) goes back on the stream. HTTP/1.1 clients, and websocket upgrades (browsers open
 * those over HTTP/1.1, since the server does not offer RFC 8441), reach the handler directly.
 */
export interface Http2Gateway {
  server: http2.Http2SecureServer;
  /** Destroys every connection (browser and internal) and removes the socket. */
  closeConnections(): void;
  /** Stops the internal server. Call after `server.close()`. */
  closeInternal(): Promise<void>;
}

/**
 * Streams one browser connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS; nginx's
 * `http2_max_concurrent_streams` is 128, Chromium opens far fewer). A client asking for more
 * waits for its own streams to end.
 */
export const MAX_CONCURRENT_STREAMS = 100;

/** Connection-specific headers: HTTP/2 forbids them (RFC 9113 §8.2.2). */
const CONNECTION_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'http2-settings']);

export async function createHttp2Gateway(tls: { cert: string; key: string }, handler: http.RequestListener): Promise<Http2Gateway> {
  const inner = http.createServer(handler);
  let socketDir: string | undefined;
  let socketPath: string;
  if (process.platform === 'win32') socketPath = `\\\\.\\pipe\\mfe-dev-${randomUUID()}`;
  else {
    socketDir = mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-h2-')); // 0700: only this user can connect
    socketPath = path.join(socketDir, 'gateway.sock');
  }
  await new Promise<void>((resolve, reject) => {
    inner.once('error', reject);
    inner.listen(socketPath, () => {
      inner.off('error', reject);
      resolve();
    });
  });
  // One pool of internal connections per browser connection, as large as its stream limit: a
  // client with many never-ending streams uses up its own pool, never another client's.
  const agents = new WeakMap<http2.Http2Session, http.Agent>();
  const live = new Set<http.Agent>();
  const agentFor = (session: http2.Http2Session): http.Agent => {
    let agent = agents.get(session);
    if (!agent) {
      const created = new http.Agent({ keepAlive: true, maxSockets: MAX_CONCURRENT_STREAMS, maxFreeSockets: 16 });
      agents.set(session, created);
      live.add(created);
      session.once('close', () => {
        created.destroy();
        live.delete(created);
      });
      agent = created;
    }
    return agent;
  };

  const server = http2.createSecureServer({ cert: tls.cert, key: tls.key, allowHTTP1: true, settings: { maxConcurrentStreams: MAX_CONCURRENT_STREAMS } }, (req, res) => {
    if (req.httpVersionMajor !== 2) return handler(req as unknown as http.IncomingMessage, res as unknown as http.ServerResponse);
    // The gateway is no forward proxy: CONNECT (tunnels, RFC 8441 websockets) is not offered.
    if (req.method === 'CONNECT') return void res.writeHead(405, { 'content-type': 'text/plain' }).end('mfe-dev: CONNECT is not supported\n');
    const session = req.stream.session;
    if (!session) return void res.stream.close(http2.constants.NGHTTP2_CANCEL); // the connection is gone
    bridge(req, res, socketPath, agentFor(session));
  });
  const sockets = new Set<Socket>();
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // A stream reset by the browser (a navigation away) is not an error of the gateway.
  server.on('sessionError', () => undefined);

  return {
    server,
    closeConnections() {
      for (const socket of sockets) socket.destroy();
      inner.closeAllConnections();
      for (const agent of live) agent.destroy();
      live.clear();
    },
    async closeInternal() {
      await new Promise<void>((resolve) => inner.close(() => resolve()));
      if (socketDir) rmSync(socketDir, { recursive: true, force: true });
    },
  };
}

function bridge(req: Http2ServerRequest, res: Http2ServerResponse, socketPath: string, agent: http.Agent): void {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!name.startsWith(':') && value !== undefined) headers[name] = value;
  }
  headers.host = req.headers[':authority'] ?? req.headers.host;
  const inner = http.request({ socketPath, agent, method: req.method, path: req.url, headers }, (answer) => {
    const out: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value !== undefined && !CONNECTION_HEADERS.has(name)) out[name] = value;
    }
    if (res.closed || res.destroyed) return void answer.destroy();
    res.writeHead(answer.statusCode ?? 502, out);
    answer.on('data', (chunk: Buffer) => {
      if (!res.write(chunk)) {
        answer.pause();
        res.once('drain', () => answer.resume());
      }
    });
    answer.on('end', () => {
      if (Object.keys(answer.trailers).length > 0) res.addTrailers(answer.trailers);
      res.end();
    });
    answer.on('error', () => res.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
  });
  inner.on('error', () => {
    if (!res.headersSent && !res.closed) res.writeHead(502, { 'content-type': 'text/plain' }).end('mfe-dev: internal HTTP/2 bridge failed\n');
    else res.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
  });
  // The browser cancelled the stream: stop the work behind it.
  res.on('close', () => {
    if (!res.writableEnded) inner.destroy();
  });
  req.pipe(inner);
}
