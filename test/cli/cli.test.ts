/**
 * The command line as a user runs it: `node bin/mfe-dev.js …` in a child process, in a temp
 * project folder with a config file, in front of the example shop and header service on free ports.
 * Needs the build (`npm test` runs it first): the bin imports dist/cli/main.js.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeaderService } from '../../examples/header-service/server.js';
import { startShop } from '../../examples/shop/server.js';
import { watchChild } from '../helpers/child-output.js';
import { closedPort, listen, request, type TestServer } from '../helpers/servers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/mfe-dev.js');
const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

// What a page shows, by fragment and mode.
const LOCAL_HEADER = 'LOCAL header from your machine';
const PROD_HEADER = 'class="site-header"';
const LOCAL_FOOTER = 'LOCAL footer from the footer service';
const PROD_FOOTER = 'class="site-footer"';
const NEW_CHECKOUT = 'You are seeing the new checkout.';
const OVERLAY_BEFORE_BODY_END = /<script[^>]*data-mfe-dev-overlay[^>]*><\/script>\s*<\/body>/;

// ── Child processes and temp folders, cleaned up when each test finishes ─────────────────────
// Tests run concurrently (each is mostly waiting for a node process to start), so cleanup is
// per test, through the test context's `onTestFinished`.

const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');

interface Cli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the match once stdout (or stderr) matches (fails after `ms`, or if the process exits first). */
  waitFor(pattern: RegExp, ms?: number, stream?: 'stdout' | 'stderr'): Promise<RegExpMatchArray>;
}

type OnFinished = (fn: () => Promise<void> | void) => void;

/** What one test starts: child processes (killed) and temp folders (removed) when it finishes. */
function session(onTestFinished: OnFinished) {
  const children = new Set<Cli>();
  const dirs: string[] = [];
  onTestFinished(async () => {
    await Promise.all(
      [...children].map(async (cli) => {
        if (cli.child.exitCode === null && cli.child.signalCode === null) {
          cli.child.kill('SIGKILL');
          await cli.exited;
        }
      }),
    );
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  function tempDir(): string {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-cli-')));
    dirs.push(dir);
    return dir;
  }

  /** A temp project with these files (objects are written as JSON). */
  function project(files: Record<string, string | object>): string {
    const dir = tempDir();
    for (const [name, content] of Object.entries(files)) {
      const file = path.join(dir, name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    }
    return dir;
  }

  function startCli(args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}): Cli {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env.FORCE_COLOR;
    delete env.DEBUG;
    Object.assign(env, extraEnv);
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const watched = watchChild(child, 'mfe-dev');
    const stdout = () => stripAnsi(watched.stdout());
    const stderr = () => stripAnsi(watched.stderr());
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
    const cli: Cli = {
      child,
      stdout,
      stderr,
      exited,
      async waitFor(pattern, ms = 40_000, stream = 'stdout') {
        const text = stream === 'stdout' ? stdout : stderr;
        await watched.waitUntil(() => pattern.test(text()), `printing ${pattern} on ${stream}`, ms);
        return text().match(pattern)!;
      },
    };
    children.add(cli);
    return cli;
  }

  /** Runs a command that should end by itself; fails (and kills it) if it runs longer than `ms`. */
  async function runCli(args: string[], cwd: string, ms = 40_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const cli = startCli(args, cwd);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
    const result = await Promise.race([cli.exited, timeout]);
    clearTimeout(timer);
    if (result === 'timeout') {
      cli.child.kill('SIGKILL');
      await cli.exited;
      throw new Error(`mfe-dev ${args.join(' ')} did not exit within ${ms} ms\nstdout: ${cli.stdout()}\nstderr: ${cli.stderr()}`);
    }
    return { code: result.code, stdout: cli.stdout(), stderr: cli.stderr() };
  }

  /** Starts `mfe-dev …` and waits for its URL; returns the URL and the running process. */
  async function startDev(args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<{ cli: Cli; url: string }> {
    const cli = startCli(args, cwd, extraEnv);
    const [url] = await cli.waitFor(/http:\/\/127\.0\.0\.1:\d+/);
    // The fragment list is printed with the URL; wait for the end of the banner.
    await cli.waitFor(/Fragments\n(?:[^\n]+\n)+\n/);
    return { cli, url };
  }

  return { tempDir, project, startCli, runCli, startDev };
}

/** SIGTERM or SIGINT, then the exit code (fails if the process is still there after 15 s). */
async function stop(cli: Cli, signal: NodeJS.Signals): Promise<number | null> {
  cli.child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([cli.exited, new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 15_000)))]);
  clearTimeout(timer);
  if (result === 'timeout') throw new Error(`mfe-dev did not stop within 15 s of ${signal}\nstdout: ${cli.stdout()}\nstderr: ${cli.stderr()}`);
  expect(result.signal).toBeNull();
  return result.code;
}

