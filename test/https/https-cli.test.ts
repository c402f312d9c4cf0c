/**
 * `mfe-dev trust`, `--https` and `check` as a user runs them: the built bin in a child process, with a temporary HOME (its
 * NSS database) and MFE_DEV_HOME (the CA). Needs the build (`npm test` runs it first).
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listen, type TestServer } from '../helpers/servers.js';
import { certutilAvailable } from '../helpers/certutil.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/mfe-dev.js');
const hasCertutil = certutilAvailable;

let dir: string;
let env: NodeJS.ProcessEnv;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-trust-cli-'));
  env = { ...process.env, NO_COLOR: '1', HOME: path.join(dir, 'home'), MFE_DEV_HOME: path.join(dir, 'mfe-dev') };
  delete env.FORCE_COLOR;
  mkdirSync(env.HOME!);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

let production: TestServer;
beforeAll(async () => {
  production = await listen((_req, res) => res.end('production'));
});
afterAll(() => production?.close());

/** A project folder with a config for the fake production, `https` as given. */
function project(https: unknown): string {
  const cwd = path.join(dir, 'project');
  mkdirSync(cwd, { recursive: true });
  writeFileSync(path.join(cwd, 'mfe-dev.config.json'), JSON.stringify({ upstream: production.url, ...(https === undefined ? {} : { https }) }));
  return cwd;
}

function mfeDev(args: string[], extraEnv: NodeJS.ProcessEnv = {}, cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...env, ...extraEnv }, cwd, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as NodeJS.ErrnoException).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe.skipIf(process.platform !== 'linux')('mfe-dev trust (command line)', () => {
  it.skipIf(!hasCertutil)('trusts the CA (exit 0), then --uninstall removes it (exit 0)', async () => {
    const trusted = await mfeDev(['trust']);
    expect(trusted.stderr).toBe('');
    expect(trusted.code).toBe(0);
    expect(trusted.stdout).toMatch(/✓ Chromium\/Chrome .*trusts 'mfe-dev local CA/);
    expect(trusted.stdout).toContain('Done: restart your browser');
    expect(execFileSync('certutil', ['-L', '-d', `sql:${path.join(env.HOME!, '.pki', 'nssdb')}`], { encoding: 'utf8' })).toMatch(/mfe-dev local CA .*C,,/);

    const removed = await mfeDev(['trust', '--uninstall']);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain('no longer trusts');
    expect(execFileSync('certutil', ['-L', '-d', `sql:${path.join(env.HOME!, '.pki', 'nssdb')}`], { encoding: 'utf8' })).not.toContain('mfe-dev local CA');
  });

  it('without certutil: exit 1 and the exact manual steps', async () => {
    const result = await mfeDev(['trust'], { PATH: path.join(dir, 'no-tools') });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('certutil is not installed');
    expect(result.stderr).toContain('To trust it by hand:');
    expect(result.stderr).toContain(`certutil -A -d sql:${path.join(env.HOME!, '.pki', 'nssdb')} -t C,,`);
    expect(result.stderr).toContain(path.join(dir, 'mfe-dev', 'ca.pem'));
  });

  it("run in a project, makes the CA cover the project's allowedHosts, so its https start needs no new CA", async () => {
    const cwd = path.join(dir, 'shop');
    mkdirSync(cwd);
    writeFileSync(path.join(cwd, 'mfe-dev.config.json'), JSON.stringify({ upstream: production.url, https: true, allowedHosts: ['dev.shop.test'] }));
    await mfeDev(['trust'], {}, cwd); // exit 1 without certutil; the CA is made either way
    const { readNameConstraints } = await import('../../src/https/issue.js');
    expect(readNameConstraints(readFileSync(path.join(dir, 'mfe-dev', 'ca.pem'), 'utf8'))?.dns).toContain('dev.shop.test');
  });

  it('--help lists trust', async () => {
    const result = await mfeDev(['--help']);
    expect(result.stdout).toMatch(/trust\s+Make this machine's browsers trust/);
  });
});

describe('mfe-dev --https', () => {
  it('prints the https URL once it serves, and plain http stays the default', async () => {
    const cwd = project(undefined);
    for (const [args, scheme] of [[['--https', '--port', '0'], 'https'], [['--port', '0'], 'http']] as const) {
      const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      try {
        const url = await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no URL printed within 45 s:\n${out}`)), 45_000);
          const read = (chunk: Buffer) => {
            out += chunk.toString();
            const match = /(https?):\/\/127\.0\.0\.1:(\d+)\//.exec(out);
            if (match) {
              clearTimeout(timer);
              resolve(match[0]);
            }
          };
          child.stdout.on('data', read);
          child.stderr.on('data', read);
          child.once('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)));
        });
        expect(url.startsWith(`${scheme}://`)).toBe(true);
        if (scheme === 'https') {
          // Not trusted yet: said once, with the fix, and not a second time by the trust check.
          expect(out).toMatch(/made mfe-dev's local certificate authority .*it can sign only for .*localhost.*Run `mfe-dev trust` once/);
          expect(out.match(/mfe-dev trust/g)).toHaveLength(1);
        }
      } finally {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('close', resolve));
      }
    }
  });
});

describe.skipIf(process.platform !== 'linux' || !hasCertutil)('mfe-dev check with https', () => {
  it('fails while the CA is not trusted (naming the fix), passes once `mfe-dev trust` ran', async () => {
    const cwd = project(true);
    const before = await mfeDev(['check'], {}, cwd);
    expect(before.code).toBe(1);
    expect(before.stdout).toMatch(/✗ https: no local CA yet|✗ https: .* does not trust 'mfe-dev local CA .*': run `mfe-dev trust`/);

    expect((await mfeDev(['trust'])).code).toBe(0);
    const after = await mfeDev(['check'], {}, cwd);
    expect(after.stdout).toMatch(/✓ https: Chromium\/Chrome .* trusts 'mfe-dev local CA/);
    expect(after.code).toBe(0);
  });

  it('with own files: says whether they can be served', async () => {
    const cwd = project({ cert: './missing.pem', key: './missing-key.pem' });
    const result = await mfeDev(['check'], {}, cwd);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`✗ https: \`https.cert\`: ${path.join(cwd, 'missing.pem')} does not exist`);
  });
});
