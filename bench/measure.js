/**
 * Measurements that are not throughput: the correctness check of a composed response, time to
 * first and last byte with a slow fragment, the 50 MB page's memory, and start-up time.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIG_PAGE, bigPageComposedBytes, fragmentToken } from './fixture-pages.js';
import { memory, resetPeak } from './proc.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));

/**
 * GET a URL; times are from the request's start to the first body byte and to the end.
 * @param {string} url
 * @param {{ agent?: http.Agent, headers?: Record<string, string>, onData?: (chunk: Buffer, res: http.IncomingMessage) => void, keepBody?: boolean }} [options]
 * @returns {Promise<{ status: number, headers: http.IncomingHttpHeaders, body: Buffer, length: number, ttfbMs: number, ttlbMs: number }>}
 */
export function get(url, { agent, headers, onData, keepBody = true } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let ttfbMs = NaN;
    const request = http.get(url, { agent, headers }, (res) => {
      /** @type {Buffer[]} */
      const chunks = [];
      let length = 0;
      res.on('data', (chunk) => {
        if (Number.isNaN(ttfbMs)) ttfbMs = performance.now() - started;
        length += chunk.length;
        if (keepBody) chunks.push(chunk);
        onData?.(chunk, res);
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), length, ttfbMs, ttlbMs: performance.now() - started }),
      );
      res.on('error', reject);
    });
    request.on('error', reject);
    request.setTimeout(30_000, () => request.destroy(new Error(`no answer from ${url} in 30 s`)));
  });
}

/** Tokens a page composed from production's fragments 0..n-1 carries (`local`: those from the local service). */
export function expectedTokens(run, count, local = []) {
  return Array.from({ length: count }, (_, i) => fragmentToken(run, local.includes(i) ? 'local' : 'prod', i));
}

const LEFTOVERS = ['<!--#include', '<esi:include', '<fragment ', '[an error occurred', 'data-mfe-dev-error', 'mfe-dev:'];

/**
 * Does this response carry every fragment (each token exactly once), no include left over, no
 * error? `identical` says whether it is byte for byte the expected composition.
 * @param {{ status: number, body: Buffer }} response
 * @param {{ tokens: string[], absent?: string[], expected?: Buffer }} expectation
 */
export function verifyComposed(response, { tokens, absent = [], expected }) {
  const text = response.body.toString('latin1');
  const problems = [];
  if (response.status !== 200) problems.push(`HTTP ${response.status}`);
  for (const token of tokens) {
    const first = text.indexOf(token);
    if (first < 0) problems.push(`missing ${token}`);
    else if (text.indexOf(token, first + 1) >= 0) problems.push(`${token} twice`);
  }
  for (const token of absent) if (text.includes(token)) problems.push(`unexpected ${token}`);
  for (const leftover of LEFTOVERS) if (text.includes(leftover)) problems.push(`contains "${leftover}"`);
  const identical = expected ? response.body.equals(expected) : undefined;
  return { ok: problems.length === 0, problems, identical, bytes: response.body.length };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : NaN;
};

/**
 * Time to first and last byte of a page with a 100 ms fragment, `samples` times per target,
 * alternating between targets (one keep-alive connection each, like a browser).
 * @param {{ name: string, url: string, verify: (response: { status: number, body: Buffer }) => { ok: boolean, problems: string[] } }[]} targets
 * @param {number} samples
 */
export async function timeToBytes(targets, samples) {
  const agents = targets.map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  /** @type {Record<string, { ttfb: number[], ttlb: number[], problems: string[] }>} */
  const out = Object.fromEntries(targets.map((t) => [t.name, { ttfb: [], ttlb: [], problems: [] }]));
  for (let round = -1; round < samples; round++) {
    for (const [i, target] of targets.entries()) {
      const response = await get(target.url, { agent: agents[i] });
      const check = target.verify(response);
      if (!check.ok) out[target.name].problems.push(...check.problems);
      if (round < 0) continue; // the first one opens the connections
      out[target.name].ttfb.push(response.ttfbMs);
      out[target.name].ttlb.push(response.ttlbMs);
    }
  }
  for (const agent of agents) agent.destroy();
  return Object.fromEntries(
    Object.entries(out).map(([name, r]) => [name, { ttfbMs: median(r.ttfb), ttlbMs: median(r.ttlb), ttfbMaxMs: Math.max(...r.ttfb), samples: r.ttfb.length, ok: r.problems.length === 0, problems: [...new Set(r.problems)] }]),
  );
}

