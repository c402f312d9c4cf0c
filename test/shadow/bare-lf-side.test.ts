import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgents, destroyAgents } from '../../src/http/agents.js';
import { fetchSide } from '../../src/shadow/fetch-side.js';

/**
 * Shadow comparisons read backends as compose does (one client, http/client.ts): a side that
 * ends its lines with a bare `\n` is compared, not reported as failed (before, shadow's own
 * client had Node's strict parser and failed it).
 */
const sockets = new Set<net.Socket>();

function startServer(lineEnd: string): Promise<net.Server> {
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let head = '';
    socket.on('data', (chunk) => {
      head += chunk.toString('latin1');
      if (!/\r?\n\r?\n/.test(head)) return;
      head = '';
      const body = '<div class="nav">NAV</div>';
      socket.write(['HTTP/1.1 200 OK', 'Content-Type: text/html; charset=utf-8', `Content-Length: ${body.length}`, '', body].join(lineEnd));
    });
    socket.on('error', () => undefined);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('a shadow side with bare \\n line endings', () => {
  const agents = createAgents();
  let bareLf: net.Server;
  let crlf: net.Server;
  const url = (server: net.Server) => new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/fragments/nav`);

  beforeAll(async () => {
    [bareLf, crlf] = await Promise.all([startServer('\n'), startServer('\r\n')]);
  });
  afterAll(async () => {
    destroyAgents(agents);
    for (const socket of sockets) socket.destroy();
    await Promise.all([bareLf, crlf].map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it('is compared like any other answer', async () => {
    for (let i = 0; i < 2; i++) {
      const side = await fetchSide({ url: url(bareLf), headers: { accept: 'text/html' }, timeoutMs: 10_000, agents });
      expect(side.status).toBe(200);
      expect(side.body).toBe('<div class="nav">NAV</div>');
      expect(side.headers['content-type']).toBe('text/html; charset=utf-8');
    }
  });

  it('reads an origin that answers with CRLF the same way', async () => {
    const side = await fetchSide({ url: url(crlf), headers: { accept: 'text/html' }, timeoutMs: 10_000, agents });
    expect(side.body).toBe('<div class="nav">NAV</div>');
  });
});
