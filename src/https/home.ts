import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Where mfe-dev keeps what belongs to this user rather than to a project: the local certificate
 * authority and the certificates it issued. Never inside a project, so a private key cannot be
 * committed by accident.
 *
 * `MFE_DEV_HOME` wins (tests point it at a temporary folder); otherwise the platform's config
 * folder: `$XDG_CONFIG_HOME/mfe-dev` or `~/.config/mfe-dev` on Linux and other Unixes,
 * `~/Library/Application Support/mfe-dev` on macOS, `%APPDATA%\mfe-dev` on Windows.
 */
export function mfeDevHome(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.MFE_DEV_HOME) return path.resolve(env.MFE_DEV_HOME);
  const home = env.HOME || env.USERPROFILE || os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA || path.join(home, 'AppData', 'Roaming'), 'mfe-dev');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'mfe-dev');
  return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'mfe-dev');
}

/** The folder, created readable by this user only (0700). */
export function ensurePrivateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode is filtered by the umask and ignored for a folder that already existed.
  if (process.platform !== 'win32') chmodSync(dir, 0o700);
  return dir;
}

/**
 * Write a file in one step for any reader: a temporary file beside it (created with `mode`, so a
 * private key is never readable by others, not even for a moment), then renamed over the target.
 */
export function writeFileAtomic(file: string, content: string, mode: number): void {
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temporary, content, { mode, flag: 'wx' });
  if (process.platform !== 'win32') chmodSync(temporary, mode);
  renameSync(temporary, file);
}

/**
 * Run `fn` while holding `<dir>/<name>.lock`, so two gateways starting at once do not both make a
 * CA (one's key beside the other's certificate). A lock older than `staleMs` is a crashed
 * process's and is taken over.
 */
export async function withFileLock<T>(dir: string, name: string, fn: () => Promise<T>, options: { staleMs?: number; waitMs?: number } = {}): Promise<T> {
  const { staleMs = 30_000, waitMs = 20_000 } = options;
  ensurePrivateDir(dir);
  const lock = path.join(dir, `${name}.lock`);
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx', mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let age = 0;
      try {
        age = Date.now() - statSync(lock).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      if (age > staleMs) rmSync(lock, { force: true });
      else if (Date.now() > deadline) throw new Error(`${lock} is held by another mfe-dev (pid ${readPid(lock)}); if none is running, delete it`);
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

function readPid(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim() || '?';
  } catch {
    return '?';
  }
}
