#!/usr/bin/env node
/**
 * Where mfe-dev's RSS goes under the bench's load: `node bench/memory.js [--pages /page/precomposed,/page/ssi-100]
 * [--duration 5] [--origin node|raw] [--flags "--max-semi-space-size=4"]`. One mfe-dev (bench/gateway-child.js,
 * with `--flags` as its Node flags) on the bench's fixture; each page is loaded as the bench loads it while
 * the child reports, every 100 ms, its RSS and what V8 and Node account for (heap spaces, external and
 * array buffers) and, from /proc, by kind of mapping. Prints the peak of each per page: what is heap, what is
 * Buffers, what is neither (code, the binary's pages, malloc).
 */
import crypto from 'node:crypto';
import { parseArgs } from 'node:util';
import { startFixture, startMfeDev } from './children.js';
import { autocannonInChild, stopLoadGenerator } from './load.js';
import { memory as procMemory, rssByMapping } from './proc.js';

const { values: args } = parseArgs({
  options: {
    pages: { type: 'string', default: '/page/precomposed,/page/ssi,/page/esi,/page/ssi-100' },
    duration: { type: 'string', default: '5' },
    origin: { type: 'string', default: 'node' },
    flags: { type: 'string', default: '' },
    connections: { type: 'string', default: '10' },
  },
});
const MB = 1048576;
const fixture = await startFixture(crypto.randomBytes(4).toString('hex'));
const upstream = args.origin === 'node' ? fixture.productionNode : fixture.production;
const local = args.origin === 'node' ? fixture.localNode : fixture.local;
const execArgv = args.flags.split(' ').filter(Boolean);
const gateway = await startMfeDev({ upstream, local, fragments: 10, execArgv });
/** @returns {Promise<any>} */
const sample = () =>
  new Promise((resolve) => {
    const child = gateway.child;
    const onMessage = (m) => m?.type === 'memory' && (child.off('message', onMessage), resolve(m));
    child.on('message', onMessage);
    child.send('memory');
  });
const mb = (n) => (n / MB).toFixed(1);
console.log(`mfe-dev, Node flags: ${execArgv.join(' ') || '(none)'}; idle RSS ${mb(procMemory(gateway.pid).rss)} MB`);
console.log('| page | pages/s | peak RSS | heap (new / old / code / other) | external (of which array buffers) | RSS − heap − external |');
console.log('| --- | ---: | ---: | --- | --- | ---: |');
try {
  for (const page of args.pages.split(',')) {
    let peak = { rss: 0 };
    let stop = false;
    const sampler = (async () => {
      while (!stop) {
        const m = await sample();
        const rss = procMemory(gateway.pid).rss;
        if (rss > peak.rss) peak = { rss, ...m, mappings: rssByMapping(gateway.pid) };
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const load = await autocannonInChild({ url: gateway.url + page, connections: Number(args.connections), durationS: Number(args.duration) });
    stop = true;
    await sampler;
    const s = peak.spaces ?? {};
    const heap = peak.usage?.heapTotal ?? 0;
    const other = heap - (s.new_space ?? 0) - (s.old_space ?? 0) - (s.code_space ?? 0);
    console.log(
      `| ${page} | ${(load.ok / load.elapsedS).toFixed(0)} | ${mb(peak.rss)} | ${mb(heap)} (${mb(s.new_space ?? 0)} / ${mb(s.old_space ?? 0)} / ${mb(s.code_space ?? 0)} / ${mb(other)}) | ${mb(peak.usage?.external ?? 0)} (${mb(peak.usage?.arrayBuffers ?? 0)}) | ${mb(peak.rss - heap - (peak.usage?.external ?? 0))} |`,
    );
    const mappings = (peak.mappings ?? []).filter(([, mb]) => mb >= 1).map(([name, mb]) => `${name} ${mb.toFixed(1)}`);
    console.log(`|  | RSS at that peak by mapping (MB): ${mappings.join(', ')} | | | | |`);
  }
} finally {
  await stopLoadGenerator();
  await gateway.stop();
  await fixture.stop();
}
