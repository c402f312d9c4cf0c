/**
 * The team preview gateway as Kubernetes would run it, with real parts on loopback:
 *
 *   node bench/serve-cluster.js [--short] [--seconds N] [--concurrency N] [--cpu-only] [--cpu-rounds N]
 *     [--cpu-pages N] [--callgrind [--cg-warmup N] [--cg-pages N]]
 *
 * - 3 `mfe-dev serve` replicas (child processes, config from a ConfigMap-style folder) behind a
 *   real nginx as the load balancer (our own process, own prefix, free port);
 * - a rolling restart under load, as a Deployment with maxUnavailable 0 does it: a new replica
 *   starts and becomes ready, then the old one gets SIGTERM and drains (readiness 503, serving for
 *   drainDelay, then refusing new connections, which nginx passes to the next replica). Every
 *   request is counted; any non-200 or network error is a failure;
 * - Prometheus' `promtool check metrics` on each replica's /__mfe-dev/metrics, and a real
 *   Prometheus scraping the three (its `up` series must be 1 for each);
 * - the time for every replica to pick up a ConfigMap change (an atomic `..data` swap);
 * - CPU per page of `serve` (metrics, JSON logs, traces) vs `dev`, alternating runs; with
 *   `--callgrind`, instructions per page of each under valgrind's callgrind as well (the same
 *   whatever else loads the machine; a few minutes). `--cpu-only` skips 1–4.
 *
 * Exit 1 when a request failed, promtool or Prometheus disagree, or a replica missed the change.
 * `.ci/run` runs the short form. Needs the build (`npm run build`).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds } from './proc.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin/mfe-dev.js');
const args = process.argv.slice(2);
const short = args.includes('--short');
const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const concurrency = option('--concurrency', 8);
const cpuRounds = option('--cpu-rounds', short ? 4 : 8);
const cpuPages = option('--cpu-pages', short ? 400 : 1500);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-cluster-'));
const children = new Set();
const failures = [];
const log = (line) => process.stdout.write(`${line}\n`);

// ── production: a page with two SSI fragments ────────────────────────────────────────────────
const production = http.createServer((req, res) => {
  const body =
    req.url === '/fragments/header' ? '<header>HEADER</header>' : req.url === '/fragments/footer' ? '<footer>FOOTER</footer>' : '<!doctype html><html><body><!--#include virtual="/fragments/header" --><main>page</main><!--#include virtual="/fragments/footer" --></body></html>';
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
production.keepAliveTimeout = 60_000;
await new Promise((resolve) => production.listen(0, '127.0.0.1', resolve));
const upstream = `http://127.0.0.1:${production.address().port}`;

// ── the ConfigMap volume, as the kubelet lays it out ─────────────────────────────────────────
const volume = path.join(work, 'config');
fs.mkdirSync(volume);
let generation = 0;
function writeVolume(text) {
  const stamp = `..gen_${++generation}`;
  fs.mkdirSync(path.join(volume, stamp));
  fs.writeFileSync(path.join(volume, stamp, 'mfe-dev.config.json'), text);
  const old = fs.existsSync(path.join(volume, '..data')) ? fs.readlinkSync(path.join(volume, '..data')) : undefined;
  fs.symlinkSync(stamp, path.join(volume, '..data_tmp'));
  fs.renameSync(path.join(volume, '..data_tmp'), path.join(volume, '..data'));
  if (!fs.existsSync(path.join(volume, 'mfe-dev.config.json'))) fs.symlinkSync('..data/mfe-dev.config.json', path.join(volume, 'mfe-dev.config.json'));
  if (old) fs.rmSync(path.join(volume, old), { recursive: true, force: true });
}
const configText = (presetName) =>
  JSON.stringify({
    upstream,
    fragments: { header: { src: '/fragments/header' }, footer: { src: '/fragments/footer' } },
    presets: { [presetName]: { description: 'marks this version of the config' } },
    serve: { auth: false, drainDelay: 1500, drainTimeout: 10_000 },
  });
writeVolume(configText('config-v1'));
const configFile = path.join(volume, 'mfe-dev.config.json');

// ── processes ────────────────────────────────────────────────────────────────────────────────
function startGateway(command, extraEnv = {}, port = 0, wrapper = []) {
  const argv = command === 'serve' ? [BIN, 'serve', '--config', configFile, '--port', String(port), '--host', '127.0.0.1'] : [BIN, '--config', configFile, '--port', String(port), '--no-overlay'];
  const [program, ...programArgs] = [...wrapper, process.execPath, ...argv];
  const child = spawn(program, programArgs, { cwd: work, env: { ...process.env, NO_COLOR: '1', ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.on('close', () => children.delete(child));
  let out = '';
  let lines = 0;
  child.stdout.on('data', (chunk) => {
    out += chunk;
    lines += String(chunk).split('\n').length - 1;
    if (out.length > 1e6) out = out.slice(-1e5);
  });
  child.stderr.on('data', () => {});
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not start:\n${out}`)), wrapper.length ? 300_000 : 30_000);
    const check = () => {
      const match = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
      if (match) (clearTimeout(timer), child.stdout.off('data', check), resolve(match[0]));
    };
    child.stdout.on('data', check);
    child.once('close', () => reject(new Error(`${command} exited:\n${out}`)));
  });
  const exited = new Promise((resolve) => child.once('close', (code) => resolve(code)));
  return { child, url, exited, logLines: () => lines };
}

/**
 * One GET. A request that fails on a reused keep-alive socket before any answer is sent again
 * once, as browsers and Node's docs do (the peer closed the idle connection: nginx reloading,
 * a keep-alive timeout); `retries` counts them.
 */
