/**
 * mfe-dev as a developer runs it, in a child process: `node bin/mfe-dev.js --config FILE --port 0`,
 * with every byte it writes to the terminal kept raw (colours off, nothing stripped), so a test
 * can check what a request managed to put there. Needs the build (`npm test` runs it first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { watchChild } from '../helpers/child-output.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/mfe-dev.js');

export interface CliGateway {
  url: string;
  /** Everything written to stdout and stderr so far, as raw bytes decoded as UTF-8. */
  output(): string;
  /** Resolves once the output matches (rejects after `ms`). */
  waitFor(pattern: RegExp, ms?: number): Promise<void>;
  stop(): Promise<void>;
  /** The mfe-dev process itself (its pid, its stdout/stderr pipes, signals). */
  child: ChildProcess;
  /** The config file it runs on (tests edit it to make it reload). */
  configFile: string;
}

/** Starts the CLI on a JSON config in a temp folder; `env` adds to the environment (e.g. DEBUG). */
export async function startCliGateway(config: object, env: NodeJS.ProcessEnv = {}, command: 'dev' | 'serve' = 'dev'): Promise<CliGateway> {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-hardening-')));
  const file = path.join(dir, 'mfe-dev.config.json');
  fs.writeFileSync(file, JSON.stringify(config));
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...env };
  delete childEnv.FORCE_COLOR;
  const child: ChildProcess = spawn(process.execPath, [BIN, command, '--config', file, '--port', '0'], { cwd: dir, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const watched = watchChild(child, 'mfe-dev');
  const { output } = watched;
  const waitFor = (pattern: RegExp, ms = 15_000) => watched.waitUntil(() => pattern.test(output()), `printing ${pattern}`, ms);
  const stop = async () => {
    await watched.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(/http:\/\/127\.0\.0\.1:\d+/);
  } catch (error) {
    await stop();
    throw error;
  }
  const url = output().match(/http:\/\/127\.0\.0\.1:\d+/)![0];
  return { url, output, waitFor, stop, child, configFile: file };
}

/**
 * Control characters a terminal acts on: C0 but newline (and tab), DEL, and C1 (U+0080–U+009F,
 * which UTF-8 terminals may read as CSI, OSC…).
 */
export const TERMINAL_CONTROL = /[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f]/;