/** Fragment modes for a browser that chose nothing, from the dev page's JSON. */
async function modes(url: string): Promise<Record<string, string>> {
  const response = await request(`${url}/__mfe-dev/api/state`);
  expect(response.status).toBe(200);
  const state = JSON.parse(response.text) as { fragments: Array<{ name: string; mode: string }> };
  return Object.fromEntries(state.fragments.map((f) => [f.name, f.mode]));
}


// ── The servers behind the gateway ───────────────────────────────────────────────────────────

let shop: Awaited<ReturnType<typeof startShop>>;
let headerService: Awaited<ReturnType<typeof startHeaderService>>;
let footerService: TestServer;
let deadPort: number;

beforeAll(async () => {
  shop = await startShop();
  headerService = await startHeaderService();
  footerService = await listen((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<footer data-fragment="footer" class="local-footer">${LOCAL_FOOTER} (${req.url})</footer>`);
  });
  deadPort = await closedPort();
});

afterAll(async () => {
  await Promise.all([shop?.close(), headerService?.close(), footerService?.close()]);
});

/** The shop's config, as a team would commit it; `extra` replaces top-level keys. */
function shopConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    upstream: shop.url,
    fragments: {
      header: { src: '/fragments/header', selector: 'header[data-fragment="header"]', local: headerService.url, assets: ['/assets/header/'] },
      footer: { src: '/fragments/footer', selector: 'footer[data-fragment="footer"]', local: footerService.url },
    },
    local: ['header'],
    presets: {
      'header-local': { description: 'Header from this machine', local: ['header'] },
      'new-checkout': { description: 'The new checkout toggle', cookies: { toguru: 'new-checkout=true' } },
    },
    ...extra,
  };
}

// ── dev ──────────────────────────────────────────────────────────────────────────────────────

describe.concurrent('mfe-dev (dev)', () => {
  it('is the default command: prints the real URL, then the fragments and modes; serves composed pages; SIGTERM exits 0', async ({ onTestFinished }) => {
    const { project, startDev } = session(onTestFinished);
    const cwd = project({ 'mfe-dev.config.json': shopConfig() });
    const { cli, url } = await startDev(['--port', '0'], cwd);

    const port = Number(new URL(url).port);
    expect(port).toBeGreaterThan(0);
    expect([shop.url, headerService.url]).not.toContain(url);
    const out = cli.stdout();
    const header = out.match(/^\s*header\s+local\b.*$/m);
    const footer = out.match(/^\s*footer\s+prod\b.*$/m);
    expect(header, out).not.toBeNull();
    expect(footer, out).not.toBeNull();
    expect(out.indexOf(url)).toBeLessThan(header!.index!);
    expect(out.indexOf(url)).toBeLessThan(footer!.index!);

    const page = await request(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(LOCAL_HEADER);
    expect(page.text).not.toContain(PROD_HEADER);
    expect(page.text).toContain(PROD_FOOTER);
    expect(page.text).toContain('<h1>Gear for the long way round</h1>');

    expect(await stop(cli, 'SIGTERM')).toBe(0);
    // It no longer listens.
    await expect(request(`${url}/`, { timeout: 2000 })).rejects.toThrow(/ECONNREFUSED/);
  });

  it('`dev` explicitly, with a TypeScript config found from a subfolder; SIGINT exits 0', async ({ onTestFinished }) => {
    const { project, startDev } = session(onTestFinished);
    const config = shopConfig();
    const cwd = project({
      'mfe-dev.config.ts': `type Config = { upstream: string; [key: string]: unknown };\nconst config: Config = ${JSON.stringify(config, null, 2)};\nexport default config;\n`,
      'src/app/.keep': '',
    });
    const { cli, url } = await startDev(['dev', '--port', '0'], path.join(cwd, 'src/app'));
    expect(cli.stdout()).toMatch(/^\s*header\s+local\b/m);
    const page = await request(`${url}/products/tent-2p`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(LOCAL_HEADER);
    expect(page.text).toContain('Fjellstue 2P Tent');
    expect(await stop(cli, 'SIGINT')).toBe(0);
  });

  it('--upstream overrides the config', async ({ onTestFinished }) => {
    const { project, startDev } = session(onTestFinished);
    const cwd = project({ 'mfe-dev.config.json': shopConfig({ upstream: `http://127.0.0.1:${deadPort}` }) });
    const { cli, url } = await startDev(['--port', '0', '--upstream', shop.url], cwd);
    expect(cli.stdout()).toContain(`Upstream: ${shop.url}`);
    const page = await request(`${url}/about`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('About Nordwind Outdoor');
    expect(await stop(cli, 'SIGTERM')).toBe(0);
  });

  it('--local repeats and overrides the config', async ({ onTestFinished }) => {
    const { project, startDev } = session(onTestFinished);
    const cwd = project({ 'mfe-dev.config.json': shopConfig({ local: [] }) });
    const { cli, url } = await startDev(['--port', '0', '--local', 'header', '--local', 'footer'], cwd);
    expect(cli.stdout()).toMatch(/^\s*header\s+local\b/m);
    expect(cli.stdout()).toMatch(/^\s*footer\s+local\b/m);
    expect(await modes(url)).toEqual({ header: 'local', footer: 'local' });
    const page = await request(`${url}/`);
    expect(page.text).toContain(LOCAL_HEADER);
    expect(page.text).toContain(LOCAL_FOOTER);
    expect(page.text).not.toContain(PROD_FOOTER);
  });

  it('--prod overrides the config for that fragment only', async ({ onTestFinished }) => {
    const { project, startDev } = session(onTestFinished);
    const cwd = project({ 'mfe-dev.config.json': shopConfig({ local: ['header', 'footer'] }) });
    const { cli, url } = await startDev(['--port', '0', '--prod', 'header'], cwd);
    expect(cli.stdout()).toMatch(/^\s*header\s+prod\b/m);
    expect(cli.stdout()).toMatch(/^\s*footer\s+local\b/m);
    expect(await modes(url)).toEqual({ header: 'prod', footer: 'local' });
    const page = await request(`${url}/`);
    expect(page.text).toContain(PROD_HEADER);
    expect(page.text).not.toContain(LOCAL_HEADER);
    expect(page.text).toContain(LOCAL_FOOTER);
  });

  it('--shadow serves production and still marks the page as in development', async ({ onTestFinished }) => {
    const { project, startDev } = session(onTestFinished);
    const cwd = project({ 'mfe-dev.config.json': shopConfig({ local: [] }) });
    const { cli, url } = await startDev(['--port', '0', '--shadow', 'header'], cwd);
    expect(cli.stdout()).toMatch(/^\s*header\s+shadow\b/m);
    expect(await modes(url)).toEqual({ header: 'shadow', footer: 'prod' });
    const page = await request(`${url}/`);
    expect(page.text).toContain(PROD_HEADER);
    expect(page.text).not.toContain(LOCAL_HEADER);
    expect(page.text).toMatch(OVERLAY_BEFORE_BODY_END);
    const timing = `${page.headers['server-timing'] ?? ''}, ${page.trailers['server-timing'] ?? ''}`;
    expect(timing).toMatch(/mfe-header;desc="?shadow"?/);
  });

  it('--preset repeats: modes, and cookies sent to production', async ({ onTestFinished }) => {
    const { project, startDev } = session(onTestFinished);
    const cwd = project({ 'mfe-dev.config.json': shopConfig({ local: [] }) });
    const { url } = await startDev(['--port', '0', '--preset', 'header-local', '--preset', 'new-checkout'], cwd);
    expect(await modes(url)).toEqual({ header: 'local', footer: 'prod' });
    const page = await request(`${url}/checkout`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(LOCAL_HEADER);
    expect(page.text).toContain(NEW_CHECKOUT);
    // The preset's cookie reached the local header too.
    expect(page.text).toContain('data-toguru="new-checkout=true"');
  });

  it('adds the overlay before </body> on a page with a local fragment, and not with --no-overlay', async ({ onTestFinished }) => {
    const { project, startDev } = session(onTestFinished);
    const cwd = project({ 'mfe-dev.config.json': shopConfig() });
    const withOverlay = await startDev(['--port', '0'], cwd);
    const withoutOverlay = await startDev(['--port', '0', '--no-overlay'], cwd);

    const page = await request(`${withOverlay.url}/`);
    expect(page.text).toContain(LOCAL_HEADER);
    expect(page.text).toMatch(OVERLAY_BEFORE_BODY_END);

    const bare = await request(`${withoutOverlay.url}/`);
    expect(bare.text).toContain(LOCAL_HEADER);
    expect(bare.text).not.toContain('data-mfe-dev-overlay');
    expect(bare.text).toMatch(/<\/footer>\n<\/body>\n<\/html>\n$/);
  });

  it('applies a config edit without a restart, and the flags still win over the edited file', async ({ onTestFinished }) => {
    const { project, startDev } = session(onTestFinished);
    const cwd = project({ 'mfe-dev.config.json': shopConfig() });
    const file = path.join(cwd, 'mfe-dev.config.json');
    const { cli, url } = await startDev(['--port', '0', '--prod', 'header', '--no-overlay'], cwd);
    expect(await modes(url)).toEqual({ header: 'prod', footer: 'prod' });

    // The watcher starts alongside the server: save until the gateway says it reloaded.
    const edited = JSON.stringify(shopConfig({ local: ['header', 'footer'] }), null, 2);
    const deadline = Date.now() + 30_000;
    while (!/config reloaded/.test(cli.stdout()) && Date.now() < deadline) {
      fs.writeFileSync(file, edited);
      await cli.waitFor(/config reloaded/, 600).catch(() => undefined);
    }
    expect(cli.stdout()).toMatch(/config reloaded:\n.*footer/);
    expect(await modes(url)).toEqual({ header: 'prod', footer: 'local' });
    const page = await request(`${url}/`);
    expect(page.text).toContain(PROD_HEADER);
    expect(page.text).toContain(LOCAL_FOOTER);
    expect(page.text).not.toContain('data-mfe-dev-overlay');
  });

  it('prints one line per composed page: method, path, status, time, and each fragment with its mode and time', async ({ onTestFinished }) => {
    const { project, startDev } = session(onTestFinished);
    const cwd = project({ 'mfe-dev.config.json': shopConfig() });
    const { cli, url } = await startDev(['--port', '0'], cwd);
    await request(`${url}/products/tent-2p?mfe-dev=footer=local`);
    const [line] = await cli.waitFor(/GET \/products\/tent-2p\?mfe-dev=footer=local 200 \d+ms .*\n/);
    const text = line.replace(/\x1b\[[0-9;]*m/g, '');
    expect(text).toMatch(/header local \d+ms/);
    expect(text).toMatch(/footer local \d+ms/);
    expect(text).toMatch(/\/fragments\/cart prod \d+ms/);
  });

  it('DEBUG=mfe-dev:* traces each upstream answer and each fragment request with its URL', async ({ onTestFinished }) => {
    const { project, startDev } = session(onTestFinished);
    const cwd = project({ 'mfe-dev.config.json': shopConfig() });
    const { cli, url } = await startDev(['--port', '0'], cwd, { DEBUG: 'mfe-dev:*' });
    await request(`${url}/products/tent-2p`);
    await cli.waitFor(/mfe-dev:compose #\d+ done: 200/, 30_000, 'stderr');
    expect(cli.stderr()).toMatch(/mfe-dev:proxy GET \/products\/tent-2p ← 200 text\/html.*: compose/);
    expect(cli.stderr()).toContain(`mfe-dev:compose #1 header local → ${headerService.url}/fragments/header`);
  });

  it('--host overrides the config host', async ({ onTestFinished }) => {
    const { project, startDev } = session(onTestFinished);
    const cwd = project({ 'mfe-dev.config.json': shopConfig({ host: 'localhost' }) });
    const { cli, url } = await startDev(['--port', '0', '--host', '127.0.0.1'], cwd);
    expect(cli.stdout()).not.toMatch(/http:\/\/localhost:/);
    const page = await request(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(LOCAL_HEADER);
  });
});

// ── Errors ───────────────────────────────────────────────────────────────────────────────────

describe.concurrent('mfe-dev errors: exit 1 with a message that says what to fix', () => {
  it('a bad --upstream names the flag and suggests the fix', async ({ onTestFinished }) => {
    const { project, runCli } = session(onTestFinished);
    const cwd = project({ 'mfe-dev.config.json': shopConfig() });
    const { code, stderr } = await runCli(['--port', '0', '--upstream', 'localhost:3000'], cwd);
    expect(code).toBe(1);
    expect(stderr).toContain("--upstream must be an http(s) URL, got 'localhost:3000'. Did you mean 'http://localhost:3000'?");
  });

  it('no config found', async ({ onTestFinished }) => {
    const { tempDir, runCli } = session(onTestFinished);
    const cwd = tempDir();
    const { code, stderr } = await runCli(['--port', '0'], cwd);
    expect(code).toBe(1);
    expect(stderr).toContain('no mfe-dev config found');
    expect(stderr).toContain(cwd);
    expect(stderr).toContain('mfe-dev.config.ts');
    expect(stderr).toContain('mfe-dev init');
    expect(stderr).toContain('--config');
  });

  it('--config names a file that does not exist', async ({ onTestFinished }) => {
    const { tempDir, runCli } = session(onTestFinished);
    const cwd = tempDir();
    const { code, stderr } = await runCli(['--config', 'nope.config.json', '--port', '0'], cwd);
    expect(code).toBe(1);
    expect(stderr).toContain('nope.config.json');
  });

  it('an invalid config: names the file, the key, the value and the fix', async ({ onTestFinished }) => {
    const { project, runCli } = session(onTestFinished);
    const config = shopConfig();
    (config.fragments as Record<string, Record<string, unknown>>).header.local = 'localhost:3001';
    const cwd = project({ 'mfe-dev.config.json': config });
    const { code, stdout, stderr } = await runCli(['--port', '0'], cwd);
    expect(code).toBe(1);
    expect(stdout).not.toContain('http://127.0.0.1');
    expect(stderr).toContain(path.join(cwd, 'mfe-dev.config.json'));
    expect(stderr).toContain('fragments.header.local');
    expect(stderr).toContain("'localhost:3001'");
    expect(stderr).toContain('http://localhost:3001');
  });

  it('a config with a syntax error names the file', async ({ onTestFinished }) => {
    const { project, runCli } = session(onTestFinished);
    const cwd = project({ 'mfe-dev.config.json': '{ "upstream": ' });
    const { code, stderr } = await runCli(['--port', '0'], cwd);
    expect(code).toBe(1);
    expect(stderr).toContain(path.join(cwd, 'mfe-dev.config.json'));
    expect(stderr).not.toContain('unexpected error');
  });

  it('--port overrides the config port; the port in use: names the port and --port, exits 1', async ({ onTestFinished }) => {
    const { project, startCli, startDev } = session(onTestFinished);
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as net.AddressInfo;
    try {
      const cwd = project({ 'mfe-dev.config.json': shopConfig({ port }) });
      const { url } = await startDev(['--port', '0'], cwd);
      expect(url).not.toBe(`http://127.0.0.1:${port}`);
      expect((await request(`${url}/`)).text).toContain(LOCAL_HEADER);

      const cli = startCli([], cwd);
      await cli.waitFor(/in use/, 40_000, 'stderr');
      expect(cli.stderr()).toContain(String(port));
      expect(cli.stderr()).toContain('--port');
      expect(cli.stdout()).not.toContain('Fragments');
      // Having said so, it exits with 1 (and does not hang on).
      let timer: NodeJS.Timeout | undefined;
      const exit = await Promise.race([cli.exited, new Promise<'still running'>((resolve) => (timer = setTimeout(() => resolve('still running'), 2000)))]);
      clearTimeout(timer);
      expect(exit, 'mfe-dev should exit once it reported the port in use').not.toBe('still running');
      expect(exit).toEqual({ code: 1, signal: null });
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  });

  it('an unknown fragment on --local: names it, the configured ones and the closest', async ({ onTestFinished }) => {
    const { project, runCli } = session(onTestFinished);
    const cwd = project({ 'mfe-dev.config.json': shopConfig() });
    const { code, stderr } = await runCli(['--port', '0', '--local', 'heade'], cwd);
    expect(code).toBe(1);
    expect(stderr).toContain("'heade'");
    expect(stderr).toContain('--local');
    expect(stderr).toMatch(/header, footer/);
    expect(stderr).toContain("Did you mean 'header'?");
  });

  it('a mistyped flag suggests the closest one', async ({ onTestFinished }) => {
    const { project, runCli } = session(onTestFinished);
    const cwd = project({ 'mfe-dev.config.json': shopConfig() });
    const dev = await runCli(['--loacl', 'header'], cwd);
    expect(dev.code).toBe(1);
    expect(dev.stdout).not.toContain('http://127.0.0.1');
    expect(dev.stderr).toContain("'--loacl'");
    expect(dev.stderr).toContain('Did you mean --local?');
    const check = await runCli(['check', '--confg', 'x.json'], cwd);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('Did you mean --config?');
  });

  it('warns at start when a local service in use is down, and the page line says why its fragment failed', async ({ onTestFinished }) => {
    const { project, startDev } = session(onTestFinished);
    const config = shopConfig();
    const dead = `http://127.0.0.1:${deadPort}`;
    (config.fragments as Record<string, Record<string, unknown>>).footer.local = dead;
    const cwd = project({ 'mfe-dev.config.json': config });
    const { cli, url } = await startDev(['--port', '0', '--local', 'footer'], cwd);
    const [warning] = await cli.waitFor(/[^\n]*not answering[^\n]*\n/, 40_000, 'stderr');
    expect(warning).toContain("'footer'");
    expect(warning).toContain(dead);
    expect(warning).toMatch(/refused/);
    expect(cli.stderr()).not.toMatch(/'header'[^\n]*not answering/);
    await request(`${url}/products/tent-2p`);
    const [line] = await cli.waitFor(/GET \/products\/tent-2p 200 [^\n]*\n/);
    expect(stripAnsi(line)).toMatch(/footer local \d+ms ✗ [^·]*refused/);
  });

  it('an unknown fragment on --shadow', async ({ onTestFinished }) => {
    const { project, runCli } = session(onTestFinished);
    const cwd = project({ 'mfe-dev.config.json': shopConfig() });
    const { code, stderr } = await runCli(['--port', '0', '--shadow', 'cart'], cwd);
    expect(code).toBe(1);
    expect(stderr).toContain("'cart'");
    expect(stderr).toContain('--shadow');
  });

  it('an unknown preset on --preset: names it and the configured ones', async ({ onTestFinished }) => {
    const { project, runCli } = session(onTestFinished);
    const cwd = project({ 'mfe-dev.config.json': shopConfig() });
    const { code, stderr } = await runCli(['--port', '0', '--preset', 'checkout'], cwd);
    expect(code).toBe(1);
    expect(stderr).toContain("'checkout'");
    expect(stderr).toContain('--preset');
    expect(stderr).toContain('header-local');
    expect(stderr).toContain('new-checkout');
  });

  it('an unknown command: names it and lists the commands', async ({ onTestFinished }) => {
    const { project, runCli } = session(onTestFinished);
    const cwd = project({ 'mfe-dev.config.json': shopConfig() });
    const { code, stdout, stderr } = await runCli(['frobnicate'], cwd);
    expect(code).toBe(1);
    expect(stdout).not.toContain('http://127.0.0.1');
    expect(stderr).toContain("'frobnicate'");
    expect(stderr).toMatch(/check/);
    expect(stderr).toMatch(/presets/);
    expect(stderr).toMatch(/init/);
    expect(stderr).toContain('--help');
  });

  it('--port that is not a port', async ({ onTestFinished }) => {
    const { project, runCli } = session(onTestFinished);
    const cwd = project({ 'mfe-dev.config.json': shopConfig() });
    const { code, stderr } = await runCli(['--port', 'abc'], cwd);
    expect(code).toBe(1);
    expect(stderr).toContain('--port');
    expect(stderr).toContain('abc');
  });
});

// ── check ────────────────────────────────────────────────────────────────────────────────────

describe.concurrent('mfe-dev check', () => {
  it('exits 0 when upstream and every local service answer', async ({ onTestFinished }) => {
    const { project, runCli } = session(onTestFinished);
    const cwd = project({ 'mfe-dev.config.json': shopConfig() });
    const { code, stdout } = await runCli(['check'], cwd);
    expect(code, stdout).toBe(0);
    expect(stdout).toContain(path.join(cwd, 'mfe-dev.config.json'));
    expect(stdout).toContain(shop.url);
    expect(stdout).toContain(headerService.url);
    expect(stdout).toContain(footerService.url);
    expect(stdout).not.toMatch(/✗/);
  });

  it('exits 1 naming the local service that is down (config given with --config)', async ({ onTestFinished }) => {
    const { project, runCli } = session(onTestFinished);
    const config = shopConfig();
    const dead = `http://127.0.0.1:${deadPort}`;
    (config.fragments as Record<string, Record<string, unknown>>).footer.local = dead;
    const cwd = project({ 'team/shop.mfe.json': config });
    const { code, stdout, stderr } = await runCli(['check', '--config', 'team/shop.mfe.json'], cwd);
    expect(code).toBe(1);
    const output = stdout + stderr;
    const failing = output.split('\n').filter((line) => line.includes('✗'));
    expect(failing).toHaveLength(1);
    expect(failing[0]).toContain('footer');
    expect(failing[0]).toContain(dead);
    expect(failing[0]).toMatch(/refused/);
    // The services that are up are reported as such.
    expect(output).toMatch(new RegExp(`✓.*header.*${headerService.url.replace(/[.]/g, '\\.')}`));
  });

  it('exits 1 for an invalid config', async ({ onTestFinished }) => {
    const { project, runCli } = session(onTestFinished);
    const cwd = project({ 'mfe-dev.config.json': { fragments: { header: { src: '/fragments/header' } } } });
    const { code, stderr } = await runCli(['check'], cwd);
    expect(code).toBe(1);
    expect(stderr).toContain('upstream');
    expect(stderr).toContain(path.join(cwd, 'mfe-dev.config.json'));
  });
});

// ── presets ──────────────────────────────────────────────────────────────────────────────────

describe.concurrent('mfe-dev presets', () => {
  it('lists each preset: name, description, what it sets, where it comes from, a share link', async ({ onTestFinished }) => {
    const { project, runCli } = session(onTestFinished);
    const cwd = project({
      'mfe-dev.config.json': shopConfig({
        presets: { 'header-local': { description: 'Header from this machine', local: ['header'] } },
        extends: ['./team/mfe-presets.json'],
      }),
      'team/mfe-presets.json': {
        presets: {
          checkout: {
            description: 'Cart from localhost with the new checkout toggle',
            local: ['footer'],
            shadow: ['header'],
            headers: { 'x-toguru': 'new-checkout=true', authorization: 'Bearer s3cr3t-t0ken' },
            cookies: { toguru: 'new-checkout=true' },
          },
        },
      },
    });
    const { code, stdout } = await runCli(['presets'], cwd);
    expect(code).toBe(0);
    const blocks = stdout.trim().split(/\n\s*\n/);
    const block = (name: string) => {
      const found = blocks.find((b) => b.split('\n')[0].trim().startsWith(name));
      expect(found, `a block for ${name} in:\n${stdout}`).toBeDefined();
      return found!;
    };

    const checkout = block('checkout');
    expect(checkout).toContain('Cart from localhost with the new checkout toggle');
    expect(checkout).toMatch(/local: footer/);
    expect(checkout).toMatch(/shadow: header/);
    // Names shown, values masked (they are often credentials).
    expect(checkout).toMatch(/header x-toguru: \(hidden\)/);
    expect(checkout).toMatch(/header authorization: \(hidden\)/);
    expect(checkout).toMatch(/cookie toguru=\(hidden\)/);
    expect(stdout).not.toContain('s3cr3t-t0ken');
    expect(stdout).not.toContain('new-checkout=true');
    expect(checkout).toContain(path.join(cwd, 'team/mfe-presets.json'));
    expect(checkout).toMatch(/https?:\/\/\S+mfe-dev-preset=checkout\b/);

    const headerLocal = block('header-local');
    expect(headerLocal).toContain('Header from this machine');
    expect(headerLocal).toMatch(/local: header/);
    expect(headerLocal).toContain(path.join(cwd, 'mfe-dev.config.json'));
    expect(headerLocal).not.toContain('team/mfe-presets.json');
    expect(headerLocal).toMatch(/mfe-dev-preset=header-local\b/);
  });

  it('the share link applies the preset on a running gateway', async ({ onTestFinished }) => {
    const { project, runCli, startDev } = session(onTestFinished);
    const cwd = project({ 'mfe-dev.config.json': shopConfig({ local: [], port: 0 }) });
    const { stdout } = await runCli(['presets'], cwd);
    const link = stdout.match(/\S*mfe-dev-preset=new-checkout\S*/)?.[0];
    expect(link, stdout).toBeDefined();
    const { url } = await startDev(['--port', '0'], cwd);
    const shared = new URL(link!);
    const page = await request(`${url}/checkout${shared.search}`);
    expect(page.text).toContain(NEW_CHECKOUT);
  });
});

// ── init ─────────────────────────────────────────────────────────────────────────────────────

describe.concurrent('mfe-dev init', () => {
  it('writes a starter mfe-dev.config.ts and never overwrites it', async ({ onTestFinished }) => {
    const { tempDir, runCli } = session(onTestFinished);
    const cwd = tempDir();
    const file = path.join(cwd, 'mfe-dev.config.ts');
    const first = await runCli(['init'], cwd);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(file);
    const written = fs.readFileSync(file, 'utf8');
    expect(written).toContain("import { defineConfig } from 'mfe-dev'");
    expect(written).toContain('export default defineConfig(');
    expect(written).toMatch(/upstream:\s*'https?:\/\//);
    expect(written).toMatch(/fragments:/);
    expect(written).toMatch(/\/\/ /); // commented

    // The developer edits it; a second init must not touch it.
    const edited = written.replace('https://www.example.com', 'https://www.nordwind.example');
    fs.writeFileSync(file, edited);
    const second = await runCli(['init'], cwd);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(file);
    expect(second.stderr).toMatch(/already exists/);
    expect(fs.readFileSync(file, 'utf8')).toBe(edited);
  });
});

// ── --version, --help ────────────────────────────────────────────────────────────────────────

describe.concurrent('mfe-dev --version and --help', () => {
  it('--version prints the package version', async ({ onTestFinished }) => {
    const { tempDir, runCli } = session(onTestFinished);
    const { code, stdout } = await runCli(['--version'], tempDir());
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`(^|\\D)${VERSION.replace(/\./g, '\\.')}(\\D|$)`));
  });

  it('--help lists the commands and the flags', async ({ onTestFinished }) => {
    const { tempDir, runCli } = session(onTestFinished);
    const { code, stdout } = await runCli(['--help'], tempDir());
    expect(code).toBe(0);
    for (const command of ['check', 'presets', 'init']) expect(stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    expect(stdout).toMatch(/\bdev\b/);
    for (const flag of ['--config', '--port', '--host', '--upstream', '--local', '--prod', '--shadow', '--preset', '--no-overlay', '--open', '--version']) {
      expect(stdout).toContain(flag);
    }
  });
});
