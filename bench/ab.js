#!/usr/bin/env node
/**
 * Old build against new, alternated on one fixture: `node bench/ab.js OLD_TREE [NEW_TREE]
 * [--pages /page/ssi,/page/precomposed] [--rounds 6] [--duration 4] [--origin node|raw] [--old-flags "…"] [--new-flags "…"] (Node flags of each side) [--fresh]`. Each tree
 * is a checkout with its dist/ built; each gets its own mfe-dev process (its bench/gateway-child.js)
 * on the same fixture, and they are loaded one after the other, `rounds` times, the order
 * swapped every round. Prints CPU µs per page (from /proc) per round, and min / median. With
 * `--fresh`, every round starts each side's gateway anew (2 s of warm-up, then the round): a
 * gateway's CPU per page can drift over a long run on a busy VM, and what one page leaves in the
 * heap then weighs on the next.
 */
import { fork } from 'node:child_process';
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startFixture } from './children.js';
import { measuredLoad, stopLoadGenerator } from './load.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { pages: { type: 'string', default: '/page/ssi,/page/precomposed' }, rounds: { type: 'string', default: '6' }, duration: { type: 'string', default: '4' }, origin: { type: 'string', default: 'node' }, 'old-flags': { type: 'string', default: '' }, 'new-flags': { type: 'string', default: '' }, fresh: { type: 'boolean', default: false } },
});
const here = fileURLToPath(new URL('..', import.meta.url));
const trees = [path.resolve(positionals[0]), path.resolve(positionals[1] ?? here)];
const fixture = await startFixture(crypto.randomBytes(4).toString('hex'));
const upstream = args.origin === 'node' ? fixture.productionNode : fixture.production;
const local = args.origin === 'node' ? fixture.localNode : fixture.local;
/** Side `i`'s gateway: its tree's bench/gateway-child.js with its Node flags. */
async function start(i) {
  const tree = trees[i];
  const execArgv = (i === 0 ? args['old-flags'] : args['new-flags']).split(' ').filter(Boolean);
  const child = fork(path.join(tree, 'bench/gateway-child.js'), [JSON.stringify({ upstream, local, fragments: 10 })], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { url } = await new Promise((resolve) => child.on('message', (m) => m?.type === 'ready' && resolve(m)));
  return { side: i, tree: i === 0 ? `old ${path.basename(tree)}` : `new ${path.basename(tree)}`, child, url };
}
let gateways = [];
const results = {};
try {
  if (!args.fresh) for (const i of trees.keys()) gateways.push(await start(i));
  for (const page of args.pages.split(',')) {
    for (const g of gateways) await measuredLoad({ url: g.url + page, connections: 10, durationS: 3, serverPids: [g.child.pid], fixturePid: fixture.pid });
    for (let round = 0; round < Number(args.rounds); round++) {
      for (const side of round % 2 ? [1, 0] : [0, 1]) {
        let g = gateways[side];
        if (args.fresh) {
          g = await start(side);
          gateways = [g];
          await measuredLoad({ url: g.url + page, connections: 10, durationS: 2, serverPids: [g.child.pid], fixturePid: fixture.pid });
        }
        const load = await measuredLoad({ url: g.url + page, connections: 10, durationS: Number(args.duration), serverPids: [g.child.pid], fixturePid: fixture.pid });
        if (load.non2xx || load.errors) throw new Error(`${g.tree} ${page}: ${load.non2xx} non-2xx, ${load.errors} errors`);
        ((results[page] ??= {})[g.tree] ??= []).push({ cpu: load.cpuUsPerPage, rate: load.pagesPerS, p99: load.p99 });
        process.stderr.write(`${page} ${g.tree} round ${round + 1}: ${load.cpuUsPerPage.toFixed(0)} µs/page, ${load.pagesPerS.toFixed(0)} pages/s, load ${os.loadavg()[0].toFixed(1)}\n`);
        if (args.fresh) {
          g.child.kill();
          gateways = [];
        }
      }
    }
  }
} finally {
  for (const g of gateways) g.child.kill();
  await stopLoadGenerator();
  await fixture.stop();
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [page, byTree] of Object.entries(results)) {
  for (const [tree, rows] of Object.entries(byTree)) {
    const cpu = rows.map((r) => r.cpu);
    console.log(`${page}\t${tree}\tCPU µs/page min ${Math.min(...cpu).toFixed(0)} median ${median(cpu).toFixed(0)} max ${Math.max(...cpu).toFixed(0)}\tpages/s median ${median(rows.map((r) => r.rate)).toFixed(0)}\t(${cpu.map((c) => c.toFixed(0)).join(' ')})`);
  }
}
console.log(`load average after: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
