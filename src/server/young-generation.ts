import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import { startedWithFlag } from './node-flags.js';

/**
 * A gateway process's young generation, capped at 8 MB per semi-space (V8's default on 64-bit
 * is 16 MB: two of them, 32 MB of heap).
 *
 * A gateway's objects live as long as a request: a page and its fragments are garbage a few
 * milliseconds later. With the full 32 MB, V8 also judged the old generation's headroom (limit
 * minus size) too small and marked the old generation again and again (`--trace-gc`,
 * `--trace-incremental-marking`): on a loaded pass-through page, 16–27 full collections per
 * 3,000 pages instead of none, about a fifth of the gateway's CPU (the README's Performance
 * section). Capped, the same load has scavenges only, and the process has 16 MB less resident.
 *
 * `--max-semi-space-size` is read when the heap is made, so the CLI would need a wrapper process
 * or a shebang with `env -S` (which BusyBox, Alpine's `env`, does not have). V8 reads
 * `--semi-space-growth-factor` each time the young generation grows (it doubles, from 0.5 MB),
 * so this sets it to 1 once the cap is reached and back to 2 below it, after every collection.
 * A process started with its own `--max-semi-space-size` is left alone. For the CLI's processes
 * only: a program that embeds the gateway (`createDevServer`) keeps its own heap settings.
 */
export function capYoungGeneration(maxSemiSpaceMiB = 8): void {
  if (startedWithFlag('--max-semi-space-size')) return;
  const capBytes = maxSemiSpaceMiB * 1024 * 1024;
  let growthFactor = 2;
  const adjust = () => {
    const young = v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
    if (!young) return;
    // `space_size` is both semi-spaces.
    const wanted = young.space_size / 2 >= capBytes ? 1 : 2;
    if (wanted === growthFactor) return;
    growthFactor = wanted;
    v8.setFlagsFromString(`--semi-space-growth-factor=${wanted}`);
  };
  // For the process's life: the CLI's gateway is its only work.
  new PerformanceObserver(adjust).observe({ entryTypes: ['gc'] });
  adjust();
}
