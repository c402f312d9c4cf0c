import v8 from 'node:v8';
import { startedWithFlag } from './node-flags.js';

/** How far past what survived a full collection the old generation may grow before the next: 100 % (2×). */
const OLD_GENERATION_GROWTH_PERCENT = 100;

/**
 * A gateway process's old generation, given steady headroom: after each full collection V8 may
 * let it grow to twice what survived (`--heap-growing-percent=100`) before the next.
 *
 * V8 picks that factor itself, from how fast the old generation fills against how fast it is
 * marked, between 1.1 and 4 (on this kind of machine). A gateway passing pages through fills it
 * slowly (a few KB per ms: a page's objects die young), so V8 chose 1.3: the limit landed about
 * 16 MB above the ~16 MB that survive, marking started again at once and the process ran a full
 * collection every 60–100 ms (`--trace-gc-verbose`: "factor 1.3 based on … speed_ratio=159";
 * `--trace-incremental-marking`: "Start (allocation limit): 16MB / 32MB / 16MB"), 14–33 in 4 s
 * after composed pages. Under composed pages V8 chose 3.5–4 instead: a loaded gateway's old
 * generation peaked at three to four times what was alive (45–51 MB of 15–20).
 *
 * The fourth pass of issue 18 fixed the factor at 3 (200 %): the storms stopped, the peaks stayed.
 * 2 had brought them back then; since the gateway's sockets stopped allocating a 64 KiB buffer per
 * read (http/agents.ts) it does not: traced, three fresh gateways (SSI, ESI, then two 4 s
 * pass-through phases), 0–3 full collections per phase with 2 as with 3, and the SSI, ESI and
 * 100-fragment pages' peak RSS 113/115/135 MB against 134/138/161 (bench/memory.js).
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
