/**
 * Issue 8 items 10 and 11: hot reload survives whatever a developer's editor and tools do to the
 * config file (atomic saves back to back, write-rename, delete and re-create, rapid edits), and a
 * config whose import never settles jams neither hot reload nor shutdown. Real files, a real
 * gateway (and, for the signals, the real CLI process).
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDevServer, type DevServer } from '../../src/server/index.js';
import { listen, request, type TestServer } from '../helpers/servers.js';
import { eventually } from '../helpers/eventually.js';

const BIN = path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..'), 'bin/mfe-dev.js');

let upstream: TestServer;
beforeAll(async () => {
  upstream = await listen((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html><body>production</body></html>');
  });
});
afterAll(() => upstream?.close());

const servers: DevServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-reload-robust-')));
  dirs.push(dir);
  return dir;
}

/** A JSON config whose one preset's description is `label`: what the dev page API shows. */
const jsonConfig = (label: string) =>
  JSON.stringify({ upstream: upstream.url, fragments: { header: { src: '/f/header' } }, presets: { p: { description: label, local: [] } } }, null, 2);

async function startWatched(root: string) {
  const server = await createDevServer({ root, port: 0, logLevel: 'silent' });
  servers.push(server);
  const errors: string[] = [];
  const infos: string[] = [];
  server.logger.error = (message) => void errors.push(message);
  server.logger.info = (message) => void infos.push(message);
  await server.listen();
  const label = async () => {
    const state = JSON.parse((await request(`${server.url}/__mfe-dev/api/state`)).text) as { presets: Array<{ description: string | null }> };
    return state.presets[0]?.description;
  };
  return { server, errors, infos, label };
}


/** Rewrites `file` until the gateway shows `label`: the watcher is then certainly set up. */
async function watching(file: string, label: () => Promise<string | null | undefined>, content: (l: string) => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (let i = 0; ; i++) {
    fs.writeFileSync(file, content(`ready-${i}`));
    const seen = await eventually(async () => expect(await label()).toBe(`ready-${i}`), 1000).then(() => true, () => false);
    if (seen) return;
    if (Date.now() > deadline) throw new Error(`editing ${file} never made the gateway reload`);
  }
}

describe('hot reload survives any sequence of file operations', () => {
  it('two atomic saves a few ms apart (sed -i twice), then every later edit still applies', async () => {
    const root = tempDir();
    const file = path.join(root, 'mfe-dev.config.json');
    fs.writeFileSync(file, jsonConfig('v0'));
    const { label } = await startWatched(root);
    await watching(file, label, jsonConfig);

    fs.writeFileSync(file, jsonConfig('one'));
    await eventually(async () => expect(await label()).toBe('one'));
    execFileSync('sed', ['-i', 's/"one"/"two"/', file]);
    execFileSync('sed', ['-i', 's/"two"/"three"/', file]);
    await eventually(async () => expect(await label()).toBe('three'));
    // And later edits, of every kind, still apply.
    for (let round = 0; round < 3; round++) {
      execFileSync('sed', ['-i', `s/"description": "[^"]*"/"description": "sed-${round}"/`, file]);
      await eventually(async () => expect(await label()).toBe(`sed-${round}`));
    }
    fs.writeFileSync(file, jsonConfig('plain write'));
    await eventually(async () => expect(await label()).toBe('plain write'));
  });

  it("an editor's write-rename, delete + re-create, and rapid edits: the last edit always applies", async () => {
    const root = tempDir();
    const file = path.join(root, 'mfe-dev.config.json');
    fs.writeFileSync(file, jsonConfig('v0'));
    const { label, errors } = await startWatched(root);
    await watching(file, label, jsonConfig);

    // Write-rename, as editors save (vim's backupcopy=no, VS Code's atomic save), three times quickly.
    for (const step of ['rename-1', 'rename-2', 'rename-3']) {
      fs.writeFileSync(`${file}.tmp`, jsonConfig(step));
      fs.renameSync(`${file}.tmp`, file);
    }
    await eventually(async () => expect(await label()).toBe('rename-3'));

    // Delete, then re-create: the deletion is an error (the last good config keeps serving).
    fs.rmSync(file);
    await eventually(() => expect(errors.join('\n')).toContain(`${file} was deleted or renamed`));
    expect(await label()).toBe('rename-3');
    fs.writeFileSync(file, jsonConfig('re-created'));
    await eventually(async () => expect(await label()).toBe('re-created'));

    // Rapid edits: twenty writes back to back; the last one wins.
    for (let i = 0; i < 20; i++) fs.writeFileSync(file, jsonConfig(`rapid-${i}`));
    await eventually(async () => expect(await label()).toBe('rapid-19'));

    // A mix: rename, delete, re-create by rename, edit in place.
    fs.writeFileSync(`${file}.tmp`, jsonConfig('mix-1'));
    fs.renameSync(`${file}.tmp`, file);
    fs.rmSync(file);
    fs.writeFileSync(`${file}.new`, jsonConfig('mix-2'));
    fs.renameSync(`${file}.new`, file);
    fs.writeFileSync(file, jsonConfig('mix-3'));
    await eventually(async () => expect(await label()).toBe('mix-3'));
    fs.writeFileSync(file, jsonConfig('after all that'));
    await eventually(async () => expect(await label()).toBe('after all that'));
  });
});

