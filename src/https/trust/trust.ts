import { copyFileSync, existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withFileLock } from '../file-lock.js';
import { mfeDevHome } from '../home.js';
import { caFiles, commonName, ensureCertificateAuthority, readCertificateAuthority } from '../local-ca.js';
import { describeConstraints, type CertificateNames } from '../names.js';
import { manualTrustSteps } from './manual-steps.js';
import { addToNss, ensureNssDatabase, findNssDatabases, listNss, removeFromNss, type NssDatabase } from './nss.js';
import { runCommand, type CommandResult } from './run-command.js';

/**
 * `mfe-dev trust [--uninstall] [--system]`: make this user's browsers trust mfe-dev's local CA
 * (or stop trusting it). Linux: the NSS databases of Chromium/Chrome (`~/.pki/nssdb`, made if
 * missing) and of every Firefox profile; macOS: the login keychain (and Firefox profiles when
 * NSS's certutil is installed); Windows: the user's root store. `--system`: the machine-wide
 * store instead (needs root / administrator). When a step cannot be done, the report carries
 * the exact manual steps and `ok` is false (the command exits 1).
 */
export interface TrustOptions {
  uninstall?: boolean;
  system?: boolean;
  /** mfe-dev's folder (default `mfeDevHome()`). */
  home?: string;
  /** Environment for the tools: HOME decides whose databases, PATH where certutil is found. */
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /**
   * Names the CA must be able to sign for besides localhost and loopback (the project's
   * `allowedHosts`), so the gateway does not need a new CA, and another trust, at its start.
   */
  names?: CertificateNames;
}

export interface TrustReport {
  ok: boolean;
  /** What was done or found, one line each. */
  lines: string[];
  /** Set when something could not be done: what to type instead. */
  manualSteps: string[];
}

/** Every CA this project ever made carries this prefix, so uninstall can find old ones too. */
const NICKNAME_PREFIX = 'mfe-dev local CA';

export async function runTrust(options: TrustOptions = {}): Promise<TrustReport> {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const home = options.home ?? mfeDevHome(env, platform);
  const userHome = env.HOME || env.USERPROFILE || os.homedir();
  const lines: string[] = [];
  const failures: string[] = [];

  let caFile = caFiles(home).cert;
  let caName = NICKNAME_PREFIX;
  if (options.uninstall) {
    const existing = readCertificateAuthority(home);
    if (existing) caName = commonName(existing.x509);
  } else {
    const made = await withFileLock(home, 'certificates', () => ensureCertificateAuthority(home, undefined, options.names));
    caFile = made.ca.file;
    caName = commonName(made.ca.x509);
    const scope = `it can sign only for ${describeConstraints(made.constraints)}`;
    if (made.created && made.replaced) lines.push(`made a new local certificate authority '${caName}' (${caFile}; ${scope}) to replace '${made.replaced}' (${made.reason === 'unconstrained' ? 'which could sign for any site' : made.reason === 'expiring' ? 'about to expire' : 'which did not cover every name'})`);
    else if (made.created) lines.push(`made mfe-dev's local certificate authority '${caName}' (${caFile}; ${scope})`);
  }
  const context = { env, uninstall: options.uninstall ?? false, caFile, caName, lines, failures };

  if (options.system) {
    if (platform === 'linux') await linuxSystemStore(context);
    else if (platform === 'darwin') await macKeychain(context, true, userHome);
    else if (platform === 'win32') await windowsStore(context, true);
    else failures.push(`mfe-dev trust --system does not know the system store of ${platform}.`);
  } else if (platform === 'darwin') {
    await macKeychain(context, false, userHome);
    await nssStores(context, findNssDatabases(userHome, platform), { optional: true });
  } else if (platform === 'win32') {
    await windowsStore(context, false);
  } else {
    await nssStores(context, findNssDatabases(userHome, platform), { optional: false });
  }

  const ok = failures.length === 0;
  return {
    ok,
    lines: [...lines, ...failures],
    manualSteps: ok ? [] : manualTrustSteps({ platform, caFile, caName, userHome, uninstall: context.uninstall, system: options.system ?? false }),
  };
}

interface TrustContext {
  env: NodeJS.ProcessEnv;
  uninstall: boolean;
  caFile: string;
  caName: string;
  lines: string[];
  failures: string[];
}

function failed(context: TrustContext, what: string, result: CommandResult): void {
  const program = result.commandLine.split(' ')[0];
  const why = result.missing ? `${program} is not installed (or not on PATH)` : `\`${result.commandLine}\` failed: ${result.stderr.trim() || `exit code ${result.code}`}`;
  context.failures.push(`✗ ${what}: ${why.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '?')}`);
}

