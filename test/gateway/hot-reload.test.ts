/**
 * Hot reload through a running gateway: a developer edits the config (or a file it extends or
 * imports) while mfe-dev runs, and the next page reflects it; a broken edit is reported and the
 * last good config keeps serving; fixing it applies.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHeaderService } from '../../examples/header-service/server.js';
import { startShop } from '../../examples/shop/server.js';
import { createDevServer, type DevServer } from '../../src/server/index.js';
import { listen, request, type TestServer } from '../helpers/servers.js';
import { eventually } from '../helpers/eventually.js';

const LOCAL_HEADER = 'LOCAL header from your machine';
const SECOND_HEADER = 'SECOND local header';
const PROD_HEADER = 'class="site-header"';
const PROD_FOOTER = 'class="site-footer"';

let shop: Awaited<ReturnType<typeof startShop>>;
let headerService: Awaited<ReturnType<typeof startHeaderService>>;
/** Another local header service, to switch to. */
let secondService: TestServer;

beforeAll(async () => {
  shop = await startShop();
  headerService = await startHeaderService();
  secondService = await listen((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<header data-fragment="header" class="second">${SECOND_HEADER} (${req.url})</header>`);
  });
});

afterAll(async () => {
  await Promise.all([shop?.close(), headerService?.close(), secondService?.close()]);
});

const servers: DevServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function project(files: Record<string, string | object>): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-reload-')));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) write(path.join(dir, name), content);
  return dir;
}

function write(file: string, content: string | object): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
}

function edit(file: string, from: string, to: string): void {
  const text = fs.readFileSync(file, 'utf8');
  expect(text, `${file} should contain ${from}`).toContain(from);
  fs.writeFileSync(file, text.replace(from, to));
}

function shopConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    upstream: shop.url,
    fragments: {
      header: { src: '/fragments/header', selector: 'header[data-fragment="header"]', local: headerService.url },
      footer: { src: '/fragments/footer', selector: 'footer[data-fragment="footer"]' },
    },
    local: ['header'],
    ...extra,
  };
}

/**
 * A gateway on the config in `root` (found there, watched: the default), with what it logs
 * recorded: the logger is silent, so the test listens on the gateway's own logger.
 */
async function startWatched(options: { root: string; configFile?: string }) {
  const server = await createDevServer({ ...options, port: 0, logLevel: 'silent' });
  servers.push(server);
  const log = { info: [] as string[], error: [] as string[] };
  const { info, error } = server.logger;
  server.logger.info = (message) => {
    log.info.push(message);
    info(message);
  };
  server.logger.error = (message) => {
    log.error.push(message);
    error(message);
  };
  await server.listen();
  const url = server.url!;
  const page = async (pathname = '/', headers: Record<string, string> = {}) => {
    const response = await request(url + pathname, { headers });
    expect(response.status).toBe(200);
    return response.text;
  };
  const state = async () => JSON.parse((await request(`${url}/__mfe-dev/api/state`)).text) as {
    fragments: Array<{ name: string; mode: string; local: string | null }>;
    presets: Array<{ name: string; description: string | null }>;
  };
  return { server, url, log, page, state };
}


/**
 * Waits until the watcher reacts at all: rewrites `file` unchanged until a reload is logged.
 * Without it, an edit made in the first milliseconds could land before the watcher is set up.
 */
async function watcherReady(file: string, log: { info: string[] }): Promise<void> {
  const content = fs.readFileSync(file);
  const deadline = Date.now() + 30_000;
  const reloaded = () => log.info.some((line) => line.startsWith('config reloaded'));
  while (!reloaded()) {
    if (Date.now() > deadline) throw new Error(`rewriting ${file} never made the gateway reload its config`);
    fs.writeFileSync(file, content);
    // Longer than the watcher's debounce, so rewrites do not keep postponing the reload.
    await eventually(() => expect(reloaded()).toBe(true), 600).catch(() => undefined);
  }
  log.info.length = 0;
}

/** Several requests over a short while all get `expected` (the old config keeps serving). */
async function keepsServing(page: () => Promise<string>, expected: string, unexpected: string[]): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const text = await page();
    expect(text).toContain(expected);
    for (const u of unexpected) expect(text).not.toContain(u);
    await new Promise((resolve) => setTimeout(resolve, 60));
  }
}

describe('hot reload of a running gateway', () => {
  it("switching a fragment's local URL applies to the next page", async () => {
    const root = project({ 'mfe-dev.config.json': shopConfig() });
    const file = path.join(root, 'mfe-dev.config.json');
    const { page, state, log } = await startWatched({ root });
    expect(await page()).toContain(LOCAL_HEADER);
    await watcherReady(file, log);

    edit(file, headerService.url, secondService.url);
    const text = await eventually(async () => {
      const text = await page();
      expect(text).toContain(SECOND_HEADER);
      return text;
    });
    expect(text).not.toContain(LOCAL_HEADER);
    expect(text).toContain(PROD_FOOTER);
    // The local service got the include's path.
    expect(text).toContain(`${SECOND_HEADER} (/fragments/header)`);
    expect((await state()).fragments.find((f) => f.name === 'header')?.local).toBe(secondService.url);
    expect(log.info.join('\n')).toContain(secondService.url);
  });

  it("switching a fragment's mode in a TypeScript config applies to the next page", async () => {
    const config = (local: string[], shadow: string[]) =>
      `// The team's config.\nexport default ${JSON.stringify({ ...shopConfig(), local, shadow }, null, 2)} satisfies { upstream: string };\n`;
    const root = project({ 'mfe-dev.config.ts': config(['header'], []) });
    const file = path.join(root, 'mfe-dev.config.ts');
    const { page, state, log } = await startWatched({ root });
    expect(await page()).toContain(LOCAL_HEADER);
    expect(await page()).toContain('data-mfe-dev-overlay');
    await watcherReady(file, log);

    write(file, config([], []));
    const prod = await eventually(async () => {
      const text = await page();
      expect(text).toContain(PROD_HEADER);
      return text;
    });
    expect(prod).not.toContain(LOCAL_HEADER);
    expect(prod).not.toContain('data-mfe-dev-overlay');
    expect((await state()).fragments.find((f) => f.name === 'header')?.mode).toBe('prod');

    write(file, config([], ['header']));
    await eventually(async () => expect((await state()).fragments.find((f) => f.name === 'header')?.mode).toBe('shadow'));
    const shadow = await page();
    expect(shadow).toContain(PROD_HEADER);
    expect(shadow).toContain('data-mfe-dev-overlay');
  });

  it('a config with a syntax error is reported and the last good config keeps serving; the fix applies', async () => {
    const root = project({ 'mfe-dev.config.json': shopConfig() });
    const file = path.join(root, 'mfe-dev.config.json');
    const { page, log } = await startWatched({ root });
    await watcherReady(file, log);

    const good = fs.readFileSync(file, 'utf8');
    write(file, good.replace(headerService.url, secondService.url).slice(0, 40));
    await eventually(() => expect(log.error.length).toBeGreaterThan(0));
    expect(log.error.join('\n')).toContain(file);
    expect(log.error.join('\n')).toMatch(/last good config/);
    await keepsServing(page, LOCAL_HEADER, [SECOND_HEADER, PROD_HEADER, 'data-mfe-dev-error']);

    write(file, good.replace(headerService.url, secondService.url));
    await eventually(async () => expect(await page()).toContain(SECOND_HEADER));
  });

  it('a config with an invalid value is reported and the last good config keeps serving; the fix applies', async () => {
    const root = project({ 'mfe-dev.config.json': shopConfig() });
    const file = path.join(root, 'mfe-dev.config.json');
    const { page, state, log } = await startWatched({ configFile: file, root });
    await watcherReady(file, log);

    edit(file, `"local": "${headerService.url}"`, '"local": "localhost:3001"');
    await eventually(() => expect(log.error.length).toBeGreaterThan(0));
    const reported = log.error.join('\n');
    expect(reported).toContain('fragments.header.local');
    expect(reported).toContain('http://localhost:3001');
    await keepsServing(page, LOCAL_HEADER, [PROD_HEADER, 'data-mfe-dev-error']);
    expect((await state()).fragments.find((f) => f.name === 'header')?.local).toBe(headerService.url);

    // Another invalid edit: a default-local fragment that does not exist.
    edit(file, '"localhost:3001"', `"${headerService.url}"`);
    await eventually(() => expect(log.info.some((line) => line.startsWith('config reloaded'))).toBe(true));
    log.error.length = 0;
    edit(file, '"local": [\n    "header"\n  ]', '"local": [\n    "headr"\n  ]');
    await eventually(() => expect(log.error.join('\n')).toContain('headr'));
    await keepsServing(page, LOCAL_HEADER, [PROD_HEADER]);

    edit(file, '"headr"', '"header"');
    edit(file, `"local": "${headerService.url}"`, `"local": "${secondService.url}"`);
    await eventually(async () => expect(await page()).toContain(SECOND_HEADER));
  });

  it('editing a file listed in `extends` reloads, and so does a file added to `extends` later', async () => {
    const root = project({
      'mfe-dev.config.json': { upstream: shop.url, extends: ['./team/fragments.json'], local: ['header'] },
      'team/fragments.json': {
        fragments: {
          header: { src: '/fragments/header', local: headerService.url },
          footer: { src: '/fragments/footer' },
        },
      },
      'team/more.json': { presets: { extra: { description: 'first', local: ['header'] } } },
    });
    const team = path.join(root, 'team/fragments.json');
    const { page, state, log } = await startWatched({ root });
    expect(await page()).toContain(LOCAL_HEADER);
    await watcherReady(team, log);

    edit(team, headerService.url, secondService.url);
    await eventually(async () => expect(await page()).toContain(SECOND_HEADER));

    // A broken extended file: reported, naming it; the last good config keeps serving.
    const good = fs.readFileSync(team, 'utf8');
    write(team, '{ "fragments": ');
    await eventually(() => expect(log.error.join('\n')).toContain(team));
    await keepsServing(page, SECOND_HEADER, [LOCAL_HEADER, PROD_HEADER]);
    write(team, good.replace(secondService.url, headerService.url));
    await eventually(async () => expect(await page()).toContain(LOCAL_HEADER));

    // The config now also extends more.json: it is watched from then on.
    const config = path.join(root, 'mfe-dev.config.json');
    const more = path.join(root, 'team/more.json');
    edit(config, '"./team/fragments.json"', '"./team/fragments.json",\n    "./team/more.json"');
    await eventually(async () => expect((await state()).presets.find((p) => p.name === 'extra')?.description).toBe('first'));
    // (The watcher adds the file asynchronously: make sure it is watched before the edit.)
    log.info.length = 0;
    await watcherReady(more, log);
    edit(more, '"first"', '"second"');
    await eventually(async () => expect((await state()).presets.find((p) => p.name === 'extra')?.description).toBe('second'));
    expect(await page()).toContain(LOCAL_HEADER);
  });

  it('editing a sibling file a TypeScript config imports reloads', async () => {
    const root = project({
      'mfe-dev.config.ts': `import { fragments } from './fragments';\n\nexport default {\n  upstream: ${JSON.stringify(shop.url)},\n  fragments,\n  local: ['header'],\n};\n`,
      'fragments.ts': `export const fragments = {\n  header: { src: '/fragments/header', local: ${JSON.stringify(headerService.url)} },\n  footer: { src: '/fragments/footer' },\n};\n`,
    });
    const sibling = path.join(root, 'fragments.ts');
    const { page, log } = await startWatched({ root });
    expect(await page()).toContain(LOCAL_HEADER);
    await watcherReady(sibling, log);

    edit(sibling, headerService.url, secondService.url);
    await eventually(async () => expect(await page()).toContain(SECOND_HEADER));
    // And a second edit: nothing stale in a module cache.
    edit(sibling, secondService.url, headerService.url);
    await eventually(async () => expect(await page()).toContain(LOCAL_HEADER));
  });
});
