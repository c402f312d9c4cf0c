import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDevServer, type DevServer } from '../../src/server/index.js';
import { startSite, type FakeSite } from '../fixtures/site.js';
import { request } from '../helpers/servers.js';
import { tempDir } from './serve-process.js';

/**
 * A config in a mounted ConfigMap directory, laid out as the kubelet does it: the file is a
 * symlink through `..data`, a symlink to a timestamped folder; an update writes a new folder and
 * renames `..data_tmp` over `..data` (one atomic rename). The gateway must pick it up.
 */
export function kubeletVolume(dir: string, files: Record<string, string>) {
  let generation = 0;
  const write = (next: Record<string, string>) => {
    const stamp = `..2026_12_07_${String(++generation).padStart(2, '0')}.${process.pid}`;
    fs.mkdirSync(path.join(dir, stamp));
    for (const [name, text] of Object.entries(next)) fs.writeFileSync(path.join(dir, stamp, name), text);
    const old = fs.existsSync(path.join(dir, '..data')) ? fs.readlinkSync(path.join(dir, '..data')) : undefined;
    fs.symlinkSync(stamp, path.join(dir, '..data_tmp'));
    fs.renameSync(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
    for (const name of Object.keys(next)) if (!fs.existsSync(path.join(dir, name))) fs.symlinkSync(path.join('..data', name), path.join(dir, name));
    if (old) fs.rmSync(path.join(dir, old), { recursive: true, force: true });
  };
  write(files);
  return { update: write };
}

describe('config from a ConfigMap volume', () => {
  let site: FakeSite;
  let server: DevServer | undefined;
  let dir: string;

  afterEach(async () => {
    await Promise.allSettled([server?.close(), site?.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('picks up an atomic ..data swap without a restart', async () => {
    site = await startSite({ '/': '<p><!--#include virtual="/fragments/header" --></p>', '/fragments/header': 'PROD', '/fragments/header2': 'PROD2' });
    dir = tempDir('mfe-dev-configmap-');
    const config = (src: string) => JSON.stringify({ upstream: site.url, fragments: { header: { src } }, serve: { auth: false } });
    const volume = kubeletVolume(dir, { 'mfe-dev.config.json': config('/fragments/header') });
    server = await createDevServer({ command: 'serve', configFile: path.join(dir, 'mfe-dev.config.json'), port: 0, host: '127.0.0.1', logLevel: 'silent' });
    await server.listen();
    expect(server.config.fragments.get('header')!.src).toBe('/fragments/header');
    await server.watching();
    const swapped = performance.now();
    volume.update({ 'mfe-dev.config.json': config('/fragments/header2') });
    while (server.config.fragments.get('header')!.src !== '/fragments/header2' && performance.now() - swapped < 20_000) await new Promise((r) => setTimeout(r, 20));
    const pickedUpMs = performance.now() - swapped;
    expect(server.config.fragments.get('header')!.src).toBe('/fragments/header2');
    console.log(`ConfigMap ..data swap picked up in ${pickedUpMs.toFixed(0)} ms`);
    // And a second swap (the old folder was deleted under the watcher).
    volume.update({ 'mfe-dev.config.json': config('/fragments/header') });
    const again = performance.now();
    while (server.config.fragments.get('header')!.src !== '/fragments/header' && performance.now() - again < 20_000) await new Promise((r) => setTimeout(r, 20));
    expect(server.config.fragments.get('header')!.src).toBe('/fragments/header');
    expect((await request(`${server.url}/__mfe-dev/healthz`)).status).toBe(200);
  });
});
