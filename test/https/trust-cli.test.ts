/**
 * `mfe-dev trust` as a user runs it: the built bin in a child process, with a temporary HOME (its
 * NSS database) and MFE_DEV_HOME (the CA). Needs the build (`npm test` runs it first).
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/mfe-dev.js');
const hasCertutil = (() => {
  try {
    execFileSync('certutil', ['-H'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
})();

let dir: string;
let env: NodeJS.ProcessEnv;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-trust-cli-'));
  env = { ...process.env, NO_COLOR: '1', HOME: path.join(dir, 'home'), MFE_DEV_HOME: path.join(dir, 'mfe-dev') };
  delete env.FORCE_COLOR;
  mkdirSync(env.HOME!);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function mfeDev(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...env, ...extraEnv }, timeout: 30_000 }, (error, stdout, stderr) => {
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

  it('--help lists trust', async () => {
    const result = await mfeDev(['--help']);
    expect(result.stdout).toMatch(/trust\s+Make this machine's browsers trust/);
  });
});
