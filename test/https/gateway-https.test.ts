/**
 * The gateway with `https` on, through Node's own TLS client (which, like a browser after
 * `mfe-dev trust`, trusts only the CA it is given): what it serves, with which certificate, and
 * what a config edit does to it. The browser's view is in test/browser/https.test.ts.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve-config.js';
import { certificateNames, localCertificate } from '../../src/https/index.js';
import { caFiles } from '../../src/https/local-ca.js';
import { createDevServer, type DevServer } from '../../src/server/index.js';
import { startGateway } from '../helpers/gateway.js';
import { listen, type TestServer } from '../helpers/servers.js';

let tmp: string;
let previousHome: string | undefined;
let production: TestServer;
const servers: DevServer[] = [];

beforeAll(async () => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-https-gw-')));
  previousHome = process.env.MFE_DEV_HOME;
  process.env.MFE_DEV_HOME = path.join(tmp, 'mfe-dev');
  production = await listen((req, res) => {
    const upstream = `http://${req.headers.host}`;
    if (req.url === '/api/login') {
      res.writeHead(302, { location: `${upstream}/account`, 'set-cookie': ['__Host-s=1; Path=/; Secure; HttpOnly', 'p=2; Domain=shop.example; Secure; SameSite=None'], 'strict-transport-security': 'max-age=60' });
      return res.end();
    }
    if (req.url === '/page') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'set-cookie': 'p=3; Secure; SameSite=None' });
      return res.end('<!doctype html><main><!--#include virtual="/fragments/x" --></main>');
    }
    if (req.url === '/fragments/x') return void res.end(`<p>fragment x via ${req.headers['x-forwarded-proto']}</p>`);
    if (req.url === '/echo' && req.method === 'POST') {
      let bytes = 0;
      req.on('data', (chunk: Buffer) => (bytes += chunk.length));
      req.on('end', () => res.end(JSON.stringify({ bytes })));
      return;
    }
    if (req.url === '/big') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      let left = 64;
      const more = () => {
        while (left > 0) {
          left--;
          if (!res.write(Buffer.alloc(64 * 1024, 120))) return void res.once('drain', more);
        }
        res.end();
      };
      return more();
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ proto: req.headers['x-forwarded-proto'] ?? null }));
  });
});
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});
afterAll(async () => {
  await production?.close();
  if (previousHome === undefined) delete process.env.MFE_DEV_HOME;
  else process.env.MFE_DEV_HOME = previousHome;
  fs.rmSync(tmp, { recursive: true, force: true });
});

const ca = () => fs.readFileSync(caFiles(process.env.MFE_DEV_HOME).cert, 'utf8');

function get(url: string, options: { ca: string; servername?: string }): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; peer: X509Certificate }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca: options.ca, servername: options.servername, agent: false }, (res) => {
      const peer = new X509Certificate((res.socket as tls.TLSSocket).getPeerCertificate(false).raw);
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, peer }));
    });
    req.on('error', reject);
  });
}

function handshake(port: number, options: { ca: string; servername: string }): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: options.ca, servername: options.servername }, () => {
      resolve('ok');
      socket.end();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('https: true', () => {
  it("serves TLS with a certificate from the local CA; redirects and cookies follow the https scheme; HSTS stays off", async () => {
    const gateway = await startGateway({ upstream: production.url, https: true });
    servers.push(gateway);
    expect(gateway.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const login = await get(`${gateway.url}/api/login`, { ca: ca() });
    expect(login.status).toBe(302);
    expect(login.headers.location).toBe(`${gateway.url}/account`);
    expect(login.headers['set-cookie']).toEqual(['__Host-s=1; Path=/; Secure; HttpOnly', 'p=2; Secure; SameSite=None']);
    expect(login.headers['strict-transport-security']).toBeUndefined();
    expect(login.peer.checkIssued(new X509Certificate(ca()))).toBe(true);
    expect(login.peer.subjectAltName).toContain('DNS:localhost');
  });

  it('speaks HTTP/2 to clients that offer it (ALPN): the composed page streams back with its cookies and Server-Timing', async () => {
    const gateway = await startGateway({ upstream: production.url, https: true, fragments: { x: { src: '/fragments/x' } } });
    servers.push(gateway);
    const session = http2.connect(gateway.url, { ca: ca() });
    try {
      const answer = await new Promise<{ headers: http2.IncomingHttpHeaders; trailers: http2.IncomingHttpHeaders; body: string; alpn: string | false }>((resolve, reject) => {
        const stream = session.request({ ':path': '/page', accept: 'text/html' });
        let headers: http2.IncomingHttpHeaders = {};
        let trailers: http2.IncomingHttpHeaders = {};
        let body = '';
        stream.on('response', (h) => (headers = h));
        stream.on('trailers', (t) => (trailers = t));
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => (body += chunk));
        stream.on('end', () => resolve({ headers, trailers, body, alpn: session.alpnProtocol ?? false }));
        stream.on('error', reject);
      });
      expect(answer.alpn).toBe('h2');
      expect(answer.headers[':status']).toBe(200);
      expect(answer.body).toBe('<!doctype html><main><p>fragment x via https</p></main>');
      expect(answer.headers['set-cookie']).toEqual(['p=3; Secure; SameSite=None']);
      expect(String(answer.headers['server-timing'] ?? answer.trailers['server-timing'])).toMatch(/mfe-x;desc=prod;dur=/);
    } finally {
      session.close();
    }
  });

  it('HTTP/2: request bodies reach production whole, big answers stream back, and a cancelled stream leaves the connection usable', async () => {
    const gateway = await startGateway({ upstream: production.url, https: true });
    servers.push(gateway);
    const session = http2.connect(gateway.url, { ca: ca() });
    const call = (headers: http2.OutgoingHttpHeaders, body?: Buffer) =>
      new Promise<{ status: number; bytes: number; text: string }>((resolve, reject) => {
        const stream = session.request(headers);
        let status = 0;
        const chunks: Buffer[] = [];
        stream.on('response', (h) => (status = Number(h[':status'])));
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => resolve({ status, bytes: Buffer.concat(chunks).length, text: Buffer.concat(chunks).toString() }));
        stream.on('error', reject);
        stream.end(body);
      });
    try {
      const posted = await call({ ':method': 'POST', ':path': '/echo', 'content-type': 'application/octet-stream' }, Buffer.alloc(3 * 1024 * 1024, 1));
      expect(posted).toMatchObject({ status: 200, text: JSON.stringify({ bytes: 3 * 1024 * 1024 }) });
      expect(await call({ ':path': '/big' })).toMatchObject({ status: 200, bytes: 64 * 64 * 1024 });

      // The browser navigates away mid-download: the stream is reset, the session goes on.
      await new Promise<void>((resolve) => {
        const stream = session.request({ ':path': '/big' });
        stream.once('data', () => {
          stream.close(http2.constants.NGHTTP2_CANCEL);
          resolve();
        });
        stream.on('error', () => undefined);
      });
      expect(await call({ ':path': '/page', accept: 'text/html' })).toMatchObject({ status: 200 });
    } finally {
      session.close();
    }
  });

  it('a config edit of allowedHosts gives the running gateway a certificate for the new name', async () => {
    const dir = path.join(tmp, 'reload');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'mfe-dev.config.json');
    const config = (allowedHosts: string[]) => JSON.stringify({ upstream: production.url, https: true, allowedHosts });
    fs.writeFileSync(file, config([]));
    const server = await createDevServer({ root: dir, port: 0, logLevel: 'silent' });
    servers.push(server);
    await server.listen();
    const port = Number(new URL(server.url!).port);
    expect(await handshake(port, { ca: ca(), servername: 'dev.shop.test' })).toBe('ERR_TLS_CERT_ALTNAME_INVALID');

    // Rewrite until the watcher (which starts with the server) has seen it. The CA does not cover
    // the new name: a new CA and certificate are made (two RSA keys: slow on a busy machine).
    const deadline = Date.now() + 40_000;
    let result = '';
    while (Date.now() < deadline) {
      fs.writeFileSync(file, config(['.shop.test']));
      await new Promise((resolve) => setTimeout(resolve, 400));
      result = await handshake(port, { ca: ca(), servername: 'dev.shop.test' });
      if (result === 'ok') break;
    }
    expect(result).toBe('ok');
    expect(await handshake(port, { ca: ca(), servername: 'localhost' })).toBe('ok');
  });
});

describe('https: { cert, key }', () => {
  it('serves your own files, relative to the config, and --https (inline true) keeps them', async () => {
    const own = await localCertificate({ names: certificateNames({ allowedHosts: ['own.test'] }), home: path.join(tmp, 'own-ca') });
    const dir = path.join(tmp, 'own');
    fs.mkdirSync(path.join(dir, 'certs'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'certs', 'own.pem'), own.cert);
    fs.writeFileSync(path.join(dir, 'certs', 'own-key.pem'), own.key);
    fs.writeFileSync(path.join(dir, 'mfe-dev.config.json'), JSON.stringify({ upstream: production.url, https: { cert: './certs/own.pem', key: './certs/own-key.pem' } }));

    const resolved = await resolveConfig({ root: dir, https: true });
    expect(resolved.https).toEqual({ cert: path.join(dir, 'certs', 'own.pem'), key: path.join(dir, 'certs', 'own-key.pem') });

    const server = await createDevServer({ root: dir, port: 0, logLevel: 'silent', watch: false, https: true });
    servers.push(server);
    await server.listen();
    const answer = await get(`${server.url}/`, { ca: own.ca, servername: 'own.test' });
    expect(answer.status).toBe(200);
    expect(answer.peer.raw.equals(new X509Certificate(own.cert).raw)).toBe(true);
  });

  it('a missing file stops the start with an error naming the file and the key', async () => {
    await expect(createDevServer({ configFile: false, upstream: production.url, port: 0, logLevel: 'silent', https: { cert: path.join(tmp, 'nope.pem'), key: path.join(tmp, 'nope-key.pem') } })).rejects.toMatchObject({
      code: 'MFE_HTTPS_FILE_INVALID',
      message: expect.stringContaining(`\`https.cert\`: ${path.join(tmp, 'nope.pem')} does not exist`),
    });
  });
});

describe('the https config key', () => {
  it.each([
    ['yes', "`https` must be true, false, or { cert: './localhost.pem', key: './localhost-key.pem' }"],
    [{ cert: './a.pem' }, "`https.key` is required: the path of your private key's PEM file, e.g. key: './localhost-key.pem'"],
    [{ cert: 1, key: './b.pem' }, "`https.cert` must be the path of your certificate's PEM file, got 1"],
    [{ cert: './a.pem', key: './b.pem', ca: './c.pem' }, '`https.ca` is not an option of `https`. Known options: cert, key.'],
  ])('%o is refused with a clear message', async (https, message) => {
    await expect(resolveConfig({ configFile: false, upstream: production.url, https: https as never })).rejects.toMatchObject({ code: 'MFE_CONFIG_INVALID', message: expect.stringContaining(message) });
  });

  it('is off by default, and a plain-http gateway makes no CA', async () => {
    const home = path.join(tmp, 'untouched');
    process.env.MFE_DEV_HOME = home;
    try {
      const gateway = await startGateway({ upstream: production.url });
      servers.push(gateway);
      expect(gateway.config.https).toBe(false);
      expect(gateway.url).toMatch(/^http:\/\//);
      expect(fs.existsSync(home)).toBe(false);
    } finally {
      process.env.MFE_DEV_HOME = path.join(tmp, 'mfe-dev');
    }
  });
});
