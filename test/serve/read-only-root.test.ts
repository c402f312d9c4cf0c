import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { page, startSite, type FakeSite } from '../fixtures/site.js';
import { request } from '../helpers/servers.js';
import { startServe, tempDir, type Launcher, type ServeProcess } from './serve-process.js';

/**
 * `mfe-dev serve` as the Deployment runs it (deploy/kubernetes/deployment.yaml): a non-root user
 * (uid 1000), `readOnlyRootFilesystem: true`, only `/tmp` writable (an emptyDir). No container
 * runtime here, so the same is made with the kernel's own parts: a private mount namespace
 * (`unshare --mount`) where `/` is remounted read-only and one directory is bind-mounted writable
 * as TMPDIR, then `setpriv` drops to uid/gid 1000 and execs node. HOME, MFE_DEV_HOME, the working
 * directory and the config folder are read-only directories besides.
 *
 * Needs root (to make the namespace). Skipped with the reason printed where the kernel does not
 * permit it (not root, or a container without the capability: that is the machine, not the
 * product); where util-linux's `unshare`/`setpriv` are missing it fails in CI (`CI` set).
 */
const UID = 1000;

/** Why this machine cannot run the test: `missing` (a tool; fails in CI) or `refused` (the kernel; skipped). */
function namespaceProblem(): { kind: 'missing' | 'refused'; why: string } | undefined {
  if (process.getuid?.() !== 0) return { kind: 'refused', why: 'needs root to create a mount namespace (unshare --mount)' };
  const probe = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', `mount -o remount,ro,bind / && exec setpriv --reuid=${UID} --regid=${UID} --clear-groups true`], { encoding: 'utf8' });
  if (probe.error) return { kind: 'missing', why: `unshare/setpriv (util-linux) not usable: ${probe.error.message}` };
  if (probe.status !== 0) return { kind: 'refused', why: `a read-only mount namespace is not permitted here: ${probe.stderr.trim()}` };
  return undefined;
}
const found = namespaceProblem();
const problem = found?.why;
const skip = found !== undefined && (found.kind === 'refused' || !process.env.CI);
if (skip) console.warn(`Read-only root filesystem test skipped: ${problem}`);

/** `/` read-only in a namespace of its own, TMPDIR its one writable place, uid 1000: then node. */
const readOnlyRoot: Launcher = (node, argv) => ({
  command: 'unshare',
  args: ['--mount', '--propagation', 'private', 'sh', '-c', `mount --bind "$TMPDIR" "$TMPDIR" && mount -o remount,ro,bind / && exec setpriv --reuid=${UID} --regid=${UID} --clear-groups "$0" "$@"`, node, ...argv],
});

