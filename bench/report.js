/**
 * The bench's output: the table (markdown, printed and written), the targets with PASS/MISS,
 * and results/latest.json.
 */

/**
 * @typedef {import('./load.js').MeasuredLoad} MeasuredLoad
 * @typedef {{ ok: boolean, identical?: boolean, problems: string[], bytes?: number }} Check
 * @typedef {{ id: string, origin?: string, page: string, server: string, load?: MeasuredLoad, rounds?: MeasuredLoad[], check: Check,
 *   ttfb?: { ttfbMs: number, ttlbMs: number, ok: boolean, problems: string[] } }} Row
 * @typedef {{ name: string, status: 'PASS' | 'MISS' | 'SKIP', value: string, target: string }} Target
 */

const fixed = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
const ms = (n) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(2) : n.toFixed(1)) : '–');
const mb = (bytes) => (Number.isFinite(bytes) ? (bytes / 1048576).toFixed(0) : '–');
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : '–');

/**
 * The origins a run loads, the production-like one first (the targets are judged on it): row ids
 * carry the prefix.
 */
export const ORIGINS = [
  { id: 'node', prefix: 'node:', name: "production-like origin (Node's http server, real header sets)" },
  { id: 'raw', prefix: '', name: 'raw origin (three headers per response)' },
];

export const TABLE_HEADER = '| page | server | pages/s | p50 ms | p99 ms | CPU µs/page | CPU use | TTFB ms ¹ | TTLB ms ¹ | peak RSS MB | origin µs/page ² | check |';

/** @param {Row} row */
function checkCell(row) {
  if (!row.check.ok) return `FAIL: ${row.check.problems.slice(0, 2).join('; ')}`;
  const load = row.load;
  const problems = load ? loadProblems(load, row.check) : [];
  if (problems.length) return `FAIL: ${problems.join('; ')}`;
  if (row.ttfb && !row.ttfb.ok) return `FAIL: ${row.ttfb.problems.slice(0, 2).join('; ')}`;
  return row.check.identical ? 'ok, byte-identical' : 'ok, all fragments';
}

/**
 * What went wrong during load (non-2xx, errors, responses shorter than a correct page). With
 * `allowNone` (smoke mode: a short window on a possibly busy machine) a row that completed no
 * response in its window is not a failure; its correctness was checked before the load.
 */
export function loadProblems(load, check, { allowNone = false } = {}) {
  const problems = [];
  if (load.non2xx) problems.push(`${load.non2xx} non-2xx`);
  if (load.errors) problems.push(`${load.errors} errors`);
  if (load.timeouts) problems.push(`${load.timeouts} timeouts`);
  if (load.ok === 0) {
    if (!allowNone) problems.push('no responses');
    return problems;
  }
  if (check.bytes && load.bytesPerResponse < check.bytes) problems.push(`${fixed(load.bytesPerResponse)} B/response < ${check.bytes} B page`);
  return problems;
}

/** @param {Row} row */
function rowCells(row) {
  const l = row.load;
  return [
    row.page,
    row.server,
    l ? fixed(l.pagesPerS) : '–',
    l ? ms(l.p50) : '–',
    l ? ms(l.p99) : '–',
    l ? fixed(l.cpuUsPerPage) : '–',
    l ? `${fixed(l.cpuUtilisation * 100)}%` : '–',
    row.ttfb ? ms(row.ttfb.ttfbMs) : '–',
    row.ttfb ? ms(row.ttfb.ttlbMs) : '–',
    l ? mb(l.peakRssBytes) : '–',
    l ? fixed(l.fixtureCpuUsPerPage) : '–',
    checkCell(row),
  ];
}

/** @param {Row} a mfe-dev @param {Row} b nginx */
function ratioCells(a, b) {
  const [x, y] = [a.load, b.load];
  const ttfb =
    a.ttfb && b.ttfb ? `${ratio(a.ttfb.ttfbMs, b.ttfb.ttfbMs)} (${a.ttfb.ttfbMs >= b.ttfb.ttfbMs ? '+' : ''}${ms(a.ttfb.ttfbMs - b.ttfb.ttfbMs)})` : '–';
  return [
    a.page,
    `**mfe-dev ÷ ${b.server}**`,
    x && y ? ratio(x.pagesPerS, y.pagesPerS) : '–',
    x && y ? ratio(x.p50, y.p50) : '–',
    x && y ? ratio(x.p99, y.p99) : '–',
    x && y ? ratio(x.cpuUsPerPage, y.cpuUsPerPage) : '–',
    '',
    ttfb,
    a.ttfb && b.ttfb ? ratio(a.ttfb.ttlbMs, b.ttfb.ttlbMs) : '–',
    x && y ? ratio(x.peakRssBytes, y.peakRssBytes) : '–',
    '',
    '',
  ];
}

