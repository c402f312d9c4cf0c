import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../helpers/gateway.js';
import { request } from '../helpers/servers.js';

/**
 * Backends that end lines with a bare `\n` (old CGI, hand-written servers): nginx and Varnish
 * accept their responses, so mfe-dev does too, from production and from local services. What the
 * gateway accepts from browsers does not change: Node's strict parser still reads requests.
 */

interface RawServer {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

/** A TCP server answering each request for `routes[path]` with `\n`-only line endings, then closing. */
async function startRawServer(routes: Record<string, { type: string; body: string }>): Promise<RawServer> {
  const requests: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let head = '';
    socket.on('data', (chunk) => {
      head += chunk.toString('latin1');
      if (!/\r?\n\r?\n/.test(head)) return;
      const path = head.split(' ')[1] ?? '/';
      requests.push(path);
      const route = routes[path];
      const response = route
        ? `HTTP/1.1 200 OK\nContent-Type: ${route.type}\nContent-Length: ${Buffer.byteLength(route.body)}\nConnection: close\n\n${route.body}`
        : 'HTTP/1.1 404 Not Found\nContent-Type: text/plain\nConnection: close\n\nnot found';
      socket.end(response);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Sends `bytes` to `port` as they are and returns everything the server answers. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('end', () => resolve(answer));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer within 5 s')));
  });
}

describe('backends with bare \\n line endings', () => {
  let production: RawServer;
  let local: RawServer;
  let gateway: Awaited<ReturnType<typeof startGateway>>;

  beforeAll(async () => {
    production = await startRawServer({
      '/page': { type: 'text/html', body: '<p>page</p><!--#include virtual="/fragments/nav" -->|<!--#include virtual="/fragments/header" -->' },
      '/fragments/nav': { type: 'text/html', body: 'NAV' },
      '/fragments/header': { type: 'text/html', body: 'PROD-HEADER' },
      '/app.js': { type: 'application/javascript', body: 'console.log(1)' },
    });
    local = await startRawServer({ '/fragments/header': { type: 'text/html', body: 'LOCAL-HEADER' } });
    gateway = await startGateway({
      upstream: production.url,
      overlay: false,
      fragments: { header: { src: '/fragments/header', local: local.url } },
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await local?.close();
    await production?.close();
  });

  it('composes a page whose production server and fragments answer with bare \\n', async () => {
    const response = await request(`${gateway.url}/page`);
    expect(response.status).toBe(200);
    expect(response.text).toBe('<p>page</p>NAV|PROD-HEADER');
  });

  it('serves a fragment from a local service that answers with bare \\n', async () => {
    const response = await request(`${gateway.url}/page?mfe-dev=header=local`);
    expect(response.text).toBe('<p>page</p>NAV|LOCAL-HEADER');
    expect(local.requests).toContain('/fragments/header');
  });

  it('passes a non-HTML file through from such a server', async () => {
    const response = await request(`${gateway.url}/app.js`);
    expect(response.status).toBe(200);
    expect(response.text).toBe('console.log(1)');
  });

  it('still answers 400 to a browser request with bare \\n line endings', async () => {
    const port = Number(new URL(gateway.url).port);
    const requestsBefore = production.requests.length;
    const answer = await rawExchange(port, 'GET /page HTTP/1.1\nHost: 127.0.0.1\n\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request/);
    expect(production.requests.length).toBe(requestsBefore);
  });
});
