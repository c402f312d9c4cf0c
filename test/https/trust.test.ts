import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { caTrustStatus, localCertificate, certificateNames, runTrust } from '../../src/https/index.js';
import { caFiles } from '../../src/https/local-ca.js';
import { manualTrustSteps } from '../../src/https/trust/manual-steps.js';
import { certutilAvailable } from '../helpers/certutil.js';

/**
 * `mfe-dev trust` against real NSS databases (certutil from libnss3-tools) in a temporary home,
 * the way Chromium and Firefox on Linux read them.
 */
const hasCertutil = certutilAvailable;
const linux = process.platform === 'linux';

let dir: string;
let env: NodeJS.ProcessEnv;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-trust-'));
  env = { ...process.env, HOME: path.join(dir, 'home'), MFE_DEV_HOME: path.join(dir, 'mfe-dev') };
  mkdirSync(env.HOME!);
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function certutilList(db: string): string {
  return execFileSync('certutil', ['-L', '-d', `sql:${db}`], { encoding: 'utf8' });
}

describe.skipIf(!linux || !hasCertutil)('mfe-dev trust on Linux (NSS)', () => {
  it("creates ~/.pki/nssdb, trusts the CA there and in each Firefox profile, and check sees it", async () => {
    const profile = path.join(env.HOME!, '.mozilla', 'firefox', 'abc123.default-release');
    mkdirSync(profile, { recursive: true });
    execFileSync('certutil', ['-N', '-d', `sql:${profile}`, '--empty-password']);

    expect(await caTrustStatus({ env })).toMatchObject({ trusted: false, detail: expect.stringContaining('no local CA yet') });
    const report = await runTrust({ env });
    expect(report.manualSteps).toEqual([]);
    expect(report.ok).toBe(true);
    const text = report.lines.join('\n');
    expect(text).toContain("made mfe-dev's local certificate authority");
    expect(text).toMatch(/Chromium\/Chrome .*trusts 'mfe-dev local CA/);
    expect(text).toMatch(/Firefox profile abc123\.default-release .*trusts 'mfe-dev local CA/);

    for (const db of [path.join(env.HOME!, '.pki', 'nssdb'), profile]) expect(certutilList(db)).toMatch(/mfe-dev local CA .*\s+C,,/);
    expect(await caTrustStatus({ env })).toMatchObject({ trusted: true });

    // Again: nothing to do, same CA.
    const again = await runTrust({ env });
    expect(again.ok).toBe(true);
    expect(again.lines.join('\n')).toMatch(/already trusts/);
    expect(again.lines.join('\n')).not.toContain('made');
  });

  it('--uninstall removes it from every database, and check then says it is not trusted', async () => {
    await runTrust({ env });
    const report = await runTrust({ env, uninstall: true });
    expect(report.ok).toBe(true);
    expect(report.lines.join('\n')).toMatch(/no longer trusts/);
    expect(certutilList(path.join(env.HOME!, '.pki', 'nssdb'))).not.toContain('mfe-dev local CA');
    expect(await caTrustStatus({ env })).toMatchObject({ trusted: false, detail: expect.stringContaining('run `mfe-dev trust`') });
  });

  it('replaces the trust in an old, renewed CA with the new one', async () => {
    await runTrust({ env });
    const nssdb = path.join(env.HOME!, '.pki', 'nssdb');
    const oldName = /(mfe-dev local CA \S+ \S+)/.exec(certutilList(nssdb))![1];
    // The CA nears its end: the next https start makes a new one.
    const caEnd = Date.now() + 3650 * 24 * 3600 * 1000;
    await localCertificate({ names: certificateNames({}), home: env.MFE_DEV_HOME, now: new Date(caEnd - 24 * 3600 * 1000) });
    expect(await caTrustStatus({ env })).toMatchObject({ trusted: false });
    const report = await runTrust({ env });
    expect(report.ok).toBe(true);
    const listed = certutilList(nssdb);
    expect(listed).not.toContain(oldName);
    expect(listed.match(/mfe-dev local CA/g)).toHaveLength(1);
    expect(await caTrustStatus({ env })).toMatchObject({ trusted: true });
  });
});

describe.skipIf(!linux)('mfe-dev trust when it cannot', () => {
  it('without certutil: says so, prints the exact manual steps with this machine\'s paths, and is not ok', async () => {
    const report = await runTrust({ env: { ...env, PATH: path.join(dir, 'empty-bin') } });
    expect(report.ok).toBe(false);
    expect(report.lines.join('\n')).toContain('certutil is not installed');
    const steps = report.manualSteps.join('\n');
    expect(steps).toContain('apt-get install libnss3-tools');
    expect(steps).toContain(`certutil -A -d sql:${path.join(env.HOME!, '.pki', 'nssdb')} -t C,, -n 'mfe-dev local CA`);
    expect(steps).toContain(`-i ${caFiles(env.MFE_DEV_HOME).cert}`);
    expect(steps).toContain('Firefox: Settings');
  });
});

describe('the manual steps', () => {
  const base = { caFile: '/home/me/.config/mfe-dev/ca.pem', caName: 'mfe-dev local CA me@box 1a2b3c4d', userHome: '/home/me' };
  it.each([
    ['linux', false, false, "certutil -A -d sql:/home/me/.pki/nssdb -t C,, -n 'mfe-dev local CA me@box 1a2b3c4d' -i /home/me/.config/mfe-dev/ca.pem"],
    ['linux', true, false, "certutil -D -d sql:/home/me/.pki/nssdb -n 'mfe-dev local CA me@box 1a2b3c4d'"],
    ['linux', false, true, 'sudo cp /home/me/.config/mfe-dev/ca.pem /usr/local/share/ca-certificates/mfe-dev-local-ca.crt && sudo update-ca-certificates'],
    ['darwin', false, false, 'security add-trusted-cert -r trustRoot -k /home/me/Library/Keychains/login.keychain-db /home/me/.config/mfe-dev/ca.pem'],
    ['darwin', false, true, 'sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain /home/me/.config/mfe-dev/ca.pem'],
    ['win32', false, false, 'certutil -user -addstore Root "/home/me/.config/mfe-dev/ca.pem"'],
    ['win32', true, false, 'certutil -user -delstore Root "mfe-dev local CA me@box 1a2b3c4d"'],
  ] as const)('%s (uninstall %s, system %s) gives the command to type', (platform, uninstall, system, command) => {
    expect(manualTrustSteps({ ...base, platform, uninstall, system }).join('\n')).toContain(command);
  });
});
