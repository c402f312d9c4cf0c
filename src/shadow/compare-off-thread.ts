import { Worker } from 'node:worker_threads';
import { compareResponses, type CompareInput, type Comparison } from './compare.js';
import type { CompareReply, CompareRequest } from './compare-worker.js';

/**
 * Shadow comparisons off the request thread. Parsing three answers of a few hundred KB and
 * diffing them takes the event loop for a second or more, during which no page is served; such
 * comparisons run in one worker thread (started with the first, not kept alive by itself), small
 * ones inline where a message round trip would cost more than the work.
 */

/** Bodies (all three together) up to this size are compared inline. */
export const INLINE_LIMIT = 64 * 1024;

let worker: Worker | undefined;
let nextId = 0;
let offThread = 0;

/** Comparisons run in the worker so far (for tests and diagnostics). */
export const comparisonsOffThread = (): number => offThread;
const pending = new Map<number, { resolve: (reply: CompareReply) => void; reject: (error: Error) => void }>();

function startWorker(): Worker {
  const started = import.meta.url.endsWith('.ts')
    ? // From the sources (tests run them): the worker is TypeScript, loaded through tsx.
      new Worker(
        `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./compare-worker.ts', import.meta.url).href)}); });`,
        { eval: true },
      )
    : new Worker(new URL('./compare-worker.js', import.meta.url));
  started.unref();
  started.on('message', (reply: CompareReply) => {
    const waiting = pending.get(reply.id);
    pending.delete(reply.id);
    waiting?.resolve(reply);
    if (pending.size === 0) started.unref();
  });
  const fail = (error: Error) => {
    if (worker === started) worker = undefined;
    for (const waiting of pending.values()) waiting.reject(error);
    pending.clear();
  };
  started.on('error', fail);
  started.on('exit', (code) => fail(new Error(`the comparison worker stopped (exit code ${code})`)));
  return started;
}

export async function compareOffThread(input: CompareInput): Promise<Comparison> {
  const size = input.prod.body.length + (input.calibration?.body.length ?? 0) + input.local.body.length;
  if (size <= INLINE_LIMIT) return compareResponses(input);
  const { noise, ...rest } = input;
  worker ??= startWorker();
  const id = ++nextId;
  const request: CompareRequest = { id, input: rest, known: [...noise.noiseFor(input.fragment, input.path)] };
  const reply = await new Promise<CompareReply>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    // While a comparison runs the worker keeps the process up; idle, it does not.
    worker!.ref();
    worker!.postMessage(request);
  });
  if ('error' in reply) throw new Error(reply.error);
  offThread++;
  noise.add(input.fragment, input.path, reply.learned, input.calibration !== undefined);
  return reply.comparison;
}

/** Stops the worker (tests, shutdown); the next big comparison starts another. */
export async function stopComparisonWorker(): Promise<void> {
  const running = worker;
  worker = undefined;
  await running?.terminate();
}
