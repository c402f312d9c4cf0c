/**
 * The README's "Use it in your project", tried as written from a `npm pack` tarball: pack this
 * repository (dist/ is built by `npm test`'s pretest), install the tarball into an empty temp
 * project (dependencies from npm's cache where it can), write the README's TypeScript config
 * against a loopback "production", start `npx mfe-dev`, and fetch a composed page. Also checks
 * what the tarball ships: the files the README's recipes point to, no test or bench folders.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, request, type TestServer } from '../helpers/servers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

describe('npm pack → install → npx mfe-dev, as the README says', () => {
  let dir = '';
  let tarball = '';
  let installOutput = '';
  let production: TestServer;
  let fragments: TestServer;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-pack-')));
    // --ignore-scripts: dist/ is already built by `npm test`'s pretest (prepack would build it again).
    const packed = await run(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, maxBuffer: 32 << 20 });
    tarball = path.join(dir, JSON.parse(packed.stdout)[0].filename as string);
    const project = path.join(dir, 'shop');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'shop', private: true, type: 'module' }));
    const installed = await run(NPM, ['install', '--save-dev', '--prefer-offline', '--no-audit', '--no-fund', tarball], {
      cwd: project,
      maxBuffer: 32 << 20,
    });
    installOutput = installed.stdout + installed.stderr;
  }, 300_000);

  afterAll(async () => {
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      // npx runs mfe-dev through a shell: stop the whole process group it leads.
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      process.kill(-child.pid, 'SIGKILL');
      await exited;
    }
    await production?.close();
    await fragments?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('ships dist, the bin and the examples the README recipes name; nothing of the repository besides', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball], { maxBuffer: 32 << 20 });
    const files = stdout.split('\n').filter(Boolean).map((name) => name.replace(/^package\//, ''));
    for (const recipe of [...readmeExamplePaths()]) {
      expect(files.some((file) => file === recipe || file.startsWith(`${recipe}/`)), `README names ${recipe}`).toBe(true);
    }
    expect(files).toContain('dist/index.js');
    expect(files).toContain('bin/mfe-dev.js');
    expect(files.filter((file) => /^(test|bench|\.ci)\//.test(file) || file.includes('node_modules/'))).toEqual([]);
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(manifest.scripts.prepare, 'a consumer install runs no build').toBeUndefined();
    for (const key of ['repository', 'homepage', 'bugs', 'keywords']) expect(manifest[key], key).toBeTruthy();
  });

  it('installs without running a build or warning about mfe-dev itself', () => {
    expect(installOutput).not.toMatch(/prepare|tsc -p/);
    // npm 11 lists esbuild's postinstall (tsx's dependency) for approval; the README says why it is not needed.
    const warnings = installOutput.split('\n').filter((line) => /warn/i.test(line) && !/install-scripts|esbuild/.test(line));
    expect(warnings).toEqual([]);
  });

  it('starts with `npx mfe-dev` on a TypeScript config and composes a page', async () => {
    production = await listen((req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      if (req.url?.startsWith('/fragments/header')) return res.end('<header>production header</header>');
      res.end('<!doctype html><title>shop</title><!--#include virtual="/fragments/header" --><main>shop</main>');
    });
    fragments = await listen((req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(`<header data-fragment="header">local header for ${req.url}</header>`);
    });
    const project = path.join(dir, 'shop');
    fs.writeFileSync(
      path.join(project, 'mfe-dev.config.ts'),
      [
        "import { defineConfig } from 'mfe-dev';",
        '',
        'export default defineConfig({',
        `  upstream: '${production.url}',`,
        `  fragments: { header: { src: '/fragments/header', local: '${fragments.url}' } },`,
        "  local: ['header'],",
        '});',
        '',
      ].join('\n'),
    );
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env.FORCE_COLOR;
    child = spawn(NPM, ['exec', '--offline', '--', 'mfe-dev', '--port', '0'], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL within 60 s:\n${output}`)), 60_000);
      const check = () => {
        const match = output.match(/http:\/\/127\.0\.0\.1:\d+/);
        if (match) {
          clearTimeout(timer);
          resolve(match[0]);
        }
      };
      child!.stdout!.on('data', check);
      child!.once('close', () => reject(new Error(`mfe-dev exited:\n${output}`)));
    });
    const page = await request(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('local header for /fragments/header');
    expect(page.text).toContain('<main>shop</main>');
    expect(page.text).not.toContain('production header');
  }, 120_000);
});

/** The `examples/…` paths the README's recipes (everything after "Use it in your project") point a user at. */
function readmeExamplePaths(): Set<string> {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const recipes = readme.slice(readme.indexOf('## Use it in your project'));
  const paths = new Set<string>();
  for (const match of recipes.matchAll(/`(examples\/[\w./-]+)`/g)) {
    paths.add(match[1].replace(/\/$/, ''));
  }
  expect(paths.size).toBeGreaterThan(0);
  return paths;
}
