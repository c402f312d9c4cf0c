/**
 * One load run: autocannon in a child process against one URL for a fixed time, with the CPU
 * time and peak RSS of the server's processes read from /proc before and after.
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { peakRss, resetPeak, totalCpuSeconds } from './proc.js';

const LOAD_CHILD = fileURLToPath(new URL('./load-child.js', import.meta.url));

/**
 * @typedef {object} LoadResult
 * @property {number} requests
 * @property {number} ok 2xx responses
 * @property {number} non2xx
 * @property {number} errors
 * @property {number} timeouts
 * @property {number} bytes bytes received (headers included)
 * @property {number} durationS
 * @property {number} elapsedS wall time measured by the child
 * @property {number} p50 ms
 * @property {number} p90 ms
 * @property {number} p99 ms
 * @property {number} max ms
 * @property {number} mean ms
 * @property {Record<string, number>} statuses
 */

/** @type {{ child: import('node:child_process').ChildProcess, ready: Promise<void>, stderr: string } | undefined} */
let generator;

/** The load generator's process, started on first use and kept for the whole bench. */
function loadGenerator() {
  if (generator && generator.child.connected) return generator;
  const child = fork(LOAD_CHILD, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const g = { child, stderr: '', ready: /** @type {Promise<void>} */ (new Promise((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`load generator exited (${code}): ${g.stderr.trim()}`)));
  })) };
  child.stderr?.on('data', (chunk) => (g.stderr += chunk));
  return (generator = g);
}

/** Stop the load generator's process (the bench calls this at the end). */
export async function stopLoadGenerator() {
  const g = generator;
  generator = undefined;
  if (!g || g.child.exitCode !== null) return;
  const exited = new Promise((resolve) => g.child.once('exit', resolve));
  if (g.child.connected) g.child.send('exit');
  else g.child.kill();
  await exited;
}

/**
 * Run autocannon in the load generator's process; resolves with its result.
 * @param {{ url: string, connections: number, durationS: number, amount?: number, headers?: Record<string, string> }} options
 * @returns {Promise<LoadResult>}
 */
export async function autocannonInChild(options) {
  const g = loadGenerator();
  await g.ready;
  return new Promise((resolve, reject) => {
    const onExit = (code) => reject(new Error(`load generator exited (${code}) during a run: ${g.stderr.trim()}`));
    const limit = setTimeout(() => g.child.kill('SIGKILL'), (options.durationS + 30) * 1000);
    g.child.once('exit', onExit);
    g.child.once('message', (/** @type {any} */ result) => {
      clearTimeout(limit);
      g.child.off('exit', onExit);
      if (result && !result.error) resolve(result);
      else reject(new Error(`load generator failed: ${result?.error}`));
    });
    g.child.send(options);
  });
}

/**
 * @typedef {LoadResult & {
 *   pagesPerS: number, cpuUsPerPage: number, peakRssBytes: number, peakReset: boolean,
 *   fixtureCpuUsPerPage: number, bytesPerResponse: number, cpuUtilisation: number
 * }} MeasuredLoad
 */

/**
 * A measured run: CPU and peak RSS of `serverPids` (summed) over the run, divided per 2xx page.
 * @param {{ url: string, connections: number, durationS: number, amount?: number, headers?: Record<string, string>,
 *   serverPids: number[], fixturePid: number }} options
 * @returns {Promise<MeasuredLoad>}
 */
export async function measuredLoad({ serverPids, fixturePid, ...options }) {
  const peakReset = resetPeak(serverPids);
  const cpuBefore = totalCpuSeconds(serverPids);
  const fixtureBefore = totalCpuSeconds([fixturePid]);
  const load = await autocannonInChild(options);
  const cpu = totalCpuSeconds(serverPids) - cpuBefore;
  const fixtureCpu = totalCpuSeconds([fixturePid]) - fixtureBefore;
  const durationS = typeof load.durationS === 'number' && load.durationS > 0 ? load.durationS : load.elapsedS;
  const pages = Math.max(1, load.ok);
  return {
    ...load,
    durationS,
    pagesPerS: load.ok / durationS,
    cpuUsPerPage: (cpu / pages) * 1e6,
    cpuUtilisation: cpu / durationS,
    fixtureCpuUsPerPage: (fixtureCpu / pages) * 1e6,
    peakRssBytes: peakRss(serverPids),
    peakReset,
    bytesPerResponse: load.requests > 0 ? load.bytes / load.requests : 0,
  };
}

/**
 * GET `url` `count` times, `concurrency` at a time on kept-alive connections, in this process
 * (for runs that count the server's work per page, not a load generator's); every answer must
 * be a 200.
 * @param {string} url @param {number} count @param {number} concurrency
 */
export async function getMany(url, count, concurrency) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  const one = () =>
    new Promise((resolve, reject) => {
      http
        .get(url, { agent }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve(undefined) : reject(new Error(`${url}: ${res.statusCode}`))));
        })
        .on('error', reject);
    });
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next++ < count) await one();
      }),
    );
  } finally {
    agent.destroy();
  }
}
