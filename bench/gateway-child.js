/**
 * mfe-dev under test, alone in its process (forked by run.js) so its CPU time and RSS are its
 * own: the library from dist/ with an inline config, silent, no watcher. Argument: JSON
 * `{ upstream, local, fragments, fragmentTimeoutMs? }`. Reports `{ type: 'ready', url }` over IPC; on the message
 * 'exit' it closes the server and exits (which also writes a --cpu-prof profile).
 */
import { createDevServer } from '../dist/index.js';
import { steadyOldGeneration } from '../dist/server/old-generation.js';
import { capYoungGeneration } from '../dist/server/young-generation.js';

const { upstream, local, fragments, fragmentTimeoutMs } = JSON.parse(process.argv[2] ?? '{}');

/**
 * `fragments` fragments f0… with a local service. With `fragmentTimeoutMs` (the smoke run, whose
 * machine may be loaded far past what a fragment's default 3 s allows), every fixture fragment
 * (f0…f99, the 100-fragment page's too) is configured with that deadline.
 * @type {Record<string, { src: string, local?: string, timeout?: number }>}
 */
const fragmentConfig = {};
for (let i = 0; i < fragments; i++) fragmentConfig[`f${i}`] = { src: `/fragments/f${i}`, local };
if (fragmentTimeoutMs) {
  for (let i = 0; i < 100; i++) fragmentConfig[`f${i}`] = { ...fragmentConfig[`f${i}`], src: `/fragments/f${i}`, timeout: fragmentTimeoutMs };
}

// As the CLI's `dev` and `serve` run it (src/cli/main.ts).
capYoungGeneration();
steadyOldGeneration();
const server = await createDevServer({
  upstream,
  fragments: fragmentConfig,
  port: 0,
  configFile: false,
  watch: false,
  logLevel: 'silent',
});
await server.listen();
process.send?.({ type: 'ready', url: server.url });

process.on('message', async (message) => {
  if (message === 'gc') {
    // (bench/fault-soak.js: RSS is read after a full collection, so garbage is not counted.)
    globalThis.gc?.();
    const { heapUsed, external } = process.memoryUsage();
    process.send?.({ type: 'gc-done', heapUsed, external });
  }
  if (message === 'memory') {
    // (bench/memory.js: where the RSS goes, sampled under load.)
    const v8 = await import('node:v8');
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.physical_space_size]));
    process.send?.({ type: 'memory', usage: process.memoryUsage(), spaces });
  }
  if (message === 'exit') {
    await server.close();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