describe.runIf(!skip)('mfe-dev serve on a read-only root filesystem, as uid 1000', () => {
  let site: FakeSite | undefined;
  let previews: FakeSite | undefined;
  let serve: ServeProcess | undefined;
  let work: string;

  afterEach(async () => {
    await Promise.allSettled([serve?.stop(), site?.close(), previews?.close()]);
    fs.rmSync(work, { recursive: true, force: true });
  });

  /** A work folder readable by uid 1000: read-only HOME, MFE_DEV_HOME, cwd and config folder; a writable tmp. */
  function layout(configName: string, configText: string) {
    if (problem) throw new Error(`CI must run this test: ${problem}`);
    work = tempDir('mfe-dev-ro-');
    const dirs = { home: path.join(work, 'home'), mfeHome: path.join(work, 'mfe-dev-home'), cwd: path.join(work, 'cwd'), config: path.join(work, 'config'), tmp: path.join(work, 'tmp') };
    for (const dir of Object.values(dirs)) fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dirs.config, configName), configText, { mode: 0o644 });
    for (const dir of [dirs.home, dirs.mfeHome, dirs.cwd, dirs.config]) fs.chmodSync(dir, 0o555);
    fs.chmodSync(dirs.tmp, 0o1777);
    fs.chmodSync(work, 0o755);
    return dirs;
  }

  async function start(dirs: ReturnType<typeof layout>, configName: string) {
    serve = await startServe(['--config', path.join(dirs.config, configName)], { HOME: dirs.home, MFE_DEV_HOME: dirs.mfeHome, TMPDIR: dirs.tmp }, dirs.cwd, readOnlyRoot);
    // It really is uid 1000 with `/` read-only (and nothing else of ours writable).
    const status = fs.readFileSync(`/proc/${serve.child.pid}/status`, 'utf8');
    expect(status).toMatch(new RegExp(`^Uid:\\s+${UID}\\s+${UID}\\s+${UID}\\s+${UID}$`, 'm'));
    const rootMount = fs.readFileSync(`/proc/${serve.child.pid}/mountinfo`, 'utf8').split('\n').find((line) => line.split(' ')[4] === '/');
    expect(rootMount?.split(' ')[5]).toMatch(/^ro\b/);
    for (let i = 0; i < 100 && (await request(`${serve.url}/__mfe-dev/readyz`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
  }

  const snapshot = (dirs: ReturnType<typeof layout>) => Object.fromEntries(Object.entries(dirs).map(([name, dir]) => [name, fs.readdirSync(dir).sort()]));

  it('serves pages, previews with their assets, probes and metrics, drains on SIGTERM, and writes nothing (YAML config, as deploy/ mounts it)', async () => {
    site = await startSite({ '/checkout': page('Checkout', '<!--#include virtual="/fragments/header" -->|body'), '/fragments/header': 'PROD-HEADER' });
    previews = await startSite({ '/pr-7/fragments/header': 'PR7-HEADER', '/pr-7/assets/header/app.js': { body: 'PR7-JS', type: 'text/javascript' } });
    const yaml = [`upstream: ${site.url}`, 'fragments:', '  header:', '    src: /fragments/header', '    assets: [/assets/header/]', `    previews: ${previews.url}/pr-{id}`, 'serve:', '  auth: false', '  drainDelay: 100', ''].join('\n');
    const dirs = layout('mfe-dev.config.yaml', yaml);
    const before = snapshot(dirs);
    await start(dirs, 'mfe-dev.config.yaml');

    expect((await request(`${serve!.url}/__mfe-dev/healthz`)).status).toBe(200);
    expect((await request(`${serve!.url}/__mfe-dev/readyz`)).status).toBe(200);
    expect((await request(`${serve!.url}/checkout`)).text).toContain('PROD-HEADER|body');
    expect((await request(`${serve!.url}/checkout?mfe-dev=header=preview:7`)).text).toContain('PR7-HEADER|body');
    expect((await request(`${serve!.url}/assets/header/app.js`, { headers: { cookie: 'mfe-dev=header%3Dpreview%3A7' } })).text).toBe('PR7-JS');
    expect((await request(`${serve!.url}/__mfe-dev/`)).status).toBe(200);
    const metrics = await request(`${serve!.url}/__mfe-dev/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/mfe_dev_requests_total\{status="200"\} [1-9]/);
    expect(metrics.text).toContain('process_cpu_user_seconds_total');
    await serve!.waitFor(() => serve!.lines().some((l) => l.path === '/checkout'), 'the request log line');

    serve!.child.kill('SIGTERM');
    expect(await serve!.exited).toBe(0);
    expect(serve!.stderr()).toBe('');
    // Nothing written: not in TMPDIR either (a YAML config needs no compile cache).
    expect(snapshot(dirs)).toEqual(before);
  });

  it('a TypeScript config loads too: its compile cache goes to TMPDIR, the one writable place', async () => {
    site = await startSite({ '/': page('Home', '<!--#include virtual="/fragments/header" -->'), '/fragments/header': 'PROD-HEADER' });
    const ts = `const config: { upstream: string; fragments: Record<string, { src: string }>; serve: { auth: false } } = { upstream: '${site.url}', fragments: { header: { src: '/fragments/header' } }, serve: { auth: false } };\nexport default config;\n`;
    const dirs = layout('mfe-dev.config.ts', ts);
    const before = snapshot(dirs);
    await start(dirs, 'mfe-dev.config.ts');
    expect((await request(`${serve!.url}/`)).text).toContain('PROD-HEADER');
    expect((await request(`${serve!.url}/__mfe-dev/healthz`)).status).toBe(200);
    const after = snapshot(dirs);
    expect({ ...after, tmp: [] }).toEqual({ ...before, tmp: [] });
    // The writable place is writable (and what is written there is seen here).
    expect(after.tmp.length).toBeGreaterThan(0);
  });
});
