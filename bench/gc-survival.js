#!/usr/bin/env node
/**
 * What a page leaves alive for the garbage collector, whatever the machine's load: `node
 * bench/gc-survival.js TREE [TREE…] [--page /page/ssi] [--warmup 2000] [--pages 3000]
 * [--concurrency 10] [--origin node|raw] [--rounds 2]`. Each tree (a checkout with dist/ built)
 * runs its bench/gateway-child.js under `--trace-gc-nvp`, is loaded with `warmup` pages, then
 * `pages` more, and prints, for the scavenges of the second part: bytes that survived each
 * (`new_space_survived`), bytes promoted to the old generation, and the count of scavenges and
 * full (mark-compact) collections. A page's own objects die young; bytes that survive a scavenge
 * are promoted and cost a full collection later. Unlike CPU time these figures hardly move with
 * the load (issue 18's regression: 0.7 MB surviving each scavenge before, 2.2 MB after).
 */
import { fork } from 'node:child_process';
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
    page: { type: 'string', default: '/page/ssi' },
    warmup: { type: 'string', default: '2000' },
    pages: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '10' },
    origin: { type: 'string', default: 'node' },
    rounds: { type: 'string', default: '2' },
  },
});
const here = fileURLToPath(new URL('..', import.meta.url));
const trees = (positionals.length ? positionals : [here]).map((t) => path.resolve(t));
const fixture = await startFixture(crypto.randomBytes(4).toString('hex'));
const upstream = args.origin === 'node' ? fixture.productionNode : fixture.production;
const local = args.origin === 'node' ? fixture.localNode : fixture.local;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-gc-survival-'));
const MARK = '=====measured=====';

/** Averages of the `--trace-gc-nvp` lines after the mark. */
function summarise(file) {
  const lines = fs.readFileSync(file, 'utf8').split(MARK)[1].split('\n');
  const scavenges = lines.filter((l) => / gc=s /.test(l));
  const field = (line, name) => Number(new RegExp(` ${name}=([0-9.]+)`).exec(line)?.[1] ?? NaN);
  const avg = (name) => scavenges.reduce((a, l) => a + field(l, name), 0) / (scavenges.length || 1);
  return { scavenges: scavenges.length, fullGcs: lines.filter((l) => / gc=mc /.test(l)).length, survived: avg('new_space_survived'), promoted: avg('promoted') };
}

try {
  for (let round = 0; round < Number(args.rounds); round++) {
    for (const tree of round % 2 ? [...trees].reverse() : trees) {
      const file = path.join(dir, `${path.basename(tree)}.${round}.log`);
      const out = fs.openSync(file, 'w');
      const child = fork(path.join(tree, 'bench/gateway-child.js'), [JSON.stringify({ upstream, local, fragments: 10 })], { execArgv: ['--trace-gc-nvp'], stdio: ['ignore', out, 'inherit', 'ipc'] });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const { url } = await new Promise((resolve) => child.on('message', (m) => m?.type === 'ready' && resolve(m)));
      await getMany(url + args.page, Number(args.warmup), Number(args.concurrency));
      fs.writeSync(out, `\n${MARK}\n`);
      await getMany(url + args.page, Number(args.pages), Number(args.concurrency));
      child.send('exit');
      await exited;
      fs.closeSync(out);
      const s = summarise(file);
      console.log(`${args.page}\t${tree}\tsurvived ${(s.survived / 1e6).toFixed(2)} MB/scavenge\tpromoted ${(s.promoted / 1e6).toFixed(2)} MB/scavenge\t${s.scavenges} scavenges, ${s.fullGcs} full GCs in ${args.pages} pages`);
    }
  }
} finally {
  await fixture.stop();
  if (!process.env.KEEP_GC_LOGS) fs.rmSync(dir, { recursive: true, force: true });
  else console.log(`logs in ${dir}`);
}
