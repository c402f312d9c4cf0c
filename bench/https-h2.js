#!/usr/bin/env node
/**
 * Does HTTP/2 make the https gateway's pages load faster in a browser? Measured, to decide.
 *
 *   npm run build && node bench/https-h2.js [--assets 60] [--runs 15] [--delays 0,20,60]
 *
 * A fake production serves a page with N assets (CSS, scripts, images), each answered after a
 * delay (0 ms: production on this machine; 20–60 ms: a real production or CDN behind the
 * gateway). In front of it, a proxy serving TLS with mfe-dev's certificate, once as HTTP/1.1
 * (node:https, as the gateway serves today) and once as HTTP/2 with HTTP/1.1 fallback (node:http2
 * `allowHTTP1`, ALPN), and once as the gateway serves it (HTTP/2 streams bridged to an HTTP/1.1
 * handler over a Unix socket, src/https/http2-bridge.ts), all forwarding every request to production over keep-alive connections,
 * as the gateway does. Headless Chromium trusts the CA through an NSS database in a temporary
 * HOME and loads the page with an empty cache each run; the figure is navigation start → load
 * event (median and spread of the runs). Results go to stdout as a Markdown table.
 */
import fs from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { createHttp2Gateway } from '../dist/https/http2-bridge.js';
import { runTrust, tlsCredentials } from '../dist/https/index.js';

const { values: args } = parseArgs({
  options: {
    assets: { type: 'string', default: '60' },
    runs: { type: 'string', default: '15' },
    delays: { type: 'string', default: '0,20,60' },
  },
});
const ASSETS = Number(args.assets);
const RUNS = Number(args.runs);
const DELAYS = args.delays.split(',').map(Number);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-h2-bench-'));
const env = { ...process.env, HOME: path.join(tmp, 'home'), MFE_DEV_HOME: path.join(tmp, 'mfe-dev') };
fs.mkdirSync(env.HOME);

/** Production: the page and its assets, each after `delay` ms. */
function startProduction(delay) {
  const body = (i) => (i % 3 === 0 ? `.a${i}{color:#${(i * 4099).toString(16).slice(0, 6).padEnd(6, '0')}}\n`.repeat(200) : i % 3 === 1 ? `window.a${i}=${i};\n`.repeat(200) : 'x'.repeat(6000));
  const type = (i) => (i % 3 === 0 ? 'text/css' : i % 3 === 1 ? 'text/javascript' : 'image/svg+xml');
  const page = `<!doctype html><html><head><title>bench</title>${Array.from({ length: ASSETS }, (_, i) =>
    i % 3 === 0 ? `<link rel="stylesheet" href="/assets/a${i}.css">` : i % 3 === 1 ? `<script src="/assets/a${i}.js"></script>` : '',
  ).join('')}</head><body>${Array.from({ length: ASSETS }, (_, i) => (i % 3 === 2 ? `<img src="/assets/a${i}.svg" width=8 height=8>` : '')).join('')}</body></html>`;
  const server = http.createServer((req, res) => {
    setTimeout(() => {
      const match = /^\/assets\/a(\d+)\./.exec(req.url ?? '');
      if (match) {
        const i = Number(match[1]);
        const content = type(i) === 'image/svg+xml' ? `<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><!--${body(i)}--></svg>` : body(i);
        res.writeHead(200, { 'content-type': type(i), 'cache-control': 'no-store' });
        res.end(content);
      } else {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(page);
      }
    }, delay);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** The gateway's shape: every request forwarded to production over keep-alive connections. */
function forwarder(port) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  return (req, res) => {
    const upstream = http.request({ host: '127.0.0.1', port, path: req.url, method: req.method, agent, headers: { accept: req.headers.accept ?? '*/*' } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, { 'content-type': answer.headers['content-type'] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  };
}

async function startTls(kind, credentials, productionPort) {
  const options = { cert: credentials.cert, key: credentials.key };
  if (kind === 'bridged') {
    // What the gateway does: HTTP/2 streams bridged to its HTTP/1.1 handler over a Unix socket.
    const gateway = await createHttp2Gateway(options, forwarder(productionPort));
    await new Promise((resolve) => gateway.server.listen(0, '127.0.0.1', resolve));
    const close = gateway.server.close.bind(gateway.server);
    gateway.server.close = (callback) => close(() => gateway.closeInternal().then(callback));
    gateway.server.closeAllConnections = () => gateway.closeConnections();
    return gateway.server;
  }
  const server = kind === 'h2' ? http2.createSecureServer({ ...options, allowHTTP1: true }, forwarder(productionPort)) : https.createServer(options, forwarder(productionPort));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function loadTimes(browser, url) {
  const times = [];
  let protocol;
  for (let run = 0; run < RUNS + 1; run++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'load' });
    const timing = await page.evaluate(() => {
      const [nav] = performance.getEntriesByType('navigation');
      return { load: nav.loadEventStart, protocol: nav.nextHopProtocol, resources: performance.getEntriesByType('resource').length };
    });
    if (timing.resources < ASSETS * 0.9) throw new Error(`only ${timing.resources} of ${ASSETS} assets loaded`);
    protocol = timing.protocol;
    if (run > 0) times.push(timing.load); // the first run warms up TLS session caches and the JIT
    await context.close();
  }
  times.sort((a, b) => a - b);
  return { protocol, median: times[Math.floor(times.length / 2)], p10: times[Math.floor(times.length * 0.1)], p90: times[Math.floor(times.length * 0.9)] };
}

const trust = await runTrust({ env });
if (!trust.ok) throw new Error(`could not trust the CA in the temporary NSS database:\n${trust.lines.join('\n')}`);
const credentials = await tlsCredentials(true, { home: env.MFE_DEV_HOME });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', env, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
const rows = [];
try {
  for (const delay of DELAYS) {
    const production = await startProduction(delay);
    const productionPort = production.address().port;
    const row = { delay };
    for (const kind of ['h1', 'h2', 'bridged']) {
      const server = await startTls(kind, credentials, productionPort);
      row[kind] = await loadTimes(browser, `https://localhost:${server.address().port}/`);
      await new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections?.();
      });
    }
    production.close();
    rows.push(row);
    console.error(`delay ${delay} ms: HTTP/1.1 ${row.h1.median.toFixed(0)} ms, HTTP/2 ${row.h2.median.toFixed(0)} ms, HTTP/2 bridged ${row.bridged.median.toFixed(0)} ms`);
  }
} finally {
  await browser.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}

const fmt = (r) => `${r.median.toFixed(0)} ms (${r.p10.toFixed(0)}–${r.p90.toFixed(0)}) [${r.protocol}]`;
console.log(`\nPage with ${ASSETS} assets, headless Chromium, ${RUNS} cold loads each (median, p10–p90), ${os.cpus().length} CPUs, Node ${process.version}\n`);
const change = (a, b) => `${(((b.median - a.median) / a.median) * 100).toFixed(0)}%`;
console.log('| production delay per request | HTTP/1.1 over TLS | HTTP/2 over TLS (ALPN) | HTTP/2 bridged to HTTP/1.1 (the gateway) | bridged vs 1.1 |');
console.log('| --- | --- | --- | --- | --- |');
for (const row of rows) console.log(`| ${row.delay} ms | ${fmt(row.h1)} | ${fmt(row.h2)} | ${fmt(row.bridged)} | ${change(row.h1, row.bridged)} |`);
