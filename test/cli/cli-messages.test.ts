/**
 * What the `mfe-dev` command says when a user gets something slightly wrong, run as a user runs
 * it (a child process on the built bin): a host it cannot listen on, a mistyped command, a JSON
 * syntax error; and the URL it prints for `--host 0.0.0.0`, which must open.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, request, type TestServer } from '../helpers/servers.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/mfe-dev.js');
let production: TestServer;
let dir: string;

beforeAll(async () => {
  production = await listen((_req, res) => res.setHeader('content-type', 'text/html').end('<!doctype html><p>shop</p>'));
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-messages-')));
  fs.writeFileSync(path.join(dir, 'mfe-dev.config.json'), JSON.stringify({ upstream: production.url }));
});
afterAll(async () => {
  await production.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI until it exits, or until `until` matches its output (then stops it). */
function run(args: string[], options: { cwd?: string; until?: RegExp } = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? dir, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (options.until?.test(output)) child.kill('SIGKILL');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('mfe-dev messages', () => {
  it.each([
    ['999.1.1.1', /cannot listen on host '999\.1\.1\.1': it is neither an IP address nor a name this machine resolves\. Use --host 127\.0\.0\.1/],
    ['10.255.255.1', /cannot listen on host '10\.255\.255\.1': no network interface of this machine has that address\. Use --host 127\.0\.0\.1/],
  ])('--host %s: names the host and the fix, no stack trace', async (host, message) => {
    const { code, output } = await run(['--port', '0', '--host', host]);
    expect(code).toBe(1);
    expect(output).toMatch(message);
    expect(output).not.toMatch(/unexpected error|\n\s+at /);
  });

  it('--host 0.0.0.0: the printed URL serves the page', async () => {
    const child = spawn(process.execPath, [BIN, '--port', '0', '--host', '0.0.0.0'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    try {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await expect.poll(() => /Local:\s+http:\/\/\S+\//.test(output), { timeout: 20_000 }).toBe(true);
      const url = /Local:\s+(http:\/\/\S+)\//.exec(output)![1];
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(output).not.toContain('http://0.0.0.0');
      const page = await request(`${url}/`);
      expect(page.text).toContain('shop');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it("a mistyped command: did you mean 'check'", async () => {
    const { code, output } = await run(['chek']);
    expect(code).toBe(1);
    expect(output).toContain("unknown command 'chek'. Did you mean 'check'?");
  });

  it('a JSON syntax error: the code frame once, the file named once', async () => {
    const bad = fs.mkdtempSync(path.join(dir, 'bad-'));
    fs.writeFileSync(path.join(bad, 'mfe-dev.config.json'), '{\n  "upstream": "http://127.0.0.1:1",\n  "port": 0,,\n}\n');
    const { code, output } = await run(['--port', '0'], { cwd: bad });
    expect(code).toBe(1);
    expect(output.match(/> 3 \|/g)).toHaveLength(1);
    expect(output.split(path.join(bad, 'mfe-dev.config.json')).length - 1).toBe(1);
    expect(output).toContain('Expected double-quoted property name');
  });
});
