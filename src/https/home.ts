import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
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
