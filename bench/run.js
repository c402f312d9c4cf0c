#!/usr/bin/env node
/**
 * `npm run bench`: mfe-dev beside nginx with SSI on the same fixture and the same pages.
 *
 *   node bench/run.js [--duration S] [--rounds N] [--connections N] [--quick | --smoke] [--out DIR]
 *                     [--no-nginx] [--origin both|node|raw] [--profile [--page /page/ssi]]
 *
 * Every page is loaded from two origins (--origin): the production-like one (Node's `http` server
 * with real header sets) and the raw one (three headers, the cheapest possible origin); each has
 * its own mfe-dev and nginx. Every server runs in a process of its own: the fixture (production + fragments + local
 * service), mfe-dev (the library from dist/), nginx (one worker), and the load generator
 * (autocannon). CPU time and peak RSS of the server under test come from /proc.
 *
 *   (default)  5 s per row, 2 rounds, installs nginx-light if missing (as root), 50 MB page, 3 start-ups
 *   --quick    1 s per row, never installs nginx, no 50 MB page
 *   --smoke    30 pages per row (however long they take: a loaded machine still gives every row
 *              pages to check), no nginx, no 50 MB page, results in a temp folder (the test suite)
 *   --profile  only: mfe-dev under `node --cpu-prof` while loaded with the SSI page (or --page
 *              /page/esi, /page/precomposed, …); writes the .cpuprofile and profile.md to the
 *              results folder and prints the top functions
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startFixture, startMfeDev, startNodeProxy } from './children.js';
import { buildPages, fragmentToken, scriptAsset, SCRIPT_PATH } from './fixture-pages.js';
import { autocannonInChild, measuredLoad, stopLoadGenerator } from './load.js';
import { bigPage, expectedTokens, get, startup, timeToBytes, verifyComposed } from './measure.js';
import { ensureNginx, startNginx } from './nginx.js';
import { machine } from './proc.js';
import { profileMarkdown, summariseFile } from './profile.js';
import { footnotes, judge, loadProblems, markdown, ORIGINS, tables, targetLines } from './report.js';

/** A figure for the log; a row that served no page in its window (a loaded machine) has none. */
const fmt = (n, digits) => (typeof n === 'number' && Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string' },
    connections: { type: 'string', default: '10' },
    quick: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    out: { type: 'string' },
    'no-nginx': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    page: { type: 'string', default: '/page/ssi' },
    rounds: { type: 'string' },
    origin: { type: 'string', default: 'both' },
  },
});
if (!['both', 'raw', 'node'].includes(/** @type {string} */ (args.origin))) throw new Error('--origin takes raw, node or both');
/** The origins loaded in this run: the production-like one first (the targets are judged on it). */
const origins = ORIGINS.filter((o) => args.origin === 'both' || args.origin === o.id);
const mode = args.smoke ? 'smoke' : args.quick ? 'quick' : 'full';
const durationS = Number(args.duration ?? { smoke: 2, quick: 1, full: 5 }[mode]); // smoke: long enough to serve pages on a busy machine
const connections = Number(args.connections);
const warmupS = mode === 'smoke' ? 0 : Math.min(1, durationS / 2);
const ttfbSamples = { smoke: 2, quick: 7, full: 15 }[mode];
/** Smoke runs count pages, not seconds: a row that completed nothing would have nothing to check. */
const amount = mode === 'smoke' ? 30 : undefined;
const roundCount = Number(args.rounds ?? (mode === 'full' ? 2 : 1));
if (!(durationS > 0) || !(connections > 0) || !(roundCount >= 1)) throw new Error('--duration, --connections and --rounds take positive numbers');
/** @param {any[]} list @param {string} key */
const sum = (list, key) => list.reduce((total, item) => total + (item[key] ?? 0), 0);
const outDir = path.resolve(args.out ?? (mode === 'smoke' ? fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-bench-')) : fileURLToPath(new URL('./results/', import.meta.url))));
const log = (line) => process.stderr.write(`bench: ${line}\n`);
const run = crypto.randomBytes(4).toString('hex');
const machineInfo = machine();
const revision = (() => {
  try {
    const git = (...a) => execFileSync('git', a, { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no', '--', 'src') ? ' + uncommitted changes in src/' : ''}`;
  } catch {
    return 'unknown';
  }
})();

/** @type {(() => Promise<void>)[]} */
const cleanups = [];
const cleanup = async () => {
  for (const stop of cleanups.splice(0).reverse()) await stop().catch(() => undefined);
};
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

const pages = buildPages(run);
const fragmentsOf = (count, local = []) => ({ tokens: expectedTokens(run, count, local), absent: local.map((i) => fragmentToken(run, 'prod', i)) });

try {
  fs.mkdirSync(outDir, { recursive: true });
  cleanups.push(stopLoadGenerator);
  const fixture = await startFixture(run);
  cleanups.push(fixture.stop);
  log(`fixture: production ${fixture.production}, local service ${fixture.local} (pid ${fixture.pid})`);
  if (args.profile) await profile(fixture);
  else await bench(fixture);
} finally {
  await cleanup();
}

/** @param {Awaited<ReturnType<typeof startFixture>>} fixture */
async function bench(fixture) {
  const started = performance.now();
  const notes = [];
  let nginxVersion;
  let nginxNote = 'nginx: not in this run.';
  /** @type {string | undefined} */
  let nginxBin;
  if (mode === 'smoke' || args['no-nginx']) nginxNote = `nginx: skipped (${mode === 'smoke' ? 'smoke mode' : '--no-nginx'}).`;
  else {
    const found = ensureNginx({ install: mode === 'full', log });
    if ('skip' in found) nginxNote = `nginx: SKIPPED, ${found.skip}.`;
    else {
      nginxBin = found.bin;
      nginxVersion = found.version;
      nginxNote = `nginx ${found.version} with \`worker_processes 1\` (mfe-dev is one process; nginx's CPU and RSS are master + worker), \`ssi on\`, \`access_log off\`, proxy buffers that hold a page (\`proxy_buffers 8 64k\`), keep-alive to the origin (\`upstream { keepalive 32; }\`, HTTP/1.1) and to the client.`;
    }
  }
  log(nginxNote);

  /** @type {Scenario[]} */
  const scenarios = [];
  /** @type {[string, string][]} */
  const pairs = [];
  for (const origin of origins) {
    const upstream = origin.id === 'node' ? fixture.productionNode : fixture.production;
    const local = origin.id === 'node' ? fixture.localNode : fixture.local;
    // Smoke: fragments get 30 s, not 3 s (a machine at load 30 took longer on the 100-fragment page);
    // every response is still checked for every fragment's token, so a late fragment still fails.
    const mfe = await startMfeDev({ upstream, local, fragments: 10, ...(mode === 'smoke' && { fragmentTimeoutMs: 30_000 }) });
    cleanups.push(mfe.stop);
    log(`mfe-dev on the ${origin.name}: ${mfe.url} (pid ${mfe.pid})`);
    let nginx;
    if (nginxBin) {
      try {
        nginx = await startNginx({ bin: nginxBin, upstreamPort: Number(new URL(upstream).port) });
        cleanups.push(nginx.stop);
      } catch (error) {
        nginxNote = `nginx: SKIPPED, it did not start: ${/** @type {Error} */ (error).message.split('\n').slice(0, 3).join(' ')}`;
        nginxVersion = undefined;
        log(nginxNote);
      }
    }
    // The least a Node gateway does (bench/node-proxy.js): a reference for the pass-through rows and the first byte.
    const nodeProxy = mode === 'smoke' ? undefined : await startNodeProxy(upstream);
    if (nodeProxy) cleanups.push(nodeProxy.stop);
    const made = scenariosFor(origin, mfe, nginx, nodeProxy);
    scenarios.push(...made.scenarios);
    pairs.push(...made.pairs);
  }

  // Correctness first: a sample from every server and page, before any load.
  /** @type {Map<string, import('./report.js').Row>} */
  const rows = new Map();
  for (const s of scenarios) {
    const check = verifyComposed(await get(s.base + s.path, { headers: s.headers }), s.expect);
    rows.set(s.id, { id: s.id, origin: s.origin, page: s.page, server: s.server, check });
    log(`check ${s.id}: ${check.ok ? `ok (${check.bytes} bytes${check.identical ? `, byte-identical to ${s.path === SCRIPT_PATH ? "production's file" : 'the pre-composed page'}` : ''})` : 'FAILED: ' + check.problems.join('; ')}`);
  }

  // Load, one row after the other (mfe-dev and nginx alternate), each after its own warm-up; in
  // `rounds` rounds, every other one in reverse order. A row keeps its best round by pages/s
  // (others' work on the machine only ever slows a round down); all rounds go to latest.json.
  /** @type {Map<string, import('./load.js').MeasuredLoad[]>} */
  const rounds = new Map();
  for (let round = 0; round < roundCount; round++) {
    for (const s of round % 2 ? [...scenarios].reverse() : scenarios) {
      const url = s.base + s.path;
      if (round === 0 && warmupS > 0) await autocannonInChild({ url, connections, durationS: warmupS, headers: s.headers });
      const load = await measuredLoad({ url, connections, durationS, amount, headers: s.headers, serverPids: s.pids, fixturePid: fixture.pid });
      rounds.set(s.id, [...(rounds.get(s.id) ?? []), load]);
      const problems = loadProblems(load, /** @type {import('./report.js').Row} */ (rows.get(s.id)).check, { allowNone: mode === 'smoke' });
      log(`load ${s.id}${roundCount > 1 ? ` (round ${round + 1})` : ''}: ${fmt(load.pagesPerS, 0)} pages/s, p50 ${fmt(load.p50, 2)} ms, p99 ${fmt(load.p99, 2)} ms, ${fmt(load.cpuUsPerPage, 0)} µs CPU/page${problems.length ? ' — ' + problems.join('; ') : ''}`);
    }
  }
  for (const [id, loads] of rounds) {
    const row = /** @type {import('./report.js').Row} */ (rows.get(id));
    // Problems in any round count: the best round is shown, the worst problems are kept.
    const best = [...loads].sort((a, b) => b.pagesPerS - a.pagesPerS)[0];
    row.load = { ...best, non2xx: sum(loads, 'non2xx'), errors: sum(loads, 'errors'), timeouts: sum(loads, 'timeouts'), bytesPerResponse: Math.min(...loads.map((l) => l.bytesPerResponse)) };
    row.rounds = loads;
  }

  // Time to first and last byte with one fragment taking 100 ms (alternating between servers).
  const slow = scenarios.filter((s) => s.slow);
  const times = await timeToBytes(
    slow.map((s) => ({ name: s.id, url: s.base + s.slow, verify: s.verifySlow ?? ((response) => verifyComposed(response, s.expect)) })),
    ttfbSamples,
  );
  for (const s of slow) {
    const row = /** @type {import('./report.js').Row} */ (rows.get(s.id));
    row.ttfb = times[s.id];
    log(`ttfb ${s.id}: first byte ${fmt(times[s.id].ttfbMs, 2)} ms, last byte ${fmt(times[s.id].ttlbMs, 2)} ms`);
  }

  let big;
  if (mode === 'full') {
    // A fresh mfe-dev (one page served first, so loading code is not counted): the page's own
    // growth, not hidden by a heap that earlier load already grew.
    const fresh = await startMfeDev({ upstream: fixture.production, local: fixture.local, fragments: 10 });
    cleanups.push(fresh.stop);
    await get(fresh.url + '/page/ssi');
    big = await bigPage({ url: fresh.url, pid: fresh.pid, run });
    await fresh.stop();
    log(`50 MB page: peak RSS growth ${(big.growthBytes / 1048576).toFixed(1)} MB, ${big.mbPerS.toFixed(0)} MB/s${big.ok ? '' : ' — ' + big.problems.join('; ')}`);
  } else notes.push(`50 MB page: skipped (${mode} mode).`);

  const boot = await startup({ upstream: fixture.production, runs: { smoke: 1, quick: 2, full: 3 }[mode] });
  log(`start-up: ${boot.runsMs.map((t) => t.toFixed(0) + ' ms').join(', ')}`);

  const list = [...rows.values()];
  const correct = list.every((r) => r.check.ok && (!r.load || loadProblems(r.load, r.check, { allowNone: mode === 'smoke' }).length === 0) && (!r.ttfb || r.ttfb.ok)) && (!big || big.ok);
  const targets = judge({ rows: list, big, startup: boot, nginx: !!nginxVersion, origin: origins.some((o) => o.id === 'node') ? 'node' : 'raw' });
  const options = { mode, durationS, amount, rounds: roundCount, connections, warmupS, ttfbSamples };
  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const loadavgAfter = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const md = markdown({ revision, machine: machineInfo, nginxVersion, nginxNote, options, rows: list, pairs, big, startup: boot, targets, correct, date, notes, loadavgAfter, origins });

  process.stdout.write(`\n${tables(list, pairs, origins)}\n${footnotes(ttfbSamples).join('\n')}\n\n${nginxNote}\n`);
  if (big) process.stdout.write(`50 MB page through mfe-dev: peak RSS growth ${(big.growthBytes / 1048576).toFixed(1)} MB (${big.ok ? 'correct' : 'INCORRECT'})\n`);
  process.stdout.write(`start-up with a TS config: ${boot.runsMs.map((t) => t.toFixed(0) + ' ms').join(', ')}\n`);
  for (const note of notes) process.stdout.write(note + '\n');
  process.stdout.write(`\nTargets (mfe-dev vs nginx in this run, on the ${origins[0].name}):\n${targetLines(targets)}\n\ncorrectness: ${correct ? 'PASS' : 'FAIL'}\n`);

  const json = { date, revision, machine: { ...machineInfo, loadavgAfter }, nginx: nginxVersion ?? null, nginxNote, options, run, rows: list, pairs, big: big ?? null, startup: boot, targets, correct, seconds: (performance.now() - started) / 1000 };
  fs.writeFileSync(path.join(outDir, 'latest.json'), JSON.stringify(json, null, 2) + '\n');
  fs.writeFileSync(path.join(outDir, 'latest.md'), md);
  process.stdout.write(`results: ${path.join(outDir, 'latest.md')} and latest.json (${json.seconds.toFixed(0)} s)\n`);
  if (!correct) process.exitCode = 1;
}

/**
 * @typedef {{ id: string, origin: string, page: string, server: string, base: string, pids: number[], path: string, expect: any,
 *   headers?: Record<string, string>, slow?: string, verifySlow?: (response: { status: number, body: Buffer }) => { ok: boolean, problems: string[] } }} Scenario
 */

/**
 * The rows of one origin: mfe-dev's and nginx's, ids prefixed with the origin's (none for the raw
 * origin, `node:` for the production-like one).
 * @param {{ id: string, prefix: string }} origin @param {{ url: string, pid: number }} mfe
 * @param {Awaited<ReturnType<typeof startNginx>> | undefined} nginx
 * @param {{ url: string, pid: number } | undefined} nodeProxy
 * @returns {{ scenarios: Scenario[], pairs: [string, string][] }}
 */
function scenariosFor(origin, mfe, nginx, nodeProxy) {
  const m = { server: 'mfe-dev', base: mfe.url, pids: [mfe.pid] };
  const n = nginx && { server: 'nginx (ssi on)', base: nginx.ssiUrl, pids: nginx.pids };
  const np = nginx && { server: 'nginx (plain proxy)', base: nginx.plainUrl, pids: nginx.pids };
  const nodeP = nodeProxy && { server: 'Node http (minimal proxy)', base: nodeProxy.url, pids: [nodeProxy.pid] };
  // Its first byte is timed on the slow SSI page passed through as production sends it (markers and all).
  const asProduction = (response) => {
    const problems = response.status !== 200 ? [`HTTP ${response.status}`] : response.body.equals(pages['/page/ssi-slow']) ? [] : ["not production's page"];
    return { ok: problems.length === 0, problems };
  };
  const ten = { ...fragmentsOf(10), expected: pages['/page/precomposed'] };
  const hundred = { ...fragmentsOf(100), expected: pages['/page/precomposed-100'] };
  const script = { tokens: [], expected: scriptAsset(run) };
  const list = [
    { id: 'ssi/mfe-dev', page: 'SSI, 10 fragments', ...m, path: '/page/ssi', expect: ten, slow: '/page/ssi-slow' },
    n && { id: 'ssi/nginx', page: 'SSI, 10 fragments', ...n, path: '/page/ssi', expect: ten, slow: '/page/ssi-slow' },
    np && { id: 'precomposed/nginx', page: 'pre-composed', ...np, path: '/page/precomposed', expect: ten },
    nodeP && { id: 'precomposed/node-proxy', page: 'pre-composed', ...nodeP, path: '/page/precomposed', expect: ten, slow: '/page/ssi-slow', verifySlow: asProduction },
    { id: 'precomposed/mfe-dev', page: 'pre-composed', ...m, server: 'mfe-dev (pass-through)', path: '/page/precomposed', expect: ten },
    // The same page read for SSI commands, as mfe-dev reads it for includes (for comparison; the target is on the plain proxy).
    n && { id: 'precomposed-ssi/nginx', page: 'pre-composed', ...n, path: '/page/precomposed', expect: ten },
    np && { id: 'script/nginx', page: 'script, 30 KB', ...np, path: SCRIPT_PATH, expect: script },
    nodeP && { id: 'script/node-proxy', page: 'script, 30 KB', ...nodeP, path: SCRIPT_PATH, expect: script },
    { id: 'script/mfe-dev', page: 'script, 30 KB', ...m, server: 'mfe-dev (pass-through)', path: SCRIPT_PATH, expect: script },
    { id: 'esi/mfe-dev', page: 'ESI, 10 fragments', ...m, path: '/page/esi', expect: ten, slow: '/page/esi-slow' },
    { id: 'tailor/mfe-dev', page: 'Tailor, 10 fragments', ...m, path: '/page/tailor', expect: ten, slow: '/page/tailor-slow' },
    { id: 'ssi-local/mfe-dev', page: 'SSI, f0 local', ...m, path: '/page/ssi', expect: fragmentsOf(10, [0]), headers: { 'x-mfe-dev': 'f0=local' } },
    { id: 'ssi-100/mfe-dev', page: 'SSI, 100 fragments', ...m, path: '/page/ssi-100', expect: hundred },
    n && { id: 'ssi-100/nginx', page: 'SSI, 100 fragments', ...n, path: '/page/ssi-100', expect: hundred },
  ];
  // The test suite's smoke run loads the production-like origin with the pages the targets are on only.
  const kept = list.filter((s) => !!s && (mode !== 'smoke' || origin.id !== 'node' || /^(ssi|precomposed|script)\//.test(s.id)));
  const scenarios = /** @type {Scenario[]} */ (kept.map((s) => ({ ...s, id: origin.prefix + s.id, origin: origin.id })));
  /** @type {[string, string][]} */
  const pairs = ['ssi', 'precomposed', 'script', 'ssi-100'].map((page) => [`${origin.prefix}${page}/mfe-dev`, `${origin.prefix}${page}/nginx`]);
  pairs.push([`${origin.prefix}precomposed/mfe-dev`, `${origin.prefix}precomposed-ssi/nginx`]);
  pairs.push([`${origin.prefix}precomposed/mfe-dev`, `${origin.prefix}precomposed/node-proxy`], [`${origin.prefix}script/mfe-dev`, `${origin.prefix}script/node-proxy`]);
  return { scenarios, pairs };
}

/** mfe-dev under --cpu-prof while loaded with the SSI page. @param {Awaited<ReturnType<typeof startFixture>>} fixture */
async function profile(fixture) {
  const name = `mfe-dev-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`;
  const node = origins[0].id === 'node';
  log(`profiling on the ${origins[0].name}`);
  const mfe = await startMfeDev({
    upstream: node ? fixture.productionNode : fixture.production,
    local: node ? fixture.localNode : fixture.local,
    fragments: 10,
    execArgv: ['--cpu-prof', '--cpu-prof-dir', outDir, '--cpu-prof-name', name],
  });
  cleanups.push(mfe.stop);
  const page = /** @type {string} */ (args.page);
  const url = mfe.url + page;
  const hundred = page.endsWith('-100');
  const check = verifyComposed(await get(url), { ...fragmentsOf(hundred ? 100 : 10), expected: pages[hundred ? '/page/precomposed-100' : '/page/precomposed'] });
  if (!check.ok) throw new Error(`mfe-dev's ${page} is wrong: ${check.problems.join('; ')}`);
  if (warmupS > 0) await autocannonInChild({ url, connections, durationS: warmupS });
  const load = await measuredLoad({ url, connections, durationS, serverPids: [mfe.pid], fixturePid: fixture.pid });
  await mfe.stop();
  const file = path.join(outDir, name);
  const summary = summariseFile(file, 15);
  const title = `mfe-dev under load: ${page}, ${connections} connections, ${durationS} s (${load.pagesPerS.toFixed(0)} pages/s, ${load.cpuUsPerPage.toFixed(0)} µs CPU/page, with the profiler on)`;
  const md = profileMarkdown(summary, title);
  fs.writeFileSync(path.join(outDir, 'profile.md'), md);
  process.stdout.write(`\n${md}\nprofile: ${file}\nsummary: ${path.join(outDir, 'profile.md')}\n`);
}