/**
 * @param {Row[]} rows in order
 * @param {[string, string][]} pairs [mfe-dev row id, nginx row id]: a ratio line after the later one
 */
export function table(rows, pairs) {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const lines = [TABLE_HEADER, `|${' --- |'.repeat(12)}`];
  for (const row of rows) {
    lines.push(`| ${rowCells(row).join(' | ')} |`);
    for (const [a, b] of pairs) {
      const [ra, rb] = [byId.get(a), byId.get(b)];
      // The ratio line follows whichever of the two rows comes later.
      if (ra && rb && row === (rows.indexOf(ra) > rows.indexOf(rb) ? ra : rb)) lines.push(`| ${ratioCells(ra, rb).join(' | ')} |`);
    }
  }
  return lines.join('\n');
}

/**
 * One table per origin, each under a line naming it.
 * @param {Row[]} rows @param {[string, string][]} pairs @param {{ id: string, name: string }[]} origins
 */
export function tables(rows, pairs, origins) {
  return origins
    .map((o) => `${origins.length > 1 ? `**${o.name[0].toUpperCase()}${o.name.slice(1)}**\n\n` : ''}${table(rows.filter((r) => (r.origin ?? 'raw') === o.id), pairs)}`)
    .join('\n\n');
}

/**
 * The targets of the issue (issue 18), judged on this run's numbers on the production-like origin
 * (the raw one when only it ran).
 * @param {{ rows: Row[], big?: { growthBytes: number, ok: boolean }, startup?: { medianMs: number, runsMs: number[] }, nginx: boolean, origin?: string }} r
 * @returns {Target[]}
 */
export function judge({ rows, big, startup, nginx, origin = 'node' }) {
  const prefix = ORIGINS.find((o) => o.id === origin)?.prefix ?? '';
  const row = (id) => rows.find((x) => x.id === prefix + id);
  const [m, n, mp, np] = [row('ssi/mfe-dev'), row('ssi/nginx'), row('precomposed/mfe-dev'), row('precomposed/nginx')];
  // The minimal Node proxy's figures, beside the verdicts they explain (no target is judged on them).
  const nodeProxy = row('precomposed/node-proxy');
  const besideNode = (value, b, show) => (Number.isFinite(value) && Number.isFinite(b) ? `; Node's minimal proxy ${show(value, b)}` : '');
  /** @type {Target[]} */
  const out = [];
  const compare = (name, target, a, b, pass, show) => {
    if (!nginx || a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b)) out.push({ name, target, status: 'SKIP', value: 'no nginx in this run' });
    else out.push({ name, target, status: pass(a, b) ? 'PASS' : 'MISS', value: show(a, b) });
  };
  const r = (a, b) => `${(a / b).toFixed(2)}× (${fixed(a, a < 10 ? 2 : 0)} vs ${fixed(b, b < 10 ? 2 : 0)})`;
  compare('CPU per composed page (SSI)', '≤ 2.5× nginx (aim 2×)', m?.load?.cpuUsPerPage, n?.load?.cpuUsPerPage, (a, b) => a <= 2.5 * b, r);
  compare('pages/s (SSI)', '≥ 0.45× nginx', m?.load?.pagesPerS, n?.load?.pagesPerS, (a, b) => a >= 0.45 * b, r);
  compare('p99 latency (SSI)', '≤ 2.5× nginx', m?.load?.p99, n?.load?.p99, (a, b) => a <= 2.5 * b, r);
  const plusMs = (a, b) => `${a >= b ? '+' : ''}${ms(a - b)} ms`;
  compare('TTFB with a 100 ms fragment', '≤ nginx + 2 ms', m?.ttfb?.ttfbMs, n?.ttfb?.ttfbMs, (a, b) => a <= b + 2, (a, b) =>
    `${ms(a)} ms vs ${ms(b)} ms (${plusMs(a, b)})${besideNode(nodeProxy?.ttfb?.ttfbMs, b, (x, y) => `${ms(x)} ms (${plusMs(x, y)}), passing the page on`)}`);
  compare('CPU per passed-through page (pre-composed)', '≤ 5× nginx plain proxy', mp?.load?.cpuUsPerPage, np?.load?.cpuUsPerPage, (a, b) => a <= 5 * b, (a, b) =>
    `${r(a, b)}${besideNode(nodeProxy?.load?.cpuUsPerPage, b, (x, y) => `${(x / y).toFixed(2)}× (${fixed(x)})`)}`);
  compare('passed-through pages/s (pre-composed)', '≥ 0.35× nginx plain proxy', mp?.load?.pagesPerS, np?.load?.pagesPerS, (a, b) => a >= 0.35 * b, r);
  const peak = Math.max(...rows.filter((x) => x.id.startsWith(prefix) && x.server.startsWith('mfe-dev') && x.load).map((x) => /** @type {MeasuredLoad} */ (x.load).peakRssBytes));
  if (!Number.isFinite(peak)) out.push({ name: 'peak RSS under the bench\'s load', target: '≤ 120 MB', status: 'SKIP', value: 'no load' });
  else out.push({ name: 'peak RSS under the bench\'s load', target: '≤ 120 MB', status: peak <= 120 * 1048576 ? 'PASS' : 'MISS', value: `${mb(peak)} MB (largest of mfe-dev's rows)` });
  if (!big) out.push({ name: '50 MB page: peak RSS growth', target: '< 64 MB', status: 'SKIP', value: 'skipped in this mode' });
  else out.push({ name: '50 MB page: peak RSS growth', target: '< 64 MB', status: big.ok && big.growthBytes < 64 * 1048576 ? 'PASS' : 'MISS', value: `${(big.growthBytes / 1048576).toFixed(1)} MB${big.ok ? '' : ' (response incorrect)'}` });
  if (!startup) out.push({ name: 'start-up with a TS config', target: '< 1 s', status: 'SKIP', value: 'skipped' });
  else out.push({ name: 'start-up with a TS config', target: '< 1 s (aim: 300 ms)', status: startup.medianMs < 1000 ? 'PASS' : 'MISS', value: `${fixed(startup.medianMs)} ms median (${startup.runsMs.map((t) => fixed(t)).join(', ')})` });
  return out;
}

