/**
 * What a child process (the real CLI) writes, kept as it comes, and a wait for a condition on
 * it that fails with everything written so far when the child exits first or time runs out.
 */
import type { ChildProcess } from 'node:child_process';

export interface ChildOutput {
  /** stdout and stderr as they came, interleaved, decoded as UTF-8. */
  output(): string;
  stdout(): string;
  stderr(): string;
  /** Resolves once `test()` holds; rejects when the child exits first or after `ms`. */
  waitUntil(test: () => boolean, what: string, ms: number): Promise<void>;
  /** Resolves with the exit code once the child has closed its pipes. */
  exited: Promise<number | null>;
  /** SIGKILL unless it has exited; resolves once it has. */
  kill(): Promise<void>;
}

/** Starts collecting `child`'s stdout and stderr (spawned with both piped); `name` is for errors. */
export function watchChild(child: ChildProcess, name: string): ChildOutput {
  const all: Buffer[] = [];
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((listener) => listener());
  child.stdout!.on('data', (chunk: Buffer) => (all.push(chunk), out.push(chunk), notify()));
  child.stderr!.on('data', (chunk: Buffer) => (all.push(chunk), err.push(chunk), notify()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => (notify(), resolve(code))));
  const output = () => Buffer.concat(all).toString('utf8');
  const waitUntil = (test: () => boolean, what: string, ms: number) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (test()) return done(resolve);
        if (child.exitCode !== null || child.signalCode !== null) done(() => reject(new Error(`${name} exited before ${what}:\n${output()}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`${name}: not ${what} within ${ms} ms:\n${output()}`))), ms);
      const done = (settle: () => void) => {
        clearTimeout(timer);
        listeners.delete(check);
        settle();
      };
      listeners.add(check);
      check();
    });
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  return {
    output,
    stdout: () => Buffer.concat(out).toString('utf8'),
    stderr: () => Buffer.concat(err).toString('utf8'),
    waitUntil,
    exited,
    kill,
  };
}
