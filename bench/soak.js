/**
 * `npm run soak`: mfe-dev under steady load for minutes, to catch what a benchmark's few seconds
 * cannot: memory that grows with every page, connections that pile up, answers that go wrong
 * after a while. Not part of `npm test`.
 *
 *   node bench/soak.js [--minutes N] [--connections N]
 *
 * The bench's fixture (production + local service) and mfe-dev each run in a process of their
 * own; load comes from autocannon in a third, in rounds of 10 s over a mix of pages (each include
 * dialect, the pre-composed page, a fragment from the local service). After every round: RSS and
 * open file descriptors of mfe-dev, and one checked sample of every page. It fails (exit 1) when
 * a sample is wrong, a round has errors, or RSS after the warm-up round grows by more than 32 MB.
 */
import fs from 'node:fs';
import { startFixture, startMfeDev } from './children.js';
import { autocannonInChild, stopLoadGenerator } from './load.js';
import { expectedTokens, get, verifyComposed } from './measure.js';
import { memory } from './proc.js';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const minutes = option('--minutes', 3);
const connections = option('--connections', 10);
const ROUND_S = 10;
const GROWTH_LIMIT_MB = 32;

const run = `soak${Date.now().toString(36)}`;
const fixture = await startFixture(run);
const gateway = await startMfeDev({ upstream: fixture.production, local: fixture.local, fragments: 10 });
const pages = [
  { path: '/page/ssi', local: [] },
  { path: '/page/esi', local: [] },
  { path: '/page/tailor', local: [] },
  { path: '/page/ssi', local: [0], headers: { 'x-mfe-dev': 'f0=local' } },
];
const fds = () => fs.readdirSync(`/proc/${gateway.pid}/fd`).length;

let failed = false;
let baseline = 0;
const rounds = Math.max(2, Math.round((minutes * 60) / ROUND_S));
console.log(`soak: ${rounds} rounds of ${ROUND_S} s, ${connections} connections, mfe-dev pid ${gateway.pid}`);
try {
  for (let round = 0; round < rounds; round++) {
    const page = pages[round % pages.length];
    const result = await autocannonInChild({ url: gateway.url + page.path, connections, durationS: ROUND_S, headers: page.headers });
    const rssMb = memory(gateway.pid).rss / 1e6;
    if (round === 0) baseline = rssMb;
    const problems = [];
    if (result.errors || result.non2xx || result.timeouts) problems.push(`${result.errors} errors, ${result.non2xx} non-2xx, ${result.timeouts} timeouts under load`);
    for (const sample of pages) {
      const response = await get(gateway.url + sample.path, { headers: sample.headers });
      const check = verifyComposed(response, { tokens: expectedTokens(run, 10, sample.local) });
      if (!check.ok) problems.push(`${sample.path}: ${check.problems.join(', ')}`);
    }
    const growth = rssMb - baseline;
    if (round > 0 && growth > GROWTH_LIMIT_MB) problems.push(`RSS grew ${growth.toFixed(1)} MB since the warm-up round`);
    console.log(
      `round ${String(round + 1).padStart(3)}  ${page.path.padEnd(12)} ${Math.round(result.ok / ROUND_S)} pages/s  ` +
        `RSS ${rssMb.toFixed(1)} MB (${growth >= 0 ? '+' : ''}${growth.toFixed(1)})  fds ${fds()}  ${problems.length ? 'FAIL ' + problems.join('; ') : 'ok'}`,
    );
    if (problems.length) failed = true;
  }
} finally {
  await stopLoadGenerator();
  await gateway.stop();
  await fixture.stop();
}
console.log(failed ? 'soak: FAIL' : 'soak: PASS');
process.exit(failed ? 1 : 0);
