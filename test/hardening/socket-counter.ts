/**
 * A server that counts its open connections and records what was asked of it, for tests that
 * must prove the gateway let go of a connection (abandoned requests, capped bodies).
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface CountingServer {
  url: string;
  port: number;
  server: http.Server;
  /** Connections open right now. */
  open(): number;
  /** Request paths in arrival order (upgrades included). */
  paths: string[];
  /** True once every connection that carried a request whose path starts with `prefix` is closed. */
  closedFor(prefix: string): boolean;
  close(): Promise<void>;
}

export async function countingServer(handler: http.RequestListener, onUpgrade?: (req: http.IncomingMessage, socket: net.Socket) => void): Promise<CountingServer> {
  const sockets = new Set<net.Socket>();
  const paths: string[] = [];
  const carriers: Array<{ path: string; socket: net.Socket }> = [];
  const server = http.createServer((req, res) => {
    paths.push(req.url ?? '');
    carriers.push({ path: req.url ?? '', socket: req.socket });
    handler(req, res);
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
    paths.push(req.url ?? '');
    carriers.push({ path: req.url ?? '', socket });
    socket.on('error', () => undefined);
    // Read the socket so a peer that hangs up is seen (closed here too, not left in CLOSE-WAIT).
    socket.on('end', () => socket.destroy());
    socket.resume();
    onUpgrade?.(req, socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    open: () => sockets.size,
    paths,
    closedFor: (prefix) => carriers.filter((c) => c.path.startsWith(prefix)).every((c) => c.socket.destroyed),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Polls `condition` until it holds (resolves true) or `ms` pass (resolves false). */
export async function eventually(condition: () => boolean | Promise<boolean>, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return condition();
}

/**
 * A browser that gives up: sends `head` on a raw socket, waits until `arrived()` says the
 * request got where it was going, then closes its end.
 */
export async function abandon(gatewayUrl: string, head: string): Promise<net.Socket> {
  const { port } = new URL(gatewayUrl);
  const socket = net.connect(Number(port), '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write(head);
  return socket;
}
