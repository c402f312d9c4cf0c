/**
 * Test helpers: a real HTTP server on a free port around any handler, and a raw HTTP client.
 *
 * `request` is built on `node:http` rather than `fetch` on purpose: tests need the exact bytes
 * (no automatic decompression), the trailers, the raw header list, and redirects as they are.
 */
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import type { Express } from 'express';

export interface TestServer {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  port: number;
  server: http.Server;
  /** Stops listening and destroys open (keep-alive) connections. */
  close(): Promise<void>;
}

/** Serves `handler` (a request listener or an express app) on 127.0.0.1 on a free port. */
export async function listen(handler: http.RequestListener): Promise<TestServer>;
export async function listen(handler: Express): Promise<TestServer>;
export async function listen(handler: http.RequestListener | Express): Promise<TestServer> {
  const server = http.createServer(handler as http.RequestListener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

export interface RequestOptions {
  /** @default 'GET' */
  method?: string;
  headers?: http.OutgoingHttpHeaders;
  /** Sent as is; `content-length` is set from it unless given. */
  body?: string | Buffer;
  /** Fails the request after this many ms. @default 10000 */
  timeout?: number;
}

export interface TestResponse {
  status: number;
  /** Header names lower-cased; `set-cookie` is an array. */
  headers: http.IncomingHttpHeaders;
  /** Headers as received: `[name, value, name, value, …]`, original case and order. */
  rawHeaders: string[];
  /** The body's bytes exactly as sent (still compressed if the server compressed it). */
  body: Buffer;
  /** `body` decoded as UTF-8. */
  text: string;
  trailers: NodeJS.Dict<string>;
}

/**
 * One HTTP request on a fresh connection (no keep-alive, so servers close promptly).
 * Never follows redirects, never decompresses.
 */
export function request(url: string | URL, options: RequestOptions = {}): Promise<TestResponse> {
  const { method = 'GET', headers = {}, body, timeout = 10_000 } = options;
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  const outgoing: http.OutgoingHttpHeaders = { ...headers };
  if (body !== undefined && !hasHeader(outgoing, 'content-length') && !hasHeader(outgoing, 'transfer-encoding')) {
    outgoing['content-length'] = Buffer.byteLength(body);
  }

  return new Promise((resolve, reject) => {
    const req = client.request(target, { method, headers: outgoing, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body: bytes,
          text: bytes.toString('utf8'),
          trailers: res.trailers,
        });
      });
    });
    req.setTimeout(timeout, () => req.destroy(new Error(`${method} ${target.href} timed out after ${timeout} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

function hasHeader(headers: http.OutgoingHttpHeaders, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

/** A port on 127.0.0.1 that nothing listens on (a stopped service). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Sends `requestHead` (request line and headers, `\r\n`-separated, without the final blank line)
 * byte for byte on a fresh connection with `Connection: close`, and resolves with the status and
 * the whole answer. For request-targets no URL API would produce (`//host/x`, `/\host`).
 */
export function rawRequest(port: number, requestHead: string, timeoutMs = 10_000): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no complete answer to ${JSON.stringify(requestHead.split('\r\n')[0])} within ${timeoutMs} ms`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      if (status) resolve({ status: Number(status[1]), text });
      else reject(new Error(`no HTTP answer to ${JSON.stringify(requestHead.split('\r\n')[0])}: ${JSON.stringify(text.slice(0, 200))}`));
    });
    socket.write(`${requestHead}\r\nConnection: close\r\n\r\n`);
  });
}

/**
 * Starts a server again on the port it had: the old one's port may take a moment to be free on a
 * loaded machine, so `start` is retried (20 times, 250 ms apart) while the port is in use.
 */
export async function restartOnSamePort<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= 20 || !/in use|EADDRINUSE/i.test(String(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
