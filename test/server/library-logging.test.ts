/**
 * `createDevServer()` used as a library, in a child process (its real stdout and stderr): quiet
 * unless asked. No banner, no page lines by default; `logLevel: 'info'` prints them; a `logger`
 * sink receives the lines instead of the terminal.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type TestServer } from '../helpers/servers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);
let production: TestServer;

beforeAll(async () => {
  production = await listen((_req, res) => res.setHeader('content-type', 'text/html').end('<!doctype html><p>shop</p>'));
});
afterAll(() => production.close());

/** A script that starts the gateway with `options`, fetches `/`, closes it; prints what the sink got after `SINK:`. */
async function library(options: string) {
  const script = `
    import { createDevServer } from ${JSON.stringify(path.join(ROOT, 'dist/index.js'))};
    const sunk = [];
    const server = await createDevServer({ configFile: false, watch: false, port: 0, upstream: ${JSON.stringify(production.url)}, ${options} });
    await server.listen();
    await (await fetch(server.url + '/')).text();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await server.close();
    if (sunk.length) process.stdout.write('SINK:' + JSON.stringify(sunk));
  `;
  const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, NO_COLOR: '1' } });
  return { stdout, stderr };
}

describe('createDevServer() as a library', () => {
  it('prints nothing by default: no banner, no page lines', async () => {
    const { stdout, stderr } = await library('');
    expect(stdout + stderr).toBe('');
  });

  it("prints the banner and page lines with logLevel: 'info'", async () => {
    const { stdout } = await library("logLevel: 'info'");
    expect(stdout).toMatch(/mfe-dev ready in \d+ ms/);
    expect(stdout).toMatch(/GET \/ 200/);
  });

  it('hands the lines to a logger instead of the terminal', async () => {
    const { stdout, stderr } = await library("logLevel: 'info', logger: { info: (l) => sunk.push(l), warn: (l) => sunk.push(l), error: (l) => sunk.push(l) }");
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^SINK:/);
    const lines = JSON.parse(stdout.slice('SINK:'.length)) as string[];
    expect(lines.join('\n')).toMatch(/mfe-dev ready in \d+ ms/);
    expect(lines.join('\n')).toMatch(/GET \/ 200/);
  });
});
