/**
 * jsdiff is loaded the first time a diff is wanted (shadow mode and its reports), not with the
 * gateway: a session that never compares does not carry it (heap and start-up). A gateway (from
 * dist/, in a child process) serves a composed page while a module hook records every module
 * loaded; then a comparison loads it.
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
  production = await listen((req, res) => {
    res.setHeader('content-type', 'text/html');
    if (req.url === '/fragments/header') return void res.end('<header>shop</header>');
    res.end('<!doctype html><!--#include virtual="/fragments/header" --><p>shop</p>');
  });
});
afterAll(() => production.close());

describe('jsdiff on demand', () => {
  it('is not loaded by a gateway serving pages, and is by the first comparison', async () => {
    const dist = (file: string) => JSON.stringify(path.join(ROOT, 'dist', file));
    // Every ESM module resolved (a loader hook, reported over a port) and every CommonJS one (require.cache).
    const hook = `let port; export function initialize(data) { port = data.port; }
      export async function resolve(specifier, context, next) { const result = await next(specifier, context); port.postMessage(result.url); return result; }`;
    const script = `
      import { register, createRequire } from 'node:module';
      import { MessageChannel } from 'node:worker_threads';
      const { port1, port2 } = new MessageChannel();
      const loaded = [];
      port1.on('message', (url) => loaded.push(url));
      register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}), import.meta.url, { data: { port: port2 }, transferList: [port2] });
      const seen = async (url) => { while (!loaded.includes(url)) await new Promise((resolve) => setTimeout(resolve, 5)); };
      const cjs = () => Object.keys(createRequire(import.meta.url).cache);
      const isJsdiff = (file) => /[\\\\/]node_modules[\\\\/]diff[\\\\/]/.test(file);

      const { createDevServer } = await import(${dist('index.js')});
      const server = await createDevServer({ configFile: false, watch: false, port: 0, logLevel: 'silent', upstream: ${JSON.stringify(production.url)}, fragments: { header: { src: '/fragments/header' } } });
      await server.listen();
      const page = await (await fetch(server.url + '/')).text();
      await server.close();
      // Every module asked for so far has been reported once this one is.
      const sentinel = 'data:text/javascript,export default 1';
      await import(sentinel);
      await seen(sentinel);
      const before = [...loaded, ...cjs()].filter(isJsdiff);

      const { diffDocuments } = await import(${dist('shadow/structural-diff.js')});
      const { parseForComparison } = await import(${dist('html/comparable-document.js')});
      const diff = diffDocuments(parseForComparison('<header>shop</header>'), parseForComparison('<header>local shop</header>'));
      const after = cjs().filter(isJsdiff);
      process.stdout.write(JSON.stringify({ page, before, after: after.length, changed: diff.hunks.length }), () => process.exit(0));
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, NO_COLOR: '1' }, timeout: 30_000 });
    const result = JSON.parse(stdout) as { page: string; before: string[]; after: number; changed: number };
    expect(result.page).toContain('<header>shop</header>');
    expect(result.before).toEqual([]);
    expect(result.after).toBeGreaterThan(0);
    expect(result.changed).toBeGreaterThan(0);
  });
});