/** What ¹ and ² in the table mean. @param {number} ttfbSamples */
export function footnotes(ttfbSamples) {
  return [
    `¹ Page whose 6th of 10 fragments takes 100 ms, median of ${ttfbSamples} requests on a kept-alive connection; TTFB is the first body byte. Node's minimal proxy (bench/node-proxy.js) passes that page on uncomposed: its first byte is what a Node process between browser and production costs, its last byte does not wait for the fragments.`,
    '² CPU the fixture (production + fragments, a Node process of its own) spent per page: the same work for every gateway.',
  ];
}

/** @param {Target[]} targets */
export function targetLines(targets) {
  const width = Math.max(...targets.map((t) => t.name.length));
  return targets.map((t) => `${t.status.padEnd(4)}  ${t.name.padEnd(width)}  ${t.target.padEnd(36)}  ${t.value}`).join('\n');
}

/**
 * The whole report as markdown (what latest.md holds and the README quotes).
 * @param {{ revision: string, machine: any, nginxVersion?: string, nginxNote: string, options: any, rows: Row[], pairs: [string, string][],
 *   big?: any, startup?: any, targets: Target[], correct: boolean, date: string, notes: string[], loadavgAfter: string, origins: { id: string, name: string }[] }} r
 */
export function markdown(r) {
  const m = r.machine;
  const lines = [
    `mfe-dev ${r.revision}, run ${r.date} on ${m.cpu}, ${m.cores} cores, ${m.memGb} GB, ${m.os}, Node ${m.node}${r.nginxVersion ? `, nginx ${r.nginxVersion}` : ''} (load average before the run ${m.loadavg}, after ${r.loadavgAfter}: other work on the machine slows every server alike, and the rows interleave).`,
    `${r.options.connections} connections, ${r.options.amount ? `${r.options.amount} pages` : `${r.options.durationS} s`} per row${r.options.warmupS > 0 ? ` after a ${r.options.warmupS} s warm-up` : ''}${r.options.rounds > 1 ? `, best of ${r.options.rounds} interleaved rounds` : ''}; ${r.nginxNote}`,
    '',
    tables(r.rows, r.pairs, r.origins),
    '',
    ...footnotes(r.options.ttfbSamples),
    '',
  ];
  if (r.big) {
    lines.push(
      `50 MB page through a fresh mfe-dev (3 SSI includes, client pausing 250 ms every 10 MB): peak RSS ${mb(r.big.peakRssBytes)} MB, growth ${(r.big.growthBytes / 1048576).toFixed(1)} MB over ${mb(r.big.rssBeforeBytes)} MB, ${r.big.mbPerS.toFixed(0)} MB/s while reading, ${r.big.ok ? 'complete and correct' : 'INCORRECT: ' + r.big.problems.join('; ')}.`,
    );
  }
  if (r.startup) lines.push(`Start-up to the URL line, \`mfe-dev --config mfe-dev.config.ts\` (imports \`mfe-dev\` and a sibling .ts): ${r.startup.runsMs.map((t) => `${fixed(t)} ms`).join(', ')} (first run cold).`);
  for (const note of r.notes) lines.push(note);
  lines.push('', '```', targetLines(r.targets), '```', '', `Correctness: ${r.correct ? 'PASS' : 'FAIL'} (every sampled response carries every fragment's token exactly once and no include marker; no non-2xx, error or short response under load).`);
  return lines.join('\n') + '\n';
}