/**
 * The 50 MB page through the gateway: peak RSS growth of its process while the client reads,
 * pausing 250 ms after every 10 MB so the gateway must hold production back (backpressure).
 * @param {{ url: string, pid: number, run: string }} options
 */
export async function bigPage({ url, pid, run }) {
  resetPeak([pid]);
  const before = memory(pid).rss;
  const tokens = expectedTokens(run, BIG_PAGE.fragments.length);
  const found = new Set();
  let tail = '';
  let nextPause = 10 * 1024 * 1024;
  let received = 0;
  let paused = 0;
  const response = await get(url + BIG_PAGE.path, {
    keepBody: false,
    onData(chunk, res) {
      received += chunk.length;
      const text = tail + chunk.toString('latin1');
      for (const token of tokens) if (text.includes(token)) found.add(token);
      tail = text.slice(-64);
      if (received >= nextPause) {
        nextPause += 10 * 1024 * 1024;
        res.pause();
        paused += 250;
        setTimeout(() => res.resume(), 250);
      }
    },
  });
  const after = memory(pid);
  const expectedBytes = bigPageComposedBytes();
  const problems = [];
  if (response.status !== 200) problems.push(`HTTP ${response.status}`);
  if (response.length !== expectedBytes) problems.push(`${response.length} bytes, expected ${expectedBytes}`);
  for (const token of tokens) if (!found.has(token)) problems.push(`missing ${token}`);
  return {
    bytes: response.length,
    seconds: response.ttlbMs / 1000,
    mbPerS: response.length / 1048576 / ((response.ttlbMs - paused) / 1000),
    rssBeforeBytes: before,
    peakRssBytes: after.peak,
    growthBytes: after.peak - before,
    ok: problems.length === 0,
    problems,
  };
}

/**
 * Start-up: spawn the CLI with a TypeScript config (which imports `mfe-dev` and a sibling .ts
 * file) and time until the line with the URL appears. `runs` times; the first run is cold.
 * @param {{ upstream: string, runs: number }} options
 */
export async function startup({ upstream, runs }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-bench-startup-'));
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(REPO, path.join(dir, 'node_modules', 'mfe-dev'), 'dir');
  // An ESM project: mfe-dev's package.json exports only an `import` condition, so a config that
  // tsx loads as CommonJS could not import 'mfe-dev'.
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "name": "bench-project", "private": true, "type": "module" }\n');
  fs.writeFileSync(
    path.join(dir, 'fragments.ts'),
    `export const fragments: Record<string, { src: string; local?: string }> = {\n` +
      Array.from({ length: 10 }, (_, i) => `  f${i}: { src: '/fragments/f${i}', local: 'http://127.0.0.1:3999' },\n`).join('') +
      `};\n`,
  );
  const configFile = path.join(dir, 'mfe-dev.config.ts');
  fs.writeFileSync(
    configFile,
    `import { defineConfig } from 'mfe-dev';\nimport { fragments } from './fragments';\n\nexport default defineConfig({\n  upstream: '${upstream}',\n  fragments,\n  local: ['f0'],\n});\n`,
  );
  const times = [];
  try {
    for (let i = 0; i < runs; i++) times.push(await startOnce(configFile, dir));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { runsMs: times, medianMs: median(times), firstMs: times[0] };
}

/** @param {string} configFile @param {string} cwd */
function startOnce(configFile, cwd) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [path.join(REPO, 'bin', 'mfe-dev.js'), '--config', configFile, '--port', '0'], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let elapsed = NaN;
    const onData = (chunk) => {
      out += chunk;
      if (Number.isNaN(elapsed) && /http:\/\/127\.0\.0\.1:\d+/.test(out)) {
        elapsed = performance.now() - started;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const limit = setTimeout(() => child.kill('SIGKILL'), 60_000); // a loaded machine starts slowly; the figure says so
    child.on('exit', () => {
      clearTimeout(limit);
      if (Number.isNaN(elapsed)) reject(new Error(`mfe-dev did not print its URL:\n${out}`));
      else resolve(elapsed);
    });
  });
}
