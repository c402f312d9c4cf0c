#!/usr/bin/env node
/**
 * Instructions per page, which a loaded machine does not change (CPU time does): mfe-dev runs
 * under `valgrind --tool=callgrind` (no instrumentation of functions: the total only) while it
 * serves N pages, 10 at a time, then 4N; the difference over 3N pages is the per-page count,
 * start-up and JIT warm-up cancelling out.
 *
 *   node bench/instructions.js [TREE…] [--pages /page/ssi,/page/precomposed] [--n 100] [--origin node|raw]
 *
 * Each TREE is a checkout with its dist/ built (default: this one).
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startFixture } from './children.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { pages: { type: 'string', default: '/page/ssi,/page/precomposed' }, n: { type: 'string', default: '100' }, origin: { type: 'string', default: 'node' } },
});
const trees = positionals.length ? positionals.map((t) => path.resolve(t)) : [fileURLToPath(new URL('..', import.meta.url))];
const fixture = await startFixture(crypto.randomBytes(4).toString('hex'));
const upstream = args.origin === 'node' ? fixture.productionNode : fixture.production;
const local = args.origin === 'node' ? fixture.localNode : fixture.local;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-instructions-'));

/** Instructions mfe-dev executed to start, serve `count` pages of `page`, and stop. */
async function instructions(tree, page, count) {
  const out = path.join(tmp, `cg-${crypto.randomBytes(3).toString('hex')}.out`);
  const child = spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, process.execPath, path.join(tree, 'bench/gateway-child.js'), JSON.stringify({ upstream, local, fragments: 10 })], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const { url } = await new Promise((resolve, reject) => {
    child.on('message', (m) => m?.type === 'ready' && resolve(m));
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${stderr.slice(-500)}`)));
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
  let left = count;
  const one = () =>
    new Promise((resolve, reject) => {
      http.get(url + page, { agent }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}`));
        res.resume();
        res.on('end', resolve);
      }).on('error', reject);
    });
  await Promise.all(Array.from({ length: 10 }, async () => {
    while (left-- > 0) await one();
  }));
  agent.destroy();
  child.send('exit');
  await exited;
  const summary = /summary:\s*(\d+)/.exec(fs.readFileSync(out, 'utf8'))?.[1];
  if (!summary) throw new Error(`no callgrind summary in ${out}`);
  return Number(summary);
}

const n = Number(args.n);
try {
  for (const page of args.pages.split(',')) {
    for (const tree of trees) {
      const [small, large] = [await instructions(tree, page, n), await instructions(tree, page, 4 * n)];
      console.log(`${page}\t${tree}\t${((large - small) / (3 * n) / 1000).toFixed(0)}k instructions/page\t(${n}: ${(small / 1e6).toFixed(0)}M, ${4 * n}: ${(large / 1e6).toFixed(0)}M)`);
    }
  }
} finally {
  await fixture.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}
