import { Worker } from 'node:worker_threads';
import { compareResponses, type CompareInput, type Comparison } from './compare.js';
import type { CompareReply, CompareRequest } from './compare-worker.js';

/**
 * Shadow comparisons off the request thread. Parsing three answers of a few hundred KB and
 * diffing them takes the event loop for a second or more, during which no page is served; such
 * comparisons run in one worker thread, small ones inline where a message round trip would cost
 * more than the work.
 *
 * Bounded: one worker for the process (started with the first big comparison, never keeping the
 * process up while idle), one comparison in it at a time, at most `maxWaiting` waiting (past
 * it `ComparisonBusy` is thrown and the caller counts the comparison as skipped), and each
 * comparison, parsing and diffing together, given `compareTimeoutMs()`: past it the worker is
 * terminated (the next comparison starts a new one) and that comparison fails, naming the limit.
 * The worker is terminated when the last user (a gateway, a replay) lets go of it.
 */

/** Bodies (all three together) up to this size are compared inline. */
export const INLINE_LIMIT = 64 * 1024;

/** Big comparisons allowed to wait for the worker by default. */
export const MAX_WAITING = 16;

/** Time for one comparison in the worker, parsing and diffing: `MFE_DEV_SHADOW_COMPARE_TIMEOUT_MS` or 60 s. */
export function compareTimeoutMs(): number {
  const fromEnv = Number(process.env.MFE_DEV_SHADOW_COMPARE_TIMEOUT_MS);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 60_000;
}

/** Thrown when `maxWaiting` big comparisons already wait for the worker. */
export class ComparisonBusy extends Error {
  constructor(waiting: number) {
    super(`${waiting} big comparisons are already waiting for the comparison worker`);
    this.name = 'ComparisonBusy';
  }
}

interface Job {
  request: CompareRequest;
  size: number;
  resolve: (reply: CompareReply) => void;
  reject: (error: Error) => void;
}

let worker: Worker | undefined;
let running: (Job & { timer: NodeJS.Timeout }) | undefined;
const waiting: Job[] = [];
let nextId = 0;
let offThread = 0;
let users = 0;

/** Comparisons run in the worker so far (for tests and diagnostics). */
export const comparisonsOffThread = (): number => offThread;

/** The worker's thread id while one runs (for tests and diagnostics). */
export const comparisonThreadId = (): number | undefined => worker?.threadId;

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
    const job = running;
    if (!job || job.request.id !== reply.id) return;
    settle(() => job.resolve(reply));
  });
  const fail = (error: Error) => {
    if (worker !== started) return;
    worker = undefined;
    const job = running;
    if (job) settle(() => job.reject(error));
  };
  started.on('error', fail);
  started.on('exit', (code) => fail(new Error(`the comparison worker stopped (exit code ${code})`)));
  return started;
}

/** Ends the running job (its timer cleared), then starts the next waiting one. */
function settle(end: () => void): void {
  if (running) clearTimeout(running.timer);
  running = undefined;
  end();
  runNext();
}

function runNext(): void {
  if (running) return;
  const job = waiting.shift();
  if (!job) {
    // Idle, the worker does not keep the process up.
    worker?.unref();
    return;
  }
  worker ??= startWorker();
  worker.ref();
  const limit = compareTimeoutMs();
  const timer = setTimeout(() => {
    const stuck = worker;
    worker = undefined;
    void stuck?.terminate();
    const kb = Math.round(job.size / 1024);
    settle(() => job.reject(new Error(`comparing the answers (${kb} KB) took longer than ${limit} ms and was stopped (MFE_DEV_SHADOW_COMPARE_TIMEOUT_MS)`)));
  }, limit);
  timer.unref();
  running = { ...job, timer };
  worker.postMessage(job.request);
}

/**
 * Compares `input`, inline when small, else in the worker (waiting for it when `maxWaiting`
 * allows, throwing `ComparisonBusy` otherwise).
 */
export async function compareOffThread(input: CompareInput, maxWaiting = MAX_WAITING): Promise<Comparison> {
  const size = input.prod.body.length + (input.calibration?.body.length ?? 0) + input.local.body.length;
  if (size <= INLINE_LIMIT) return compareResponses(input);
  if (waiting.length >= maxWaiting) throw new ComparisonBusy(waiting.length);
  const { noise, ...rest } = input;
  const request: CompareRequest = { id: ++nextId, input: rest, known: [...noise.noiseFor(input.fragment, input.path)] };
  const reply = await new Promise<CompareReply>((resolve, reject) => {
    waiting.push({ request, size, resolve, reject });
    runNext();
  });
  if ('error' in reply) throw new Error(reply.error);
  offThread++;
  noise.add(input.fragment, input.path, reply.learned, input.calibration !== undefined);
  return reply.comparison;
}

/** Marks a user of the worker (a gateway, a replay); the returned function lets go of it. */
export function useComparisonWorker(): () => Promise<void> {
  users++;
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    if (--users === 0) await stopComparisonWorker();
  };
}

/** Stops the worker now: running and waiting comparisons fail; the next big comparison starts another. */
export async function stopComparisonWorker(): Promise<void> {
  const stopped = new Error('the comparison worker was stopped (the gateway is closing)');
  for (const job of waiting.splice(0)) job.reject(stopped);
  const job = running;
  if (job) {
    clearTimeout(job.timer);
    running = undefined;
    job.reject(stopped);
  }
  const current = worker;
  worker = undefined;
  await current?.terminate();
}
