/**
 * `npm run soak` (second part) / `node bench/fault-soak.js [--requests N] [--concurrency N]`:
 * 10,000 requests through mfe-dev (in its own process) mixing successes and faults: composed
 * pages, fragments that fail (5xx, reset, slow, hanging past their timeout), a local fragment
 * that resets, production resetting mid-page, clients that give up on a slow page, large
 * non-HTML bodies, the dev page. Every answer is checked; afterwards mfe-dev's live memory (heap
 * and external, after a full collection) and open file descriptors must be back near the figures
 * after the warm-up; RSS is printed too. Prints the figures; exit 1 on failure. Needs
 * `npm run build` first.
 */
import fs from 'node:fs';
import http from 'node:http';
import { startMfeDev } from './children.js';
import { memory } from './proc.js';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const total = option('--requests', 10_000);
const concurrency = option('--concurrency', 20);
/** Growth allowed after a full collection: live JS heap + external memory (the leak signal). */
const HEAP_LIMIT_MB = 16;
/** RSS is reported but only warned about: V8 keeps freed pages for reuse, so it may stay high. */
const RSS_WARN_MB = 32;
const FD_LIMIT = 8;

const PAGE_OK = '<html><body><h1>ok</h1><!--#include virtual="/f/ok" --><esi:include src="/f/ok"/><fragment src="/f/ok"></fragment></body></html>';
const PAGE_OK_OUT = '<html><body><h1>ok</h1>[ok][ok][ok]</body></html>';
const PAGE_FAULTY =
  '<html><body><p>before</p><!--#include virtual="/f/5xx" --><esi:include src="/f/reset"/><fragment src="/f/slow"></fragment>' +
  '<fragment src="/f/hang" timeout="200"></fragment><p>after</p></body></html>';
const PAGE_LOCAL = '<html><body><p>before</p><esi:include src="/fragments/f0?fault=reset"/><esi:include src="/fragments/f1"/><p>after</p></body></html>';
const BIG = Buffer.alloc(256 * 1024, 7);

const hanging = new Set();
const production = http.createServer((req, res) => {
  const url = req.url ?? '/';
  const html = (body, status = 200) => {
    res.writeHead(status, { 'content-type': 'text/html' });
    res.end(body);
  };
  if (url === '/ok') return html(PAGE_OK);
  if (url === '/faulty') return html(PAGE_FAULTY);
  if (url === '/local-page') return html(PAGE_LOCAL);
  if (url === '/f/ok') return html('[ok]');
  if (url === '/f/5xx') return html('down', 503);
  if (url === '/f/reset' || url.startsWith('/local/fragments/f0')) return void req.socket.resetAndDestroy();
  if (url.startsWith('/local/fragments/f1')) return html('[local]');
  if (url === '/f/slow') return void setTimeout(() => html('[slow]'), 30);
  if (url === '/f/hang' || url === '/slow-page') {
    // Answers only after the gateway's fragment timeout (or the client) has given up.
    hanging.add(res);
    const timer = setTimeout(() => html('late'), 1000);
    res.on('close', () => {
      clearTimeout(timer);
      hanging.delete(res);
    });
    return;
  }
  if (url === '/reset-mid') {
    res.writeHead(200, { 'content-type': 'text/html', 'content-length': '100000' });
    res.write('<html><body>'.padEnd(4000, ' '));
    return void setTimeout(() => res.socket?.resetAndDestroy(), 5);
  }
  if (url === '/big.bin') {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    return res.end(BIG);
  }
  html('not found', 404);
});
await new Promise((resolve) => production.listen(0, '127.0.0.1', resolve));
const productionUrl = `http://127.0.0.1:${production.address().port}`;
const gateway = await startMfeDev({ upstream: productionUrl, local: `${productionUrl}/local`, fragments: 2, execArgv: ['--expose-gc'] });
const fds = () => fs.readdirSync(`/proc/${gateway.pid}/fd`).length;
const rssMb = () => memory(gateway.pid).rss / 1e6;

/** One request, no keep-alive; resolves to { status, body } or { error }; `abortAfter` gives up early. */
function get(path, { headers = {}, abortAfter } = {}) {
  return new Promise((resolve) => {
    const req = http.get(gateway.url + path, { headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
      res.on('error', (error) => resolve({ error: error.message }));
    });
    req.on('error', (error) => resolve({ error: error.message }));
    req.setTimeout(30_000, () => req.destroy(new Error('no answer within 30 s')));
    if (abortAfter) setTimeout(() => req.destroy(new Error('client gave up')), abortAfter);
  });
}

