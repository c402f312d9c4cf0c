/**
 * The gateway's keep-alive agents read every socket into one shared buffer (http/agents.ts). What
 * a user would see if that went wrong: a fragment, a page or a websocket message with another
 * answer's bytes in it. Real servers on loopback (plain and TLS) answer many requests at once,
 * in pieces, some read slowly, and a websocket-style upgrade whose bytes arrive before anyone
 * listens.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgents, destroyAgents, type Agents } from '../../src/http/agents.js';
import { httpGet } from '../../src/http/client.js';
import { localCertificate } from '../../src/https/local-ca.js';

/** A body of `size` bytes that differs from every other (id, then bytes derived from it). */
function bodyFor(id: number, size: number): Buffer {
  const blocks = Array.from({ length: Math.ceil(size / 64) }, (_, i) => crypto.createHash('sha512').update(`${id}:${i}`).digest());
  return Buffer.concat(blocks).subarray(0, size);
}

const SIZES = [1, 300, 2_000, 5_800, 16_384, 65_535, 65_536, 70_000, 200_000];

/** Answers `/ID/SIZE` with `bodyFor(ID, SIZE)`, written in pieces on separate turns of the loop. */
const handler: http.RequestListener = (req, res) => {
  const [, id, size] = (req.url ?? '').split('/').map(Number);
  const body = bodyFor(id, size);
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  let at = 0;
  const next = () => {
    if (at >= body.length) return void res.end();
    const piece = Math.min(body.length - at, 1 + ((id * 7919 + at) % 40_000));
    res.write(body.subarray(at, at + piece));
    at += piece;
    setImmediate(next);
  };
  next();
};

let dir: string;
let plain: http.Server;
let tls: https.Server;
let ca: string;
let agents: Agents;

const listen = (server: http.Server) => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

beforeAll(async () => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-agents-')));
  const cert = await localCertificate({ names: { dns: ['localhost'], ips: ['127.0.0.1'] }, home: path.join(dir, 'ca') });
  ca = cert.ca;
  plain = http.createServer(handler);
  tls = https.createServer({ cert: cert.cert, key: cert.key }, handler);
  await Promise.all([listen(plain), listen(tls)]);
  agents = createAgents();
});

afterAll(async () => {
  destroyAgents(agents);
  for (const server of [plain, tls]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

/** GET through the agents, reading the body as it comes; `pauseMs` stops reading for a while after the first chunk. */
function get(server: http.Server, url: string, pauseMs = 0): Promise<Buffer> {
  const isTls = server === tls;
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const options = { host: '127.0.0.1', port, path: url, agent: isTls ? agents.https : agents.http, ca: isTls ? ca : undefined };
    (isTls ? https : http)
      .get(options, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          if (pauseMs && chunks.length === 1) {
            response.pause();
            setTimeout(() => response.resume(), pauseMs);
          }
        });
        response.on('end', () => resolve(Buffer.concat(chunks)));
        response.on('error', reject);
      })
      .on('error', reject);
  });
}

describe.each([
  ['http', () => plain],
  ['https', () => tls],
])('the agents over %s, one read buffer for every socket', (_name, server) => {
  it('give each of many answers read at once its own bytes, whole', async () => {
    const requests = Array.from({ length: 90 }, (_, id) => ({ id, size: SIZES[id % SIZES.length] }));
    const answers = await Promise.all(requests.map(({ id, size }) => get(server(), `/${id}/${size}`)));
    answers.forEach((answer, i) => expect(answer.equals(bodyFor(requests[i].id, requests[i].size)), `answer ${i}`).toBe(true));
  });

  it('keep the bytes of an answer read slowly while other sockets read', async () => {
    const slow = Array.from({ length: 6 }, (_, id) => get(server(), `/${1000 + id}/200000`, 40));
    const fast = Array.from({ length: 40 }, (_, id) => get(server(), `/${2000 + id}/${SIZES[id % SIZES.length]}`));
    const [slowAnswers, fastAnswers] = await Promise.all([Promise.all(slow), Promise.all(fast)]);
    slowAnswers.forEach((answer, id) => expect(answer.equals(bodyFor(1000 + id, 200_000))).toBe(true));
    fastAnswers.forEach((answer, id) => expect(answer.equals(bodyFor(2000 + id, SIZES[id % SIZES.length]))).toBe(true));
  });
});

