import { parentPort } from 'node:worker_threads';
import { compareResponses, type CompareInput } from './compare.js';
import { NoiseBook } from './noise.js';

/**
 * The worker thread that runs big shadow comparisons (see compare-off-thread.ts): it gets the
 * three answers and the noise known so far, and answers with the comparison and the noise it
 * learned, which the gateway's thread adds to its `NoiseBook`.
 */
export interface CompareRequest {
  id: number;
  input: Omit<CompareInput, 'noise'>;
  known: string[];
}

export type CompareReply = { id: number; comparison: ReturnType<typeof compareResponses>; learned: string[] } | { id: number; error: string };

parentPort?.on('message', ({ id, input, known }: CompareRequest) => {
  try {
    const book = new NoiseBook(1);
    book.add(input.fragment, input.path, known, false);
    const comparison = compareResponses({ ...input, noise: book });
    const before = new Set(known);
    const learned = [...book.noiseFor(input.fragment, input.path)].filter((key) => !before.has(key));
    parentPort!.postMessage({ id, comparison, learned } satisfies CompareReply);
  } catch (error) {
    parentPort!.postMessage({ id, error: error instanceof Error ? error.message : String(error) } satisfies CompareReply);
  }
});
