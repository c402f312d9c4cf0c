/**
 * The pool for whole-body GETs (http/get-pool.ts): fragments, shadow sides and live reload's
 * polls ask through it. Real servers on loopback answer as production's and dev servers do
 * (Early Hints, bodies delimited by the close, bare-LF chunked bodies, many and repeated headers,
 * idle connections closed by the server, garbage), and Node's own client is the oracle for what
 * the answer means and what the request says.
 */
import { execFile } from 'node:child_process';
import { getEventListeners } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgents, destroyAgents, type Agents } from '../../src/http/agents.js';
import type { BodyStore } from '../../src/http/capped-body.js';
import { httpGet, type HttpAnswer } from '../../src/http/client.js';
import { localCertificate } from '../../src/https/local-ca.js';

interface Scripted {
  port: number;
  /** Connections accepted so far, and how many are open now. */
  accepted: number;
  open: number;
  maxOpen: number;
  /** Request heads received, in order. */
  heads: string[];
  sockets: Set<net.Socket>;
  close(): Promise<void>;
}

/** A raw server: `answer(head, socket, n)` writes whatever it likes for each request head. */
async function scripted(answer: (head: string, socket: net.Socket, n: number) => void): Promise<Scripted> {
  const state = { accepted: 0, open: 0, maxOpen: 0, heads: [] as string[], sockets: new Set<net.Socket>() };
  const server = net.createServer((socket) => {
    state.accepted++;
    state.open++;
    state.maxOpen = Math.max(state.maxOpen, state.open);
    state.sockets.add(socket);
    socket.on('close', () => (state.open--, state.sockets.delete(socket)));
    socket.on('error', () => undefined);
    let pending = '';
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1');
      let end;
      while ((end = pending.indexOf('\r\n\r\n')) >= 0) {
        const head = pending.slice(0, end + 4);
        pending = pending.slice(end + 4);
        state.heads.push(head);
        answer(head, socket, state.heads.length);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const result = Object.assign(state, {
    port: (server.address() as AddressInfo).port,
    async close() {
      for (const socket of state.sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  });
  servers.push(result);
  return result;
}

const servers: Scripted[] = [];
let agents: Agents | undefined;
afterEach(async () => {
  if (agents) destroyAgents(agents);
  agents = undefined;
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function pooledGet(
  server: Scripted,
  path: string,
  options: { headers?: http.OutgoingHttpHeaders; timeoutMs?: number; acceptStatus?: (status: number) => boolean; store?: BodyStore } = {},
): Promise<HttpAnswer> {
  agents ??= createAgents();
  return httpGet({ url: new URL(`http://127.0.0.1:${server.port}${path}`), headers: options.headers ?? {}, timeoutMs: options.timeoutMs ?? 10_000, maxBytes: 1 << 20, agents, acceptStatus: options.acceptStatus, store: options.store });
}

/** A store as a page's arena is one: memory handed out from one slab, given back on `release`. */
function recordingStore() {
  const slab = Buffer.alloc(64 * 1024);
  let used = 0;
  const store = {
    slab,
    live: true,
    asked: [] as number[],
    alloc(length: number) {
      store.asked.push(length);
      if (!store.live || used + length > slab.length) return undefined;
      used += length;
      return slab.subarray(used - length, used);
    },
  };
  return store;
}

/** The same GET through Node's own client (the oracle): status, header object, body. */
function nodeGet(server: Scripted, path: string, headers: http.OutgoingHttpHeaders = {}): Promise<HttpAnswer> {
  const agent = new http.Agent({ keepAlive: true });
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: server.port, path, headers, insecureHTTPParser: true, agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          setImmediate(() => agent.destroy());
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) });
        });
      })
      .on('error', reject);
  });
}

