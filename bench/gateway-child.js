/**
 * mfe-dev under test, alone in its process (forked by run.js) so its CPU time and RSS are its
 * own: the library from dist/ with an inline config, silent, no watcher. Argument: JSON
 * `{ upstream, local, fragments }`. Reports `{ type: 'ready', url }` over IPC; on the message
 * 'exit' it closes the server and exits (which also writes a --cpu-prof profile).
 */
import { createDevServer } from '../dist/index.js';

const { upstream, local, fragments } = JSON.parse(process.argv[2] ?? '{}');

/** @type {Record<string, { src: string, local: string }>} */
const fragmentConfig = {};
for (let i = 0; i < fragments; i++) fragmentConfig[`f${i}`] = { src: `/fragments/f${i}`, local };

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
  if (message === 'exit') {
    await server.close();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