describe('the product client on the agents', () => {
  it('reads fragments of every size alike, many at a time', async () => {
    const answers = await Promise.all(
      Array.from({ length: 45 }, (_, id) =>
        httpGet({ url: new URL(`http://127.0.0.1:${(plain.address() as AddressInfo).port}/${id}/${SIZES[id % SIZES.length]}`), headers: {}, timeoutMs: 20_000, maxBytes: 1 << 20, agents }),
      ),
    );
    answers.forEach((answer, id) => expect(answer.body.equals(bodyFor(id, SIZES[id % SIZES.length]))).toBe(true));
  });
});

describe('a connection upgraded through the agents (a websocket to production)', () => {
  it('keeps the bytes that came with the 101 for a listener that reads them later, while other sockets read', async () => {
    const first = bodyFor(11, 2_000);
    const server = http.createServer((_req, res) => res.end(bodyFor(12, 60_000)));
    const upgraded: Socket[] = [];
    server.on('upgrade', (_req, socket: Socket) => {
      upgraded.push(socket);
      // The head and the first frame in one write, as a websocket server greets (Vite's "connected").
      socket.write(Buffer.concat([Buffer.from('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'), first]));
      socket.on('error', () => undefined);
    });
    const port = await listen(server);
    try {
      const head = await new Promise<Buffer>((resolve, reject) => {
        const request = http.request({ host: '127.0.0.1', port, agent: agents.http, headers: { connection: 'Upgrade', upgrade: 'websocket', 'upgrade-insecure-requests': '1' } });
        request.on('upgrade', (_response, socket: Socket, bytes: Buffer) => {
          // As http-proxy does: the bytes are kept and read once the other side is set up, and
          // meanwhile other answers are read on other sockets of the agents.
          const others = Promise.all(Array.from({ length: 8 }, (_, i) => httpGet({ url: new URL(`http://127.0.0.1:${port}/${i}`), headers: {}, timeoutMs: 20_000, maxBytes: 1 << 20, agents })));
          void others.then(() => {
            socket.destroy();
            resolve(bytes);
          }, reject);
        });
        request.on('error', reject);
        request.end();
      });
      expect(head.equals(first)).toBe(true);
    } finally {
      // An upgraded connection is the handler's to close: the server does not track it.
      for (const socket of upgraded) socket.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });


  it('hands over every byte the server sends, also those that arrive before anyone reads', async () => {
    const echoed = bodyFor(7, 300_000);
    const server = http.createServer();
    server.on('upgrade', (_req, socket: Socket) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n');
      // Sent at once, in its own write: it arrives while the client has no reader yet.
      setTimeout(() => socket.write('hello;'), 20);
      socket.on('data', (chunk) => socket.write(chunk));
      // An upgraded connection is the handler's to close: the server does not track it.
      socket.on('end', () => socket.end());
    });
    const port = await listen(server);
    try {
      const received = await new Promise<Buffer>((resolve, reject) => {
        const request = http.request({ host: '127.0.0.1', port, agent: agents.http, headers: { connection: 'Upgrade', upgrade: 'test' } });
        request.on('upgrade', (_response, socket: Socket, head: Buffer) => {
          // The reader comes late, as a proxy that sets up its other side first does.
          setTimeout(() => {
            const chunks = [head];
            socket.on('data', (chunk: Buffer) => {
              chunks.push(chunk);
              if (Buffer.concat(chunks).length >= 6 + echoed.length) {
                socket.destroy();
                resolve(Buffer.concat(chunks));
              }
            });
            socket.write(echoed);
          }, 150);
        });
        request.on('error', reject);
        request.end();
      });
      expect(received.subarray(0, 6).toString()).toBe('hello;');
      expect(received.subarray(6).equals(echoed)).toBe(true);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
