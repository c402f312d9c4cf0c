/**
 * Summarise a V8 .cpuprofile (from `node --cpu-prof`): self time per function (functionName +
 * url + line), and per file/package, from the samples and their time deltas.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));

/**
 * @typedef {{ id: number, callFrame: { functionName: string, url: string, lineNumber: number, columnNumber: number }, hitCount?: number, children?: number[] }} ProfileNode
 * @typedef {{ nodes: ProfileNode[], startTime: number, endTime: number, samples?: number[], timeDeltas?: number[] }} CpuProfile
 */

/** Where a function lives, shortened: `dist/compose/scan-core.js`, `node_modules/express/…`, `node:internal/…`. */
export function shortUrl(url) {
  if (!url) return '';
  let file = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (file.startsWith(REPO)) file = path.relative(REPO, file);
  return file;
}

/** Which package or part a file belongs to (for the per-area totals). */
function area(file) {
  if (!file) return '(native / V8)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (nm) return nm[1];
  if (file.startsWith('node:')) return 'node internals';
  if (file.startsWith('dist/')) {
    const sub = path.dirname(file).replace(/^dist\/?/, '');
    return sub ? `mfe-dev ${sub}/` : 'mfe-dev';
  }
  return file;
}

/**
 * @param {CpuProfile} profile
 * @param {number} top
 */
export function summarise(profile, top = 15) {
  /** @type {Map<number, ProfileNode>} */
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  /** @type {Map<number, number>} µs of self time per node */
  const self = new Map();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    // A sample's time is the delta to the next sample (the last one gets the profile's end).
    const dt = i + 1 < deltas.length ? deltas[i + 1] : 0;
    self.set(samples[i], (self.get(samples[i]) ?? 0) + Math.max(0, dt));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  /** @type {Map<string, { name: string, url: string, line: number, us: number }>} */
  const byFunction = new Map();
  /** @type {Map<string, number>} */
  const byArea = new Map();
  for (const [id, us] of self) {
    const frame = /** @type {ProfileNode} */ (nodes.get(id)).callFrame;
    const url = shortUrl(frame.url);
    const name = frame.functionName || '(anonymous)';
    const key = `${name}\u0000${url}\u0000${frame.lineNumber}`;
    const entry = byFunction.get(key) ?? { name, url, line: frame.lineNumber + 1, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
    const where = ['(idle)', '(program)', '(garbage collector)'].includes(name) ? name : area(url);
    byArea.set(where, (byArea.get(where) ?? 0) + us);
  }
  const idle = [...byFunction.values()].filter((f) => f.name === '(idle)').reduce((a, f) => a + f.us, 0);
  const busy = total - idle;
  const functions = [...byFunction.values()]
    .filter((f) => f.name !== '(idle)')
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((f) => ({ ...f, ms: f.us / 1000, pctOfBusy: (100 * f.us) / busy }));
  const areas = [...byArea.entries()]
    .filter(([name]) => name !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .map(([name, us]) => ({ name, ms: us / 1000, pctOfBusy: (100 * us) / busy }));
  return { totalMs: total / 1000, busyMs: busy / 1000, idleMs: idle / 1000, functions, areas };
}

/** @param {ReturnType<typeof summarise>} s */
export function profileMarkdown(s, title) {
  const lines = [
    `### ${title}`,
    '',
    `Profiled ${s.totalMs.toFixed(0)} ms, busy ${s.busyMs.toFixed(0)} ms (idle ${s.idleMs.toFixed(0)} ms). Self time, top ${s.functions.length}:`,
    '',
    '| # | self ms | % of busy | function | where |',
    '| ---: | ---: | ---: | --- | --- |',
    ...s.functions.map((f, i) => `| ${i + 1} | ${f.ms.toFixed(1)} | ${f.pctOfBusy.toFixed(1)} | \`${f.name}\` | ${f.url ? `${f.url}:${f.line}` : ''} |`),
    '',
    'Self time by area:',
    '',
    '| area | self ms | % of busy |',
    '| --- | ---: | ---: |',
    ...s.areas.slice(0, 20).map((a) => `| ${a.name} | ${a.ms.toFixed(1)} | ${a.pctOfBusy.toFixed(1)} |`),
  ];
  return lines.join('\n') + '\n';
}

/** @param {string} file */
export function summariseFile(file, top = 15) {
  return summarise(/** @type {CpuProfile} */ (JSON.parse(fs.readFileSync(file, 'utf8'))), top);
}