const retries = { count: 0 };
function get(url, agent, retry = true) {
  return new Promise((resolve) => {
    const req = http.get(url, { agent, timeout: 15_000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
      res.on('error', (error) => resolve({ status: 0, text: String(error) }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => {
      if (retry && req.reusedSocket && error.code === 'ECONNRESET') {
        retries.count++;
        return void get(url, agent, false).then(resolve);
      }
      resolve({ status: 0, text: String(error) });
    });
  });
}

async function waitReady(url) {
  for (let i = 0; i < 300; i++) {
    if ((await get(`${url}/__mfe-dev/readyz`)).status === 200) return;
    await sleep(100);
  }
  throw new Error(`${url} never became ready`);
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const freePort = () =>
  new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

// ── nginx as the load balancer ───────────────────────────────────────────────────────────────
const nginxDir = path.join(work, 'nginx');
fs.mkdirSync(path.join(nginxDir, 'logs'), { recursive: true });
const nginxPort = await freePort();
function writeNginx(backends) {
  fs.writeFileSync(
    path.join(nginxDir, 'nginx.conf'),
    `worker_processes 1;
pid ${nginxDir}/nginx.pid;
error_log ${nginxDir}/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${nginxDir}/body; proxy_temp_path ${nginxDir}/proxy; fastcgi_temp_path ${nginxDir}/fcgi; uwsgi_temp_path ${nginxDir}/uwsgi; scgi_temp_path ${nginxDir}/scgi;
  upstream mfe_dev {
${backends.map((url) => `    server ${new URL(url).host} max_fails=1 fail_timeout=1s;`).join('\n')}
    keepalive 32;
  }
  server {
    listen 127.0.0.1:${nginxPort};
    location / {
      proxy_pass http://mfe_dev;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_next_upstream error timeout http_502 http_503;
      proxy_next_upstream_tries 0;
    }
  }
}
`,
  );
}

const cpuOnly = args.includes('--cpu-only');
if (!cpuOnly) {
// ── 1. three replicas behind nginx ───────────────────────────────────────────────────────────
// The load balancer knows six addresses from the start: the three replicas and the three that
// replace them (as a Service knows its endpoints); one not listening is skipped (connection
// refused → next), so the balancer is never reloaded mid-test.
const ports = [];
while (ports.length < 6) {
  const port = await freePort();
  if (!ports.includes(port)) ports.push(port);
}
let replicas = [0, 1, 2].map((i) => startGateway('serve', {}, ports[i]));
const urls = await Promise.all(replicas.map((r) => r.url));
await Promise.all(urls.map(waitReady));
replicas = replicas.map((r, i) => ({ ...r, resolved: urls[i] }));
writeNginx(ports.map((port) => `http://127.0.0.1:${port}`));
const nginx = spawn('/usr/sbin/nginx', ['-p', nginxDir, '-c', path.join(nginxDir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
children.add(nginx);
const balancer = `http://127.0.0.1:${nginxPort}`;
for (let i = 0; i < 100 && (await get(`${balancer}/`)).status !== 200; i++) await sleep(100);
log(`3 replicas (${urls.join(', ')}) behind nginx at ${balancer}`);

// ── 2. load, and a rolling restart under it ──────────────────────────────────────────────────
const counts = { requests: 0, errors: 0, samples: [] };
let loading = true;
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const workers = Array.from({ length: concurrency }, async () => {
  while (loading) {
    const answer = await get(`${balancer}/`, agent);
    counts.requests++;
    if (answer.status !== 200 || !answer.text.includes('<header>HEADER</header>')) {
      counts.errors++;
      if (counts.samples.length < 5) counts.samples.push(`${answer.status} ${answer.text.slice(0, 120)}`);
    }
  }
});
await sleep(short ? 1000 : 3000);
const restartStarted = performance.now();
for (let i = 0; i < 3; i++) {
  const next = startGateway('serve', {}, ports[3 + i]);
  const nextUrl = await next.url;
  await waitReady(nextUrl);
  const old = replicas[i];
  replicas[i] = { ...next, resolved: nextUrl };
  old.child.kill('SIGTERM');
  const code = await old.exited;
  if (code !== 0) failures.push(`replica ${old.resolved} exited with ${code} after SIGTERM`);
}
const restartSeconds = (performance.now() - restartStarted) / 1000;
await sleep(short ? 1000 : 3000);
loading = false;
await Promise.all(workers);
agent.destroy();
log(`rolling restart of 3 replicas under load (${concurrency} concurrent): ${counts.requests} requests, ${counts.errors} errors, ${restartSeconds.toFixed(1)} s (${retries.count} sent again after a keep-alive connection closed)`);
if (counts.errors) failures.push(`${counts.errors} failed requests during the rolling restart: ${counts.samples.join(' | ')}`);

// ── 3. metrics: promtool, and a real Prometheus scraping the replicas ────────────────────────
for (const replica of replicas) {
  const metrics = (await get(`${replica.resolved}/__mfe-dev/metrics`)).text;
  const checked = spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
  const problems = `${checked.stdout}${checked.stderr}`.split('\n').filter((l) => l && !/^nodejs_active_(handles|requests|resources)_total non-counter/.test(l));
  if (checked.error || problems.length || ![0, 3].includes(checked.status)) failures.push(`promtool on ${replica.resolved}: ${checked.error ?? problems.join('; ')}`);
  if (!/mfe_dev_fragment_duration_seconds_count\{fragment="header",mode="prod"\} \d+/.test(metrics)) failures.push(`${replica.resolved}: no fragment histogram`);
}
log('promtool check metrics: every replica passes');
if (fs.existsSync('/usr/bin/prometheus')) {
  const promDir = path.join(work, 'prometheus');
  fs.mkdirSync(promDir);
  const promPort = await freePort();
  fs.writeFileSync(
    path.join(promDir, 'prometheus.yml'),
    `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: mfe-dev\n    metrics_path: /__mfe-dev/metrics\n    static_configs:\n      - targets: [${replicas.map((r) => `'${new URL(r.resolved).host}'`).join(', ')}]\n`,
  );
  const prometheus = spawn('/usr/bin/prometheus', [`--config.file=${path.join(promDir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(promDir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: 'ignore' });
  children.add(prometheus);
  let up = [];
  for (let i = 0; i < 150; i++) {
    await sleep(200);
    const answer = await get(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent('sum by (instance) (mfe_dev_requests_total) and on (instance) up == 1')}`);
    if (answer.status === 200) up = JSON.parse(answer.text).data?.result ?? [];
    if (up.length === 3) break;
  }
  if (up.length !== 3) failures.push(`Prometheus scraped ${up.length} of 3 replicas`);
  else log('Prometheus scraped all 3 replicas (up == 1, mfe_dev_requests_total present)');
  prometheus.kill('SIGTERM');
}

// ── 4. a ConfigMap change reaches every replica ──────────────────────────────────────────────
const changed = performance.now();
writeVolume(configText('config-v2'));
const pickedUp = await Promise.all(
  replicas.map(async (replica) => {
    for (let i = 0; i < 800; i++) {
      if ((await get(`${replica.resolved}/__mfe-dev/api/state`)).text.includes('"config-v2"')) return performance.now() - changed;
      await sleep(25);
    }
    return Infinity;
  }),
);
if (!pickedUp.every(Number.isFinite)) failures.push('a replica did not pick up the ConfigMap change within 20 s');
log(`ConfigMap ..data swap picked up by every replica in ${Math.max(...pickedUp).toFixed(0)} ms (max of 3)`);
for (const replica of replicas) replica.child.kill('SIGKILL');
nginx.kill('SIGTERM');

}
if (cpuRounds > 0) {
// ── 5. CPU per page: serve vs dev, alternating ───────────────────────────────────────────────
const dev = startGateway('dev');
const serve = startGateway(process.env.CLUSTER_SERVE_AS_DEV ? 'dev' : 'serve', JSON.parse(process.env.CLUSTER_SERVE_ENV ?? '{}'));
const devUrl = await dev.url;
const serveUrl = await serve.url;
await Promise.all([waitReady(devUrl), waitReady(serveUrl)]);
async function burst(url, pid, pages) {
  const burstAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  let next = 0;
  const before = cpuSeconds(pid);
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next++ < pages) await get(`${url}/`, burstAgent);
    }),
  );
  burstAgent.destroy();
  return ((cpuSeconds(pid) - before) / pages) * 1e6;
}
await burst(devUrl, dev.child.pid, 200);
await burst(serveUrl, serve.child.pid, 200);
const ratios = [];
const perPage = { dev: [], serve: [] };
for (let round = 0; round < cpuRounds; round++) {
  const order = round % 2 === 0 ? ['dev', 'serve'] : ['serve', 'dev'];
  for (const which of order) perPage[which].push(which === 'dev' ? await burst(devUrl, dev.child.pid, cpuPages) : await burst(serveUrl, serve.child.pid, cpuPages));
  ratios.push(perPage.serve.at(-1) / perPage.dev.at(-1));
}
const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
log(
  `CPU per page (median of ${cpuRounds} alternating rounds of ${cpuPages} pages): dev ${median(perPage.dev).toFixed(0)} µs, serve ${median(perPage.serve).toFixed(0)} µs, ` +
    `serve/dev ${median(ratios).toFixed(3)} (${((median(ratios) - 1) * 100).toFixed(1)}%)`,
);
}

if (args.includes('--callgrind')) {
// ── 6. Instructions per page, serve vs dev, under callgrind (the same whatever the load) ──────
// Each gateway runs under `valgrind --tool=callgrind` with counting off while it warms up (the
// JIT compiles the hot path), then on for exactly `pages` GETs; all threads (JIT, GC) count.
const warmup = option('--cg-warmup', 400);
const pages = option('--cg-pages', 300);
const outDir = path.join(work, 'callgrind');
fs.mkdirSync(outDir);
const control = (pid, ...flags) => spawnSync('callgrind_control', [...flags, String(pid)], { stdio: 'ignore' });
const load = async (url, count) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  let next = 0;
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (next++ < count) {
      const { status } = await get(`${url}/`, agent);
      if (status !== 200) throw new Error(`${url}/: ${status}`);
    }
  }));
  agent.destroy();
};
const counted = {};
for (const which of ['dev', 'serve']) {
  const prefix = path.join(outDir, which);
  const gateway = startGateway(which, {}, 0, ['valgrind', '--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${prefix}.%p`]);
  const url = await gateway.url;
  await waitReady(url);
  await load(url, warmup);
  control(gateway.child.pid, '-i', 'on');
  // Switching instrumentation on drops translated code: a few pages to translate it again.
  await load(url, 20);
  control(gateway.child.pid, '-z');
  await load(url, pages);
  control(gateway.child.pid, '--dump');
  const dumps = fs.readdirSync(outDir).filter((f) => f.startsWith(`${which}.`) && /\.\d+\.\d+$/.test(f));
  const ir = Math.max(...dumps.map((f) => Number(/^summary:\s*(\d+)/m.exec(fs.readFileSync(path.join(outDir, f), 'utf8'))?.[1] ?? 0)));
  counted[which] = ir / pages;
  gateway.child.kill('SIGKILL');
  await gateway.exited;
}
log(`Instructions per page (callgrind, ${pages} pages after ${warmup}): dev ${(counted.dev / 1000).toFixed(0)}k, serve ${(counted.serve / 1000).toFixed(0)}k, serve/dev ${(counted.serve / counted.dev).toFixed(3)} (${((counted.serve / counted.dev - 1) * 100).toFixed(1)}%)`);
}

await cleanUp();
if (failures.length) {
  for (const failure of failures) log(`FAIL: ${failure}`);
  process.exit(1);
}
log('OK');
process.exit(0);

async function cleanUp() {
  for (const child of children) child.kill('SIGKILL');
  production.close();
  production.closeAllConnections();
  await sleep(200);
  fs.rmSync(work, { recursive: true, force: true });
}
