#!/usr/bin/env node
/**
 * Instructions per page, whatever the machine's load: `node bench/callgrind.js TREE [TREE…]
 * [--pages /page/ssi,/page/precomposed] [--requests 200] [--warmup 400] [--concurrency 4]
 * [--origin node|raw] [--fragments 10]`. Each tree is a checkout with its dist/ built; its
 * bench/gateway-child.js runs under `valgrind --tool=callgrind` with instrumentation off while
 * it warms up (the JIT compiles the hot path), then on for exactly `requests` GETs of one page,
 * and the instructions counted (all threads: JIT and GC included) are divided by the pages.
 * Valgrind runs one thread at a time, so the counts do not depend on the other work of the
 * machine as CPU time does; they still move between runs by 5–30 % because how often V8 collects
 * and recompiles depends on timing (`callgrind_annotate` splits them: garbage collection,
 * compiler, and the rest, which repeats to a few %). Needs valgrind (Debian's `valgrind`); a tree
 * takes 2–5 minutes. For the garbage collector's share, bench/gc-survival.js is steadier.
 */
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startFixture } from './children.js';
import { getMany } from './load.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    pages: { type: 'string', default: '/page/ssi,/page/precomposed' },
    requests: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '400' },
    concurrency: { type: 'string', default: '4' },
    origin: { type: 'string', default: 'node' },
    fragments: { type: 'string', default: '10' },
  },
});
const here = fileURLToPath(new URL('..', import.meta.url));
const trees = (positionals.length ? positionals : [here]).map((t) => path.resolve(t));
const pages = args.pages.split(',');
const fixture = await startFixture(crypto.randomBytes(4).toString('hex'));
const upstream = args.origin === 'node' ? fixture.productionNode : fixture.production;
const local = args.origin === 'node' ? fixture.localNode : fixture.local;
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-callgrind-'));

const control = (pid, ...flags) => execFileSync('callgrind_control', [...flags, String(pid)], { stdio: ['ignore', 'pipe', 'pipe'] });

/** Total instructions in one callgrind dump file. */
function totalIr(file) {
  const text = fs.readFileSync(file, 'utf8');
  const m = /^summary:\s*(\d+)/m.exec(text);
  if (!m) throw new Error(`${file}: no totals line`);
  return Number(m[1]);
}

const results = [];
try {
  for (const tree of trees) {
    for (const page of pages) {
      const outFile = path.join(outDir, `cg.${path.basename(tree)}.${page.replace(/\W/g, '_')}`);
      const child = spawn(
        'valgrind',
        ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${outFile}.%p`, process.execPath, path.join(tree, 'bench/gateway-child.js'), JSON.stringify({ upstream, local, fragments: Number(args.fragments) })],
        { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] },
      );
      let stderr = '';
      child.stderr.on('data', (c) => (stderr = (stderr + c).slice(-4000)));
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const { url } = await new Promise((resolve, reject) => {
        child.on('message', (m) => m?.type === 'ready' && resolve(m));
        child.once('exit', (code) => reject(new Error(`${tree}: gateway exited (${code}): ${stderr}`)));
      });
      await getMany(url + page, Number(args.warmup), Number(args.concurrency));
      control(child.pid, '-i', 'on');
      // Instrumentation on discards translated code: a few requests to re-translate before counting.
      await getMany(url + page, 20, Number(args.concurrency));
      control(child.pid, '-z');
      await getMany(url + page, Number(args.requests), Number(args.concurrency));
      control(child.pid, '--dump');
      control(child.pid, '-i', 'off');
      const dumps = fs.readdirSync(outDir).filter((f) => f.startsWith(path.basename(outFile)) && /\.\d+\.\d+$/.test(f));
      const ir = Math.max(...dumps.map((f) => totalIr(path.join(outDir, f))));
      for (const f of dumps) fs.renameSync(path.join(outDir, f), path.join(outDir, f) + '.done');
      if (child.connected) child.send('exit');
      else child.kill();
      await exited;
      const perPage = ir / Number(args.requests);
      results.push({ tree, page, perPage });
      process.stderr.write(`${path.basename(tree)} ${page}: ${(perPage / 1000).toFixed(0)}k instructions/page (load ${os.loadavg()[0].toFixed(1)})\n`);
    }
  }
} finally {
  await fixture.stop();
}
for (const r of results) console.log(`${r.page}\t${r.tree}\t${(r.perPage / 1000).toFixed(0)}k instructions/page`);
console.log(`callgrind dumps in ${outDir}`);
