import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig, watchConfig, type InlineConfig, type ResolvedConfig } from '../../src/config/index.js';
import { copyFixture, writeProject } from './helpers.js';

type Event = { type: 'reload'; config: ResolvedConfig; changes: string[] } | { type: 'error'; error: Error & { code?: string } };

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** Starts a watcher and returns `next()`, which resolves with the next reload or error. */
async function watching(inline: InlineConfig) {
  const initial = await resolveConfig(inline);
  const queue: Event[] = [];
  const waiters: ((event: Event) => void)[] = [];
  const push = (event: Event) => (waiters.length ? waiters.shift()!(event) : queue.push(event));
  // What the caller serves: replaced on reload, kept on error.
  const state = { config: initial };
  const watcher = watchConfig(
    inline,
    initial,
    {
      onReload(config, changes) {
        state.config = config;
        push({ type: 'reload', config, changes });
      },
      onError: (error) => push({ type: 'error', error: error as Error }),
    },
    { debounceMs: 20 },
  );
  closers.push(() => watcher.close());
  await watcher.ready;
  const next = (timeoutMs = 3000) =>
    new Promise<Event>((resolve, reject) => {
      if (queue.length) return resolve(queue.shift()!);
      const timer = setTimeout(() => reject(new Error('no reload within ' + timeoutMs + ' ms')), timeoutMs);
      waiters.push((event) => {
        clearTimeout(timer);
        resolve(event);
      });
    });
  return { state, next, initial };
}

function edit(file: string, from: string, to: string): void {
  const text = fs.readFileSync(file, 'utf8');
  expect(text).toContain(from);
  fs.writeFileSync(file, text.replace(from, to));
}

describe('hot reload', () => {
  it('applies a good edit and describes it', async () => {
    const root = copyFixture('shop-ts');
    const { state, next } = await watching({ root });
    edit(path.join(root, 'mfe-dev.config.ts'), "local: ['header'],", "local: ['header', 'footer'],");
    const event = await next();
    expect(event.type).toBe('reload');
    if (event.type !== 'reload') return;
    expect(event.changes).toEqual(['default local (config): header → header, footer']);
    expect(state.config.modes.config.local).toEqual(['header', 'footer']);
  });

  it('applies an edit to an imported sibling .ts file (CommonJS project)', async () => {
    const root = copyFixture('shop-ts');
    const { state, next } = await watching({ root });
    edit(path.join(root, 'fragments.ts'), "'http://127.0.0.1:3001/'", "'http://127.0.0.1:3005'");
    const event = await next();
    expect(event.type === 'reload' && event.changes).toEqual(["fragment 'header': local http://127.0.0.1:3001 → http://127.0.0.1:3005"]);
    expect(state.config.fragments.get('header')?.local).toBe('http://127.0.0.1:3005');
    // A second edit is picked up as well: nothing stale in a module cache.
    edit(path.join(root, 'fragments.ts'), "'http://127.0.0.1:3005'", "'http://127.0.0.1:3006'");
    await next();
    expect(state.config.fragments.get('header')?.local).toBe('http://127.0.0.1:3006');
  });

  it('applies an edit to an imported sibling in an ESM project', async () => {
    const root = copyFixture('shop-ts');
    writeProject({ 'package.json': { name: 'shop', type: 'module' } }, root);
    const { state, next } = await watching({ root });
    edit(path.join(root, 'fragments.ts'), 'timeout: 5000', 'timeout: 800');
    const event = await next();
    expect(event.type === 'reload' && event.changes).toEqual(["fragment 'cart': timeout 5000 → 800"]);
    expect(state.config.fragments.get('cart')?.timeout).toBe(800);
  });

  it('reports a broken edit and keeps the previous config, then recovers', async () => {
    const root = copyFixture('shop-ts');
    const { state, next, initial } = await watching({ root });
    const file = path.join(root, 'mfe-dev.config.ts');
    edit(file, "upstream: 'https://www.example.com/'", "upstream: 'www.example.com'");
    const event = await next();
    expect(event.type).toBe('error');
    if (event.type !== 'error') return;
    expect(event.error.code).toBe('MFE_CONFIG_INVALID');
    expect(event.error.message).toContain("`upstream` must be an http(s) URL, got 'www.example.com'. Did you mean 'https://www.example.com'?");
    expect(state.config).toBe(initial);

    edit(file, "upstream: 'www.example.com',\n  port: 4401", "upstream: 'https://www.example.com',\n  port: 4402");
    const recovered = await next();
    expect(recovered.type === 'reload' && recovered.changes).toEqual(['port: 4401 → 4402']);
    expect(state.config.port).toBe(4402);
  });

  it('reports a syntax error without an unhandled rejection', async () => {
    const root = copyFixture('shop-ts');
    const { next } = await watching({ root });
    fs.appendFileSync(path.join(root, 'mfe-dev.config.ts'), '\nexport const = ;\n');
    const event = await next();
    expect(event.type === 'error' && event.error.code).toBe('MFE_CONFIG_LOAD_FAILED');
  });

  it('reloads when an extended file changes, and follows a changed extends list', async () => {
    const root = copyFixture('shop-ts');
    const { state, next } = await watching({ root });
    const team = path.join(root, 'team/mfe-presets.json');
    edit(team, '"prod": ["header"]', '"prod": ["header", "cart"]');
    const event = await next();
    expect(event.type === 'reload' && event.changes).toEqual(["preset 'footer-dev': prod header → header, cart"]);

    // Point extends at a new file: it is watched from then on.
    writeProject({ 'team/more.yaml': 'presets:\n  quiet:\n    prod: [header]\n' }, root);
    edit(path.join(root, 'mfe-dev.config.ts'), "'./team/mfe-presets.json'", "'./team/mfe-presets.json', './team/more.yaml'");
    const added = await next();
    expect(added.type === 'reload' && added.changes).toEqual(["preset 'quiet' added", `now reading ${path.join(root, 'team/more.yaml')}`]);
    await new Promise((resolve) => setTimeout(resolve, 100)); // chokidar sets up the new watch asynchronously
    edit(path.join(root, 'team/more.yaml'), 'quiet:', 'silent:');
    const renamed = await next();
    expect(renamed.type === 'reload' && renamed.changes).toEqual(["preset 'quiet' removed", "preset 'silent' added"]);
    expect([...state.config.presets.keys()]).toContain('silent');
  });

  it('picks up an atomic save (write to a temp file, rename over the config)', async () => {
    const root = writeProject({ 'mfe-dev.config.json': { upstream: 'https://www.example.com', port: 4400 } });
    const { next } = await watching({ root });
    const file = path.join(root, 'mfe-dev.config.json');
    for (const port of [4401, 4402]) {
      fs.writeFileSync(`${file}.tmp`, JSON.stringify({ upstream: 'https://www.example.com', port }));
      fs.renameSync(`${file}.tmp`, file);
      const event = await next();
      expect(event.type === 'reload' && event.changes).toEqual([`port: ${port - 1} → ${port}`]);
    }
  });
});