async function nssStores(context: TrustContext, databases: NssDatabase[], options: { optional: boolean }): Promise<void> {
  if (!databases.some((db) => db.label.startsWith('Firefox')) && !context.uninstall) {
    context.lines.push('- no Firefox profile found (if you use Firefox, start it once, then run `mfe-dev trust` again)');
  }
  for (const db of databases) {
    const dir = db.spec.replace(/^(sql|dbm):/, '');
    if (context.uninstall && !existsSync(dir)) continue;
    if (db.createIfMissing && !context.uninstall) {
      const created = await ensureNssDatabase(db, context);
      if (created && !created.ok) {
        if (options.optional && created.missing) return;
        failed(context, `could not create ${db.label}`, created);
        if (created.missing) return;
        continue;
      }
    }
    const { result, entries } = await listNss(db, context);
    if (!result.ok) {
      if (options.optional && result.missing) return;
      failed(context, `could not read ${db.label}`, result);
      if (result.missing) return;
      continue;
    }
    const ours = entries.filter((e) => e.nickname.startsWith(NICKNAME_PREFIX));
    // Old CAs of this machine (replaced before they expired) are removed in either direction.
    const toRemove = context.uninstall ? ours : ours.filter((e) => e.nickname !== context.caName);
    let removeFailed = false;
    for (const entry of toRemove) {
      const removed = await removeFromNss(db, entry.nickname, context);
      if (!removed.ok) {
        removeFailed = true;
        failed(context, `could not remove '${entry.nickname}' from ${db.label}`, removed);
      }
    }
    if (context.uninstall) {
      if (!removeFailed) context.lines.push(ours.length ? `✓ ${db.label}: no longer trusts mfe-dev's CA` : `- ${db.label}: did not trust mfe-dev's CA`);
      continue;
    }
    if (ours.some((e) => e.nickname === context.caName && e.trust.startsWith('C'))) {
      context.lines.push(`✓ ${db.label}: already trusts '${context.caName}'`);
      continue;
    }
    const added = await addToNss(db, context.caName, context.caFile, context);
    if (added.ok) context.lines.push(`✓ ${db.label}: trusts '${context.caName}' now`);
    else failed(context, `could not add the CA to ${db.label}`, added);
  }
}

const DEBIAN_ANCHOR = '/usr/local/share/ca-certificates/mfe-dev-local-ca.crt';
const FEDORA_ANCHOR = '/etc/pki/ca-trust/source/anchors/mfe-dev-local-ca.pem';

async function linuxSystemStore(context: TrustContext): Promise<void> {
  if (process.getuid?.() !== 0) {
    context.failures.push('✗ the system store can only be changed as root (run it with sudo, or follow the steps below).');
    return;
  }
  const debian = existsSync(path.dirname(DEBIAN_ANCHOR));
  const fedora = existsSync(path.dirname(FEDORA_ANCHOR));
  if (!debian && !fedora) {
    context.failures.push('✗ found neither /usr/local/share/ca-certificates (Debian/Ubuntu) nor /etc/pki/ca-trust/source/anchors (Fedora/RHEL).');
    return;
  }
  const anchor = debian ? DEBIAN_ANCHOR : FEDORA_ANCHOR;
  if (context.uninstall) rmSync(anchor, { force: true });
  else copyFileSync(context.caFile, anchor);
  const update = debian ? await runCommand('update-ca-certificates', context.uninstall ? ['--fresh'] : [], { env: context.env }) : await runCommand('update-ca-trust', ['extract'], { env: context.env });
  if (update.ok) context.lines.push(`✓ system store (${anchor}): ${context.uninstall ? 'removed' : 'added'}; Chromium and Firefox use their own stores (\`mfe-dev trust\` without --system)`);
  else failed(context, 'could not update the system store', update);
}

async function macKeychain(context: TrustContext, system: boolean, userHome: string): Promise<void> {
  const keychain = system ? '/Library/Keychains/System.keychain' : path.join(userHome, 'Library', 'Keychains', 'login.keychain-db');
  const label = system ? 'System keychain' : 'login keychain';
  if (context.uninstall) {
    await runCommand('security', ['remove-trusted-cert', ...(system ? ['-d'] : []), context.caFile], { env: context.env });
    const deleted = await runCommand('security', ['delete-certificate', '-c', context.caName, keychain], { env: context.env });
    if (deleted.ok || /could not be found/i.test(deleted.stderr)) context.lines.push(`✓ ${label}: no longer trusts mfe-dev's CA`);
    else failed(context, `could not remove the CA from the ${label}`, deleted);
    return;
  }
  const added = await runCommand('security', ['add-trusted-cert', ...(system ? ['-d'] : []), '-r', 'trustRoot', '-k', keychain, context.caFile], { env: context.env, timeoutMs: 120_000 });
  if (added.ok) context.lines.push(`✓ ${label}: trusts '${context.caName}' now (Safari and Chrome)`);
  else failed(context, `could not add the CA to the ${label}`, added);
}

async function windowsStore(context: TrustContext, system: boolean): Promise<void> {
  const scope = system ? [] : ['-user'];
  const label = system ? "the machine's root store" : "this user's root store";
  const result = context.uninstall
    ? await runCommand('certutil', [...scope, '-delstore', 'Root', context.caName], { env: context.env })
    : await runCommand('certutil', [...scope, '-addstore', 'Root', context.caFile], { env: context.env, timeoutMs: 120_000 });
  if (result.ok) context.lines.push(`✓ ${label}: ${context.uninstall ? "no longer trusts mfe-dev's CA" : `trusts '${context.caName}' now (Edge, Chrome, Firefox)`}`);
  else failed(context, `could not change ${label}`, result);
}