const ok = (body: string, extra = '') => `HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

describe('the GET pool', () => {
  it('keeps connections alive: answers one after another share one connection, answers at once as many as are asked', async () => {
    const server = await scripted((head, socket, n) => socket.write(ok(`answer ${n}`)));
    for (let i = 1; i <= 20; i++) expect((await pooledGet(server, `/seq/${i}`)).body.toString()).toBe(`answer ${i}`);
    expect(server.accepted).toBe(1);
    const bodies = await Promise.all(Array.from({ length: 10 }, (_, i) => pooledGet(server, `/at-once/${i}`)));
    expect(new Set(bodies.map((answer) => answer.body.toString())).size).toBe(10);
    expect(server.accepted).toBeLessThanOrEqual(10);
    const before = server.accepted;
    await Promise.all(Array.from({ length: 10 }, (_, i) => pooledGet(server, `/again/${i}`)));
    expect(server.accepted).toBe(before);
  });

  it('writes the request head Node writes for the same headers: their order and case, then Host and Connection', async () => {
    const server = await scripted((head, socket) => socket.write(ok('x')));
    const headers = { 'User-Agent': 'Mozilla/5.0', accept: 'text/html', cookie: 'session=abc; theme=dark', 'X-Forwarded-For': '203.0.113.9', 'x-multi': ['a', 'b'] };
    await pooledGet(server, '/page?q=1&r=%C3%A9', { headers });
    await nodeGet(server, '/page?q=1&r=%C3%A9', headers);
    const [ours, node] = server.heads;
    expect(ours).toBe(node);
  });

  it('reads an answer as Node does: Early Hints skipped, more than 32 headers, repeats joined or dropped by its rules', async () => {
    const many = Array.from({ length: 40 }, (_, i) => `X-H${i}: v${i}\r\n`).join('');
    const repeats = 'Set-Cookie: a=1; Path=/\r\nSet-Cookie: b=2\r\nSet-Cookie: c=3; HttpOnly\r\nCache-Control: private\r\nCache-Control: max-age=0\r\nContent-Type: text/plain\r\nETag: "1"\r\nETag: "2"\r\n';
    const server = await scripted((head, socket) => {
      socket.write('HTTP/1.1 103 Early Hints\r\nLink: </app.css>; rel=preload; as=style\r\n\r\n');
      socket.write(ok('the page', many + repeats));
    });
    const ours = await pooledGet(server, '/hints');
    const node = await nodeGet(server, '/hints');
    expect(ours.status).toBe(200);
    expect(ours.body.toString()).toBe('the page');
    expect(ours.headers).toEqual(node.headers);
    expect(ours.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2', 'c=3; HttpOnly']);
    expect(ours.headers.link).toBeUndefined();
    expect(Object.keys(ours.headers)).toHaveLength(Object.keys(node.headers).length);
  });

  it('reads a body delimited by the close, a head with bare-LF line ends and a chunked body', async () => {
    const server = await scripted((head, socket) => {
      if (head.includes('/until-close')) socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\nread until the end');
      else if (head.includes('/bare-lf')) socket.write('HTTP/1.1 200 OK\nContent-Type: text/html\nContent-Length: 11\n\nhello world');
      else socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n');
    });
    expect((await pooledGet(server, '/until-close')).body.toString()).toBe('read until the end');
    expect((await pooledGet(server, '/bare-lf')).body.toString()).toBe('hello world');
    expect((await pooledGet(server, '/chunked')).body.toString()).toBe('hello world');
    // The closed connection was not reused; the bare-LF one was.
    expect(server.accepted).toBe(2);
  });

  it('reads a Content-Length body itself in any chunking, as Node reads it, and keeps the connection', async () => {
    // Each answer written in pieces of every size from 1 byte, some with the next bytes of the head.
    const server = await scripted((head, socket, n) => {
      const answer = Buffer.from(ok(`body ${n} ${'é'.repeat(n * 7)}`, `X-N: ${n}\r\n`));
      const size = 1 + (n % 9);
      let at = 0;
      const next = () => {
        if (at >= answer.length || socket.destroyed) return;
        socket.write(answer.subarray(at, (at += size)));
        setImmediate(next);
      };
      next();
    });
    for (let n = 1; n <= 20; n++) {
      const answer = await pooledGet(server, `/${n}`);
      expect(answer.body.toString()).toBe(`body ${n} ${'é'.repeat(n * 7)}`);
      expect(answer.headers['x-n']).toBe(String(n));
    }
    expect(server.accepted).toBe(1);
  });

  it('reads a body of known length into the store it is given, once; a store that takes its memory back mid-body is not written again', async () => {
    const server = await scripted((head, socket) => {
      if (head.includes('/slow')) {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nfirst');
        setTimeout(() => socket.write('-last'), 100);
      } else if (head.includes('/gzip')) {
        const body = zlib.gzipSync('squeezed');
        socket.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${body.length}\r\n\r\n`), body]));
      } else socket.write(ok('kept in the store'));
    });
    const store = recordingStore();
    const kept = await pooledGet(server, '/', { store });
    expect(kept.body.toString()).toBe('kept in the store');
    expect(kept.body.buffer).toBe(store.slab.buffer);
    expect(store.asked).toEqual([17]);
    // A compressed body is decoded into memory of its own; the store is not asked.
    expect((await pooledGet(server, '/gzip', { store })).body.toString()).toBe('squeezed');
    expect(store.asked).toEqual([17]);
    // The page ends while its fragment is still arriving: its slab may be another page's by then.
    const late = pooledGet(server, '/slow', { store });
    await expect.poll(() => store.asked.length).toBe(2);
    const { slab } = store;
    const before = Buffer.from(slab);
    store.live = false;
    expect((await late).body.toString()).toBe('first-last');
    expect(slab.equals(before)).toBe(true);
  });

  it('leaves odd lengths to the parser, as Node reads them: repeated, with Transfer-Encoding, over 64 KiB, extra bytes after the body', async () => {
    const big = 'b'.repeat(100_000);
    const answers: Record<string, string> = {
      '/twice': 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello',
      '/te': 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
      '/big': ok(big),
      '/plus': 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nunwanted!',
      '/zero': 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
      '/no-content': 'HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n',
    };
    const server = await scripted((head, socket) => socket.write(answers[head.split(' ')[1]] ?? ok('x')));
    for (const path of Object.keys(answers)) {
      const node = await nodeGet(server, path).catch((error: Error) => error);
      const ours = await pooledGet(server, path, { acceptStatus: () => true }).catch((error: Error) => error);
      if (node instanceof Error) expect(ours, path).toBeInstanceOf(Error);
      else {
        expect(ours, path).not.toBeInstanceOf(Error);
        expect((ours as HttpAnswer).status, path).toBe(node.status);
        expect((ours as HttpAnswer).body.toString(), path).toBe(node.body.toString());
      }
    }
    // The connection that sent bytes after its body is not used again; the next GET is answered.
    expect((await pooledGet(server, '/after')).body.toString()).toBe('x');
  });

  it('takes a new connection when the server closed an idle one, and honours Keep-Alive: timeout', async () => {
    const server = await scripted((head, socket, n) => {
      if (head.includes('/short')) return void socket.write(ok('short', 'Keep-Alive: timeout=1\r\n'));
      socket.write(ok(`answer ${n}`));
      // The server's idle timeout, without a word first (as Node's and nginx's keepalive_timeout).
      setTimeout(() => socket.end(), 30);
    });
    expect((await pooledGet(server, '/one')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await pooledGet(server, '/two')).body.toString()).toBe('answer 2');
    expect(server.accepted).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // timeout=1: the server may close it any moment now; it is not used again.
    await pooledGet(server, '/short');
    await pooledGet(server, '/short');
    expect(server.accepted).toBe(4);
  });

  it('fails with the developer’s words: reset before an answer, closed mid-body, garbage, no answer in time', async () => {
    const server = await scripted((head, socket) => {
      if (head.includes('/reset')) socket.destroy();
      else if (head.includes('/cut')) socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part');
      else if (head.includes('/garbage')) socket.write('SSH-2.0-OpenSSH_9.2\r\n\r\n');
      // /silent: no answer.
    });
    await expect(pooledGet(server, '/reset')).rejects.toMatchObject({ reason: 'connection reset' });
    await expect(pooledGet(server, '/cut')).rejects.toMatchObject({ reason: 'the connection closed before the body was complete' });
    await expect(pooledGet(server, '/garbage')).rejects.toMatchObject({ reason: expect.stringMatching(/^Parse Error: ./) });
    const accepted = server.accepted;
    await expect(pooledGet(server, '/silent', { timeoutMs: 200 })).rejects.toMatchObject({ reason: 'timed out after 200 ms', kind: 'timeout' });
    // The connection of the unanswered request is closed, not kept for another answer.
    await expect.poll(() => server.open).toBe(0);
    expect(server.accepted).toBe(accepted + 1);
  });

  it('asks again, once, on a new connection when a kept-alive one closes before any byte of the answer', async () => {
    // The server's idle timeout closing the connection just as the request goes out: here, every
    // second request on a connection is met with a close.
    const perConnection = new WeakMap<net.Socket, number>();
    const server = await scripted((head, socket, n) => {
      const count = (perConnection.get(socket) ?? 0) + 1;
      perConnection.set(socket, count);
      if (count === 2) socket.destroy();
      else socket.write(ok(`answer ${n}`));
    });
    expect((await pooledGet(server, '/1')).body.toString()).toBe('answer 1');
    expect((await pooledGet(server, '/2')).body.toString()).toBe('answer 3');
    expect(server.accepted).toBe(2);
    // A server that closes every connection at once: the first request of a connection is not
    // asked again, and a retried one only once.
    const closing = await scripted((head, socket) => socket.destroy());
    await expect(pooledGet(closing, '/x')).rejects.toMatchObject({ reason: 'connection reset' });
    expect(closing.heads).toHaveLength(1);
  });

  it('refuses an answer whose headers never end (past 16 KiB), and closes its connection', async () => {
    const server = await scripted((head, socket) => {
      socket.write('HTTP/1.1 200 OK\r\n');
      for (let i = 0; i < 200; i++) socket.write(`X-Filler-${i}: ${'y'.repeat(200)}\r\n`);
    });
    await expect(pooledGet(server, '/')).rejects.toMatchObject({ reason: expect.stringMatching(/^Parse Error: Header overflow/) });
    await expect.poll(() => server.open).toBe(0);
  });

  it('refuses a header that would split the request before writing anything', async () => {
    const server = await scripted((head, socket) => socket.write(ok('x')));
    await expect(pooledGet(server, '/', { headers: { 'x-toggle': 'on\r\nX-Injected: 1' } })).rejects.toMatchObject({ reason: expect.stringContaining("header 'x-toggle' with the control character 0x0d") });
    expect(server.heads).toEqual([]);
  });

  it('drops a connection that sends bytes nobody asked for, and answers the next GET on another', async () => {
    const server = await scripted((head, socket, n) => {
      socket.write(ok(`answer ${n}`));
      if (n === 1) setTimeout(() => socket.write(ok('unsolicited')), 20);
    });
    expect((await pooledGet(server, '/a')).body.toString()).toBe('answer 1');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await pooledGet(server, '/b')).body.toString()).toBe('answer 2');
    expect(server.accepted).toBe(2);
  });

  it('opens at most 256 connections to one origin; the rest wait their turn and are all answered', async () => {
    const server = await scripted((head, socket, n) => setTimeout(() => socket.write(ok(`answer ${n}`)), 20));
    const answers = await Promise.all(Array.from({ length: 400 }, (_, i) => pooledGet(server, `/${i}`)));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(server.maxOpen).toBeLessThanOrEqual(256);
    expect(server.accepted).toBeLessThanOrEqual(256);
  });

  it('keeps no process alive with idle connections: a script that asked and forgot its pools ends', async () => {
    const server = await scripted((head, socket, n) => socket.write(ok(`answer ${n}`)));
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
    const script = `
      import { createAgents } from ${JSON.stringify(path.join(root, 'dist/http/agents.js'))};
      import { httpGet } from ${JSON.stringify(path.join(root, 'dist/http/client.js'))};
      const agents = createAgents();
      const url = new URL('http://127.0.0.1:${server.port}/');
      const answers = await Promise.all([1, 2, 3].map(() => httpGet({ url, headers: {}, timeoutMs: 10000, maxBytes: 1000, agents })));
      process.stdout.write(answers.map((a) => a.body.toString()).sort().join(','));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { timeout: 60_000 });
    expect(stdout).toBe('answer 1,answer 2,answer 3');
    // Its connections stayed open until the process ended, then closed with it.
    expect(server.accepted).toBe(3);
    await expect.poll(() => server.open).toBe(0);
  });

  it('speaks TLS with the server name and Node’s trust: a private CA fails with the fix named, trusted through NODE_EXTRA_CA_CERTS it answers', async () => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-get-pool-')));
    const names: string[] = [];
    try {
      const cert = await localCertificate({ names: { dns: ['localhost'], ips: ['127.0.0.1'] }, home: path.join(dir, 'ca') });
      const caFile = path.join(dir, 'ca.pem');
      fs.writeFileSync(caFile, cert.ca);
      // Big bodies, so that TLS records and reads into the shared buffer cross each other.
      const server = https.createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
        names.push((req.socket as import('node:tls').TLSSocket).servername || '');
        res.end(Buffer.alloc(150_000, (req.url ?? '/').slice(1)));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as AddressInfo).port;
      try {
        agents ??= createAgents();
        const untrusted = httpGet({ url: new URL(`https://localhost:${port}/a`), headers: {}, timeoutMs: 10_000, maxBytes: 1 << 20, agents });
        await expect(untrusted).rejects.toMatchObject({ reason: expect.stringMatching(/^TLS certificate error: .*NODE_EXTRA_CA_CERTS/) });
        const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
        const script = `
          import { createAgents, destroyAgents } from ${JSON.stringify(path.join(root, 'dist/http/agents.js'))};
          import { httpGet } from ${JSON.stringify(path.join(root, 'dist/http/client.js'))};
          const agents = createAgents();
          const get = (letter) => httpGet({ url: new URL('https://localhost:${port}/' + letter), headers: {}, timeoutMs: 10000, maxBytes: 1 << 20, agents });
          const first = await Promise.all(['b', 'c', 'd'].map(get));
          const again = await Promise.all(['e', 'f', 'g'].map(get));
          const whole = [...first, ...again].every((a, i) => a.body.length === 150000 && a.body.every((byte) => byte === 'bcdefg'.charCodeAt(i)));
          destroyAgents(agents);
          process.stdout.write(String(whole));
        `;
        const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { timeout: 60_000, env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile } });
        expect(stdout).toBe('true');
        expect(names.length).toBe(6);
        expect(new Set(names)).toEqual(new Set(['localhost']));
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('on shutdown fails what is in flight and closes every connection', async () => {
    const server = await scripted((head, socket, n) => {
      if (n > 1) return;
      socket.write(ok('first'));
    });
    await pooledGet(server, '/first');
    const pending = pooledGet(server, '/never', { timeoutMs: 10_000 });
    const idle = pooledGet(server, '/never-either', { timeoutMs: 10_000 });
    await expect.poll(() => server.heads.length).toBe(3);
    destroyAgents(agents!);
    const [first, second] = await Promise.allSettled([pending, idle]);
    expect(first).toMatchObject({ status: 'rejected', reason: { reason: 'the gateway is shutting down' } });
    expect(second).toMatchObject({ status: 'rejected', reason: { reason: 'the gateway is shutting down' } });
    await expect.poll(() => server.open).toBe(0);
    await expect(pooledGet(server, '/after')).rejects.toThrow('shutting down');
    agents = undefined;
  });
});

