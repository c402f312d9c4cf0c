import { createDevServer, type DevServer } from '../../src/server/index.js';
import type { InlineConfig } from '../../src/config/types.js';

/**
 * A gateway for a test: inline config (no file discovery unless `configFile` is given), port 0,
 * silent, no watcher. Close it in `afterEach`/`afterAll`.
 */
export async function startGateway(inline: InlineConfig): Promise<DevServer & { url: string }> {
  const server = await createDevServer({ configFile: false, watch: false, logLevel: 'silent', port: 0, ...inline });
  await server.listen();
  return server as DevServer & { url: string };
}

/** Resolves when `count` events of the given type were seen (or rejects after `ms`). */
export function nextEvents<T>(subscribe: (listener: (value: T) => void) => () => void, count = 1, ms = 20_000): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const seen: T[] = [];
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`expected ${count} event(s), saw ${seen.length} within ${ms} ms`));
    }, ms);
    const unsubscribe = subscribe((value) => {
      seen.push(value);
      if (seen.length >= count) {
        clearTimeout(timer);
        unsubscribe();
        resolve(seen);
      }
    });
  });
}
