import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { runCommand, type CommandResult } from './run-command.js';

/**
 * NSS certificate databases: where Chromium and Chrome on Linux, and Firefox everywhere, look for
 * the authorities the user trusts. Changed with NSS's `certutil` (Debian: libnss3-tools).
 */
export interface NssDatabase {
  /** `sql:/home/me/.pki/nssdb`, as certutil's `-d` takes it. */
  spec: string;
  /** For people: "Chromium/Chrome (~/.pki/nssdb)", "Firefox profile abc.default". */
  label: string;
  /** The shared database is made when missing; Firefox profiles are used only if they exist. */
  createIfMissing: boolean;
}

/** Every NSS database of this user that a browser reads, the shared one first. */
export function findNssDatabases(home: string, platform: NodeJS.Platform = process.platform): NssDatabase[] {
  const found: NssDatabase[] = [];
  if (platform !== 'darwin' && platform !== 'win32') {
    found.push({ spec: `sql:${path.join(home, '.pki', 'nssdb')}`, label: `Chromium/Chrome (${path.join(home, '.pki', 'nssdb')})`, createIfMissing: true });
    const snapChromium = path.join(home, 'snap', 'chromium', 'current', '.pki', 'nssdb');
    if (existsSync(snapChromium)) found.push({ spec: `sql:${snapChromium}`, label: `Chromium snap (${snapChromium})`, createIfMissing: false });
  }
  const firefoxRoots =
    platform === 'darwin'
      ? [path.join(home, 'Library', 'Application Support', 'Firefox', 'Profiles')]
      : platform === 'win32'
        ? []
        : [
            path.join(home, '.mozilla', 'firefox'),
            path.join(home, 'snap', 'firefox', 'common', '.mozilla', 'firefox'),
            path.join(home, '.var', 'app', 'org.mozilla.firefox', '.mozilla', 'firefox'),
          ];
  for (const root of firefoxRoots) {
    let entries: string[] = [];
    try {
      entries = readdirSync(root);
    } catch {
      continue;
    }
    for (const entry of entries.sort()) {
      const dir = path.join(root, entry);
      if (existsSync(path.join(dir, 'cert9.db'))) found.push({ spec: `sql:${dir}`, label: `Firefox profile ${entry} (${dir})`, createIfMissing: false });
      else if (existsSync(path.join(dir, 'cert8.db'))) found.push({ spec: `dbm:${dir}`, label: `Firefox profile ${entry} (${dir})`, createIfMissing: false });
    }
  }
  return found;
}

export interface NssContext {
  env: NodeJS.ProcessEnv;
}

/** Create an empty database (no password) if the folder has none. */
export async function ensureNssDatabase(db: NssDatabase, context: NssContext): Promise<CommandResult | undefined> {
  const dir = db.spec.replace(/^(sql|dbm):/, '');
  if (existsSync(path.join(dir, 'cert9.db')) || existsSync(path.join(dir, 'cert8.db'))) return undefined;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return runCommand('certutil', ['-N', '-d', db.spec, '--empty-password'], { env: context.env });
}

/** Nicknames and trust flags of the certificates in a database. */
export async function listNss(db: NssDatabase, context: NssContext): Promise<{ result: CommandResult; entries: Array<{ nickname: string; trust: string }> }> {
  const result = await runCommand('certutil', ['-L', '-d', db.spec], { env: context.env });
  const entries: Array<{ nickname: string; trust: string }> = [];
  for (const line of result.stdout.split('\n')) {
    const match = /^(.*?)\s{2,}([a-zA-Z]*,[a-zA-Z]*,[a-zA-Z]*)\s*$/.exec(line);
    if (match) entries.push({ nickname: match[1], trust: match[2] });
  }
  return { result, entries };
}

/** Trust `caFile` for websites (`C,,`) under `nickname`. */
export function addToNss(db: NssDatabase, nickname: string, caFile: string, context: NssContext): Promise<CommandResult> {
  return runCommand('certutil', ['-A', '-d', db.spec, '-t', 'C,,', '-n', nickname, '-i', caFile], { env: context.env });
}

export function removeFromNss(db: NssDatabase, nickname: string, context: NssContext): Promise<CommandResult> {
  return runCommand('certutil', ['-D', '-d', db.spec, '-n', nickname], { env: context.env });
}