/** The mix: request `i`, checked. Returns a problem, or null. */
async function one(i) {
  switch (i % 10) {
    case 4: {
      const r = await get('/faulty');
      return r.status === 200 && /^<html><body><p>before<\/p>[^]*<p>after<\/p><\/body><\/html>$/.test(r.body.toString()) ? null : `faulty page: ${r.error ?? r.status}`;
    }
    case 5: {
      const r = await get('/local-page', { headers: { 'x-mfe-dev': 'f0=local,f1=local' } });
      const text = r.body?.toString() ?? '';
      return r.status === 200 && text.includes('[local]') && text.includes('data-mfe-dev-error') ? null : `local page: ${r.error ?? r.status}`;
    }
    case 6: {
      const r = await get('/reset-mid');
      return 'error' in r || r.body.length < 100_000 ? null : 'reset page arrived whole';
    }
    case 7: {
      const r = await get('/slow-page', { abortAfter: 100 });
      return r.error === 'client gave up' || r.status ? null : `slow page: ${r.error}`;
    }
    case 8: {
      const r = await get('/big.bin');
      return r.status === 200 && r.body.equals(BIG) ? null : `big body: ${r.error ?? r.status}`;
    }
    case 9: {
      const r = await get('/__mfe-dev/api/state');
      return r.status === 200 ? null : `dev page: ${r.error ?? r.status}`;
    }
    default: {
      const r = await get('/ok');
      return r.status === 200 && r.body.toString() === PAGE_OK_OUT ? null : `ok page: ${r.error ?? r.status} ${r.body?.toString().slice(0, 200)}`;
    }
  }
}

async function batch(from, count) {
  const problems = new Map();
  let next = from;
  const worker = async () => {
    while (next < from + count) {
      const problem = await one(next++);
      if (problem) problems.set(problem, (problems.get(problem) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return problems;
}

const settle = async () => {
  // Late answers (1 s) arrive, and production closes idle keep-alive sockets (Node's 5 s
  // keepAliveTimeout), so the gateway's pooled connections are gone when the figures are read.
  await new Promise((resolve) => setTimeout(resolve, 6500));
  const { heapUsed, external } = await gateway.gc();
  return (heapUsed + external) / 1e6;
};

let failed = false;
try {
  const warmup = 500;
  await batch(0, warmup);
  const heapBefore = await settle();
  const before = { rss: rssMb(), fds: fds(), heap: heapBefore };
  console.log(
    `fault soak: ${total} requests, ${concurrency} at a time, mfe-dev pid ${gateway.pid}; after ${warmup} warm-up requests: ` +
      `RSS ${before.rss.toFixed(1)} MB, heap+external ${before.heap.toFixed(1)} MB, ${before.fds} fds`,
  );
  const started = performance.now();
  const problems = new Map();
  let peakRss = before.rss;
  let peakFds = before.fds;
  for (let done = 0; done < total; done += 1000) {
    for (const [problem, n] of await batch(warmup + done, Math.min(1000, total - done))) problems.set(problem, (problems.get(problem) ?? 0) + n);
    peakRss = Math.max(peakRss, rssMb());
    peakFds = Math.max(peakFds, fds());
  }
  const seconds = (performance.now() - started) / 1000;
  const heapAfter = await settle();
  // Pooled keep-alive connections close on production's schedule: give them up to 15 s more.
  for (let waited = 0; fds() - before.fds > FD_LIMIT && waited < 15_000; waited += 500) await new Promise((resolve) => setTimeout(resolve, 500));
  const after = { rss: rssMb(), fds: fds(), heap: heapAfter };
  const signed = (n, digits = 1) => `${n >= 0 ? '+' : ''}${n.toFixed(digits)}`;
  console.log(`  ${total} requests in ${seconds.toFixed(1)} s (${(total / seconds).toFixed(0)}/s); peak RSS ${peakRss.toFixed(1)} MB, peak ${peakFds} fds`);
  console.log(
    `  afterwards: RSS ${after.rss.toFixed(1)} MB (${signed(after.rss - before.rss)}), heap+external ${after.heap.toFixed(1)} MB ` +
      `(${signed(after.heap - before.heap)}), ${after.fds} fds (${signed(after.fds - before.fds, 0)})`,
  );
  for (const [problem, n] of problems) console.log(`  FAIL ${n}× ${problem}`);
  if (problems.size > 0) failed = true;
  if (after.heap - before.heap > HEAP_LIMIT_MB) {
    console.log(`  FAIL live memory after a full collection grew by more than ${HEAP_LIMIT_MB} MB: a leak`);
    failed = true;
  }
  if (after.rss - before.rss > RSS_WARN_MB) console.log(`  note: RSS stays ${signed(after.rss - before.rss)} MB above the baseline (V8 keeps freed pages; live memory is the figure above)`);
  if (after.fds - before.fds > FD_LIMIT) {
    console.log(`  FAIL file descriptors did not return to their baseline (limit +${FD_LIMIT})`);
    failed = true;
  }
} finally {
  for (const res of hanging) res.destroy();
  await gateway.stop();
  production.closeAllConnections();
  await new Promise((resolve) => production.close(resolve));
}
console.log(failed ? 'fault soak: FAIL' : 'fault soak: PASS');
process.exit(failed ? 1 : 0);
