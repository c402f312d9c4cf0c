#!/usr/bin/env node
/**
 * What does a page cost the gateway in CPU over https/HTTP/2 (TLS + the bridge to the internal
 * HTTP/1.1 handler, src/https/http2-bridge.ts) against plain http/1.1? Measured, not optimised.
 *
 *   npm run build && node bench/https-cpu.js [--pages 2000] [--concurrency 8] [--rounds 3]
 *
 * A fake production (in this process) serves a 40 KB page with three SSI includes; the gateway
 * is the real CLI in a child process (`--port 0`, its CPU read from /proc); this process is the
 * client, over keep-alive connections: plain http/1.1, https/1.1 (TLS, ALPN http/1.1) and
 * https/h2 (one HTTP/2 connection). The figure is the gateway's CPU time (user + system) per
 * page, median of the rounds (which alternate between the three gateways), after a warm-up.
 * Linux only (/proc).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cpuSeconds } from './proc.js';

const { values: args } = parseArgs({
  options: { pages: { type: 'string', default: '2000' }, concurrency: { type: 'string', default: '8' }, rounds: { type: 'string', default: '3' } },
});
const PAGES = Number(args.pages);
const CONCURRENCY = Number(args.concurrency);
const ROUNDS = Number(args.rounds);
const BIN = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../bin/mfe-dev.js');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-https-cpu-'));
const filler = '<p>' + 'lorem ipsum dolor sit amet '.repeat(30) + '</p>\n';
const page = `<!doctype html><html><head><title>cpu</title></head><body><header><!--#include virtual="/fragments/header" --></header>${filler.repeat(45)}<main><!--#include virtual="/fragments/main" --></main><footer><!--#include virtual="/fragments/footer" --></footer></body></html>`;
const production = http.createServer((req, res) => {
  if (req.url?.startsWith('/fragments/')) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    return res.end(`<div>${req.url} ${'fragment '.repeat(100)}</div>`);
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(page);
});
await new Promise((resolve) => production.listen(0, '127.0.0.1', resolve));
const upstream = `http://127.0.0.1:${production.address().port}`;

/** The CLI on a config, until it prints its URL. */
async function startGateway(httpsOn) {
  const dir = fs.mkdtempSync(path.join(tmp, 'gw-'));
  fs.writeFileSync(path.join(dir, 'mfe-dev.config.json'), JSON.stringify({ upstream, https: httpsOn, fragments: { header: { src: '/fragments/header' }, main: { src: '/fragments/main' }, footer: { src: '/fragments/footer' } } }));
  const child = spawn(process.execPath, [BIN, '--port', '0'], { cwd: dir, env: { ...process.env, NO_COLOR: '1', MFE_DEV_HOME: path.join(tmp, 'home') }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const url = await new Promise((resolve, reject) => {
    const read = (chunk) => {
      out += chunk;
      const match = /(https?:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match) resolve(match[1]);
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', (code) => reject(new Error(`gateway exited ${code}: ${out}`)));
  });
  child.stdout.resume();
  child.stderr.resume();
  return { child, url, ca: httpsOn ? fs.readFileSync(path.join(tmp, 'home', 'ca.pem'), 'utf8') : undefined };
}

/** `count` pages, `CONCURRENCY` at a time, through `get` (resolves with the body length). */
async function load(get, count) {
  let next = 0;
  let bytes = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        next++;
        bytes += await get();
      }
    }),
  );
  return bytes;
}

function h1Getter(url, ca) {
  const lib = url.startsWith('https:') ? https : http;
  const agent = new lib.Agent({ keepAlive: true, maxSockets: CONCURRENCY, ...(ca ? { ca, ALPNProtocols: ['http/1.1'] } : {}) });
  const get = () =>
    new Promise((resolve, reject) => {
      lib.get(`${url}/page`, { agent }, (res) => {
        let length = 0;
        res.on('data', (chunk) => (length += chunk.length));
        res.on('end', () => resolve(length));
        res.on('error', reject);
      }).on('error', reject);
    });
  return { get, close: () => agent.destroy() };
}

function h2Getter(url, ca) {
  const session = http2.connect(url, { ca });
  const get = () =>
    new Promise((resolve, reject) => {
      const stream = session.request({ ':path': '/page' });
      let length = 0;
      stream.on('data', (chunk) => (length += chunk.length));
      stream.on('end', () => resolve(length));
      stream.on('error', reject);
    });
  return { get, close: () => session.close() };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const modes = [
  ['http/1.1', false, h1Getter],
  ['https/1.1 (TLS)', true, h1Getter],
  ['https/h2 (TLS + bridge)', true, h2Getter],
];
// All three gateways run side by side and the rounds alternate between them, so a change in the
// machine's load during the run touches each mode alike.
const runs = [];
for (const [label, httpsOn, client] of modes) {
  const gateway = await startGateway(httpsOn);
  const { get, close } = client(gateway.url, gateway.ca);
  const pageBytes = await get();
  runs.push({ label, gateway, get, close, pageBytes, perPage: [] });
}
try {
  for (const run of runs) await load(run.get, Math.min(500, PAGES)); // warm-up: JIT, pools
  for (let round = 0; round < ROUNDS; round++) {
    for (const run of runs) {
      const before = cpuSeconds(run.gateway.child.pid);
      const started = process.hrtime.bigint();
      await load(run.get, PAGES);
      const wall = Number(process.hrtime.bigint() - started) / 1e9;
      run.perPage.push({ cpuUs: ((cpuSeconds(run.gateway.child.pid) - before) / PAGES) * 1e6, pagesPerS: PAGES / wall });
    }
  }
} finally {
  for (const run of runs) {
    run.close();
    run.gateway.child.kill('SIGTERM');
    await new Promise((resolve) => run.gateway.child.once('exit', resolve));
  }
}
const results = runs.map((run) => ({
  label: run.label,
  pageBytes: run.pageBytes,
  cpuUs: median(run.perPage.map((p) => p.cpuUs)),
  spread: `${Math.round(Math.min(...run.perPage.map((p) => p.cpuUs)))}–${Math.round(Math.max(...run.perPage.map((p) => p.cpuUs)))}`,
  pagesPerS: median(run.perPage.map((p) => p.pagesPerS)),
}));
production.close();
fs.rmSync(tmp, { recursive: true, force: true });

const base = results[0].cpuUs;
console.log(`Gateway CPU per page: ${PAGES} pages × ${ROUNDS} rounds, concurrency ${CONCURRENCY}, page ${results[0].pageBytes} bytes composed from 3 SSI includes; ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}, Node ${process.version}\n`);
console.log('| client → gateway | gateway CPU per page (median) | rounds | vs http/1.1 | pages/s (this client) |');
console.log('|---|---:|---:|---:|---:|');
for (const r of results) console.log(`| ${r.label} | ${Math.round(r.cpuUs)} µs | ${r.spread} µs | ${(r.cpuUs / base).toFixed(2)}× | ${Math.round(r.pagesPerS)} |`);
