/**
 * `mfe-dev serve` in a child process, as a container runs it: `node bin/mfe-dev.js serve --config
 * FILE --port 0 --host 127.0.0.1`. stdout is JSON lines (the ready line, one per request).
 * Needs the build (`npm test` runs it first). Stopped by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { watchChild } from '../helpers/child-output.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin/mfe-dev.js');

export interface ServeProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** stdout so far. */
  stdout(): string;
  stderr(): string;
  /** stdout's JSON lines. */
  lines(): Array<Record<string, unknown>>;
  waitFor(test: () => boolean, what: string, ms?: number): Promise<void>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export function tempDir(prefix = 'mfe-dev-serve-'): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

/**
 * What runs `node ARGV…`: by default node itself; a launcher puts something around it (a mount
 * namespace, another user) that ends by exec'ing it, so the child's PID stays node's.
 */
export type Launcher = (node: string, argv: string[]) => { command: string; args: string[] };

/** Starts `serve` with `args` (config path etc.); resolves once it listens, rejects if it exits first. */
export async function startServe(args: string[], env: NodeJS.ProcessEnv = {}, cwd = os.tmpdir(), launch?: Launcher): Promise<ServeProcess> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...env };
  delete childEnv.FORCE_COLOR;
  const argv = [BIN, 'serve', '--port', '0', '--host', '127.0.0.1', ...args];
  const { command, args: launched } = launch ? launch(process.execPath, argv) : { command: process.execPath, args: argv };
  const child = spawn(command, launched, { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const watched = watchChild(child, 'mfe-dev serve');
  const { stdout, stderr, exited } = watched;
  const lines = () =>
    stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const waitFor = (test: () => boolean, what: string, ms = 20_000) => watched.waitUntil(test, what, ms);
  const stop = () => watched.kill();
  try {
    await waitFor(() => lines().some((l) => typeof l.url === 'string'), 'listening');
  } catch (error) {
    await stop();
    throw error;
  }
  const url = lines().find((l) => typeof l.url === 'string')!.url as string;
  return { url, port: Number(new URL(url).port), child, stdout, stderr, lines, waitFor, exited, stop };
}

/** Runs `serve` expecting it to refuse to start: its exit code and stderr. */
export function serveRefusal(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--host', '127.0.0.1', ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const err: Buffer[] = [];
  child.stderr!.on('data', (c: Buffer) => err.push(c));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr: Buffer.concat(err).toString('utf8') });
    }),
  );
}
