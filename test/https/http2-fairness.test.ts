/**
 * HTTP/2 clients share the gateway fairly: one connection may hold at most
 * MAX_CONCURRENT_STREAMS streams (SETTINGS_MAX_CONCURRENT_STREAMS), and its streams go to the
 * internal HTTP/1.1 handler over a pool of its own, so 130 never-ending streams from one client
 * do not keep a second client waiting. Two real `node:http2` clients against a real gateway.
 */
import fs from 'node:fs';
import http2 from 'node:http2';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CONCURRENT_STREAMS } from '../../src/https/http2-bridge.js';
import { caFiles } from '../../src/https/local-ca.js';
import { eventually } from '../helpers/eventually.js';
import { startGateway } from '../helpers/gateway.js';
import { listen, type TestServer } from '../helpers/servers.js';

let tmp: string;
let previousHome: string | undefined;
let production: TestServer;
/** Requests for /hang production holds open right now. */
let hanging = 0;

beforeAll(async () => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-h2-fair-')));
  previousHome = process.env.MFE_DEV_HOME;
  process.env.MFE_DEV_HOME = path.join(tmp, 'mfe-dev');
  production = await listen((req, res) => {
    if (req.url?.startsWith('/hang')) {
      // Starts answering, never finishes (a long poll, an event stream, a stuck backend).
      hanging++;
      res.once('close', () => hanging--);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: started\n\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('fast answer');
  });
});
afterAll(async () => {
  await production?.close();
  if (previousHome === undefined) delete process.env.MFE_DEV_HOME;
  else process.env.MFE_DEV_HOME = previousHome;
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('HTTP/2 fairness', () => {
  it('130 never-ending streams from one client: it gets at most the stream limit, and another client is answered meanwhile', async () => {
    const gateway = await startGateway({ upstream: production.url, https: true });
    const ca = fs.readFileSync(caFiles(process.env.MFE_DEV_HOME).cert, 'utf8');
    const greedy = http2.connect(gateway.url, { ca });
    greedy.on('error', () => undefined);
    const other = http2.connect(gateway.url, { ca });
    try {
      await new Promise((resolve) => greedy.once('remoteSettings', resolve));
      expect(greedy.remoteSettings.maxConcurrentStreams).toBe(MAX_CONCURRENT_STREAMS);

      let started = 0;
      for (let i = 0; i < 130; i++) {
        const stream = greedy.request({ ':path': `/hang/${i}` });
        stream.on('error', () => undefined);
        stream.once('data', () => started++);
      }
      // Production holds as many of them as the gateway let through: the limit, not 130.
      await eventually(() => expect(started).toBe(MAX_CONCURRENT_STREAMS), 30_000);
      expect(hanging).toBe(MAX_CONCURRENT_STREAMS);

      // Another browser connection is answered while all of those are still open.
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the second client got no answer within 20 s')), 20_000);
        const stream = other.request({ ':path': '/fast' });
        let status = 0;
        let body = '';
        stream.on('response', (headers) => (status = Number(headers[':status'])));
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => (body += chunk));
        stream.on('end', () => {
          clearTimeout(timer);
          resolve({ status, body });
        });
        stream.on('error', reject);
      });
      expect(answer).toEqual({ status: 200, body: 'fast answer' });
      expect(hanging).toBe(MAX_CONCURRENT_STREAMS);
      expect(started).toBe(MAX_CONCURRENT_STREAMS);

      // The greedy client goes away: every request it had open at production is closed.
      greedy.destroy();
      await eventually(() => expect(hanging).toBe(0), 30_000);
    } finally {
      greedy.destroy();
      other.close();
      await gateway.close();
    }
  });
});
