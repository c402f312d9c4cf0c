/**
 * `npm run differential -- --edge nginx|varnish|tailor [--seed N] [--cases N] [--self] [--show N]`
 *
 * Generates cases for the edge's dialect, runs each through the real edge and through mfe-dev
 * (`--self`: through a second instance of the real edge, to prove the harness sound), and prints
 * identical/total by feature, then the first `--show` (default 5) differing cases, minimized.
 */
import { parseArgs } from 'node:util';
import { byFeature, describe, formatTable, minimize, runAll } from './compare.js';
import { EDGES, missing, startEdge, startMfeDev, versionOf, type EdgeName, type Target } from './edges.js';
import { generateCase } from './generate.js';
import { startOrigin } from './origin.js';

const { values } = parseArgs({
  options: {
    edge: { type: 'string', default: 'nginx' },
    seed: { type: 'string', default: '1' },
    cases: { type: 'string', default: '1000' },
    self: { type: 'boolean', default: false },
    show: { type: 'string', default: '5' },
    feature: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});

const edge = values.edge as EdgeName;
if (!EDGES.includes(edge)) {
  console.error(`--edge must be one of ${EDGES.join(', ')}, not ${JSON.stringify(values.edge)}`);
  process.exit(2);
}
const why = missing(edge);
if (why) {
  console.error(why);
  process.exit(1);
}
const seed = Number(values.seed);
const count = Number(values.cases);

const origin = await startOrigin();
const targets: Target[] = [];
try {
  const real = await startEdge(edge, origin);
  targets.push(real);
  const other = values.self ? await startEdge(edge, origin, `${edge}#2`) : await startMfeDev(edge, origin.url);
  targets.push(other);
  let cases = Array.from({ length: count }, (_, n) => generateCase(edge, seed, n));
  if (values.feature) cases = cases.filter((c) => c.feature === values.feature);
  const started = Date.now();
  const withLink = edge === 'tailor';
  const outcomes = await runAll(origin, real, other, cases, { withLink });
  console.log(`${versionOf(edge)}; seed ${seed}, ${cases.length} cases in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(formatTable(outcomes, real.label, other.label));
  if (values.json) console.log(JSON.stringify({ edge, seed, cases: cases.length, features: Object.fromEntries(byFeature(outcomes)) }));
  const differing = outcomes.filter((o) => !o.same);
  const shown = new Set<string>();
  for (const outcome of differing) {
    if (shown.size >= Number(values.show)) break;
    // One per feature first: the first differences of every kind, not five of one.
    if (shown.has(outcome.case.feature) && differing.some((o) => !shown.has(o.case.feature))) continue;
    shown.add(outcome.case.feature);
    const small = await minimize(origin, real, other, outcome, 150, withLink);
    console.log(`\n${describe(small, real.label, other.label)}`);
  }
} finally {
  await Promise.all(targets.map((t) => t.close()));
  await origin.close();
}
