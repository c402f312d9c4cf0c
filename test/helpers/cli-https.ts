/**
 * The built CLI (`node bin/mfe-dev.js --config FILE --port 0`) on a JSON config in a temp folder,
 * until it prints its `https://` URL: for https starts, which make RSA keys and may take a while
 * on a busy machine (hence the long default deadline). Needs the build.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/mfe-dev.js');

export async function startHttpsCli(config: object, env: NodeJS.ProcessEnv, ms = 50_000): Promise<{ url: string; output: string; stop(): Promise<void> }> {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-https-cli-')));
  const file = path.join(dir, 'mfe-dev.config.json');
  fs.writeFileSync(file, JSON.stringify(config));
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...env };
  delete childEnv.FORCE_COLOR;
  const child = spawn(process.execPath, [BIN, '--config', file, '--port', '0'], { cwd: dir, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no https URL within ${ms} ms:\n${output}`)), ms);
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /https:\/\/127\.0\.0\.1:\d+/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[0]);
        }
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`mfe-dev exited (${code}) before printing its URL:\n${output}`));
      });
    });
    return { url, output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