/** A TypeScript (ESM) config whose import never settles: a top-level await on a promise that never resolves. */
const neverSettling = `await new Promise(() => {});\nexport default { upstream: 'http://127.0.0.1:1' };\n`;
const mtsConfig = (label: string) => `export default ${jsonConfig(label)};\n`;

describe('a config whose import never settles', () => {
  it('is abandoned with an error after the reload timeout; the last good config keeps serving; later edits apply', async () => {
    const previous = process.env.MFE_DEV_RELOAD_TIMEOUT_MS;
    process.env.MFE_DEV_RELOAD_TIMEOUT_MS = '1500';
    try {
      const root = tempDir();
      const file = path.join(root, 'mfe-dev.config.mts');
      fs.writeFileSync(file, mtsConfig('v0'));
      const { server, label, errors } = await startWatched(root);
      await watching(file, label, mtsConfig);

      fs.writeFileSync(file, neverSettling);
      await eventually(() => expect(errors.join('\n')).toMatch(/did not finish within 1\.5 s/));
      expect(errors.join('\n')).toContain(file);
      expect(await label()).toMatch(/^ready-/);
      expect((await request(`${server.url}/`)).text).toContain('production');

      fs.writeFileSync(file, mtsConfig('after the hang'));
      await eventually(async () => expect(await label()).toBe('after the hang'));
      // close() does not wait for the import that never settles.
    } finally {
      if (previous === undefined) delete process.env.MFE_DEV_RELOAD_TIMEOUT_MS;
      else process.env.MFE_DEV_RELOAD_TIMEOUT_MS = previous;
    }
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`does not keep ${signal} from stopping the CLI promptly while the reload hangs`, async () => {
      const root = tempDir();
      const file = path.join(root, 'mfe-dev.config.mts');
      fs.writeFileSync(file, mtsConfig('v0'));
      // The default reload timeout (10 s) is longer than the wait below: the reload is still hanging.
      const child = spawn(process.execPath, [BIN, '--port', '0'], { cwd: root, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
      try {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
        const url = await eventually(() => {
          const match = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
          expect(match, out).not.toBeNull();
          return match![0];
        }, 20_000);
        const label = async () => (JSON.parse((await request(`${url}/__mfe-dev/api/state`)).text) as { presets: Array<{ description: string }> }).presets[0]?.description;
        await watching(file, label, mtsConfig);
        fs.writeFileSync(file, neverSettling);
        // Let the reload start and hang (the watcher's debounce is 100 ms).
        await new Promise((resolve) => setTimeout(resolve, 1000));
        child.kill(signal);
        const code = await Promise.race([exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 8000))]);
        expect(code, `mfe-dev did not stop within 8 s of ${signal}\n${out}`).toBe(0);
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      }
    }, 60_000);
  }
});