describe("a page's signal", () => {
  it('carries one abort listener however many GETs wait on it, and cancels every one of them', async () => {
    // Answers every request but the held ones (path /held/…), which never get an answer.
    const server = await scripted((head, socket) => {
      if (!head.startsWith('GET /held/')) socket.write(ok('<p>done</p>'));
    });
    agents ??= createAgents();
    const page = new AbortController();
    const get = (path: string) =>
      httpGet({ url: new URL(`http://127.0.0.1:${server.port}${path}`), headers: {}, timeoutMs: 60_000, maxBytes: 1 << 20, agents: agents!, signal: page.signal });
    // Twenty answered GETs on the signal: each leaves nothing behind on it.
    const answered = await Promise.all(Array.from({ length: 20 }, (_, i) => get(`/f/${i}`)));
    expect(answered.map((a) => a.body.toString())).toEqual(Array(20).fill('<p>done</p>'));
    // Twenty waiting at once: one listener on the signal, not twenty.
    const held = Array.from({ length: 20 }, (_, i) => get(`/held/${i}`).then(() => 'answered', (error: Error & { kind?: string }) => error.kind));
    await expect.poll(() => server.heads.filter((h) => h.startsWith('GET /held/')).length).toBe(20);
    expect(getEventListeners(page.signal, 'abort')).toHaveLength(1);
    page.abort();
    expect(await Promise.all(held)).toEqual(Array(20).fill('cancelled'));
    // …and their connections are closed, not left waiting for answers nobody wants.
    await expect.poll(() => server.open).toBe(0);
  });
});
