import v8 from 'node:v8';
import { startedWithFlag } from './node-flags.js';

/** How far past what survived a full collection the old generation may grow before the next: 200 % (3×). */
export const OLD_GENERATION_GROWTH_PERCENT = 200;

/**
 * A gateway process's old generation, given steady headroom: after each full collection V8 may
 * let it grow to three times what survived (`--heap-growing-percent=200`) before the next.
 *
 * V8 picks that factor itself, from how fast the old generation fills against how fast it is
 * marked, between 1.1 and 4 (on this kind of machine). A gateway passing pages through fills it
 * slowly (a few KB per ms: a page's objects die young), so V8 chooses 1.3: the limit lands about
 * 16 MB above the ~16 MB that survive, which is no more than the young generation, so marking
 * starts again at once and the process runs a full collection every 60–100 ms
 * (`--trace-gc-verbose`: "factor 1.3 based on … speed_ratio=159"; `--trace-incremental-marking`:
 * "Start (allocation limit): 16MB / 32MB / 16MB"). Seen after a gateway had composed pages and
 * then passed pages through, in 3 of 4 traced runs: 14–33 full collections in 4 s where there
 * were at most 2 with the factor fixed. Under composed pages V8's own choice is 3.5–4 already,
 * so a loaded gateway's peak heap stays what it was (README, Performance).
 *
 * Read by V8 at every full collection, so it is set at run time. A process started with its own
 * `--heap-growing-percent` is left alone. V8 still keeps the limit below halfway to
 * `--max-old-space-size` (the Kubernetes manifest's cap). For the CLI's processes only: a
 * program that embeds the gateway keeps its own heap settings.
 */
export function steadyOldGeneration(percent = OLD_GENERATION_GROWTH_PERCENT): void {
  if (startedWithFlag('--heap-growing-percent')) return;
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}
