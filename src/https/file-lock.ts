import { randomUUID } from 'node:crypto';
import { linkSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MfeDevError } from '../errors.js';
import { ensurePrivateDir } from './home.js';
import { folderError } from './folder-errors.js';

/**
 * Run `fn` while holding `<dir>/<name>.lock`, so two gateways starting at once do not both make a
 * CA (one's key beside the other's certificate). The lock holds `PID HOST TOKEN`. A lock whose
 * process is gone (same host, no such pid), or that is not a lock mfe-dev wrote, is taken over at
 * once; one older than `staleMs` too (a recycled pid). A file-system failure in `dir` (not
 * writable, disk full, `dir` a file) becomes an error naming the folder and the fix.
 */
export async function withFileLock<T>(dir: string, name: string, fn: () => Promise<T>, options: { staleMs?: number; waitMs?: number } = {}): Promise<T> {
  const { staleMs = 30_000, waitMs = 20_000 } = options;
  const lock = path.join(dir, `${name}.lock`);
  const mine = `${process.pid} ${os.hostname()} ${randomUUID()}`;
  try {
    ensurePrivateDir(dir);
    const deadline = Date.now() + waitMs;
    while (!create(lock, mine)) {
      const held = read(lock);
      if (held === undefined) continue; // released meanwhile
      const owner = parse(held.content);
      if (!owner || (owner.local && !alive(owner.pid)) || held.age > staleMs) takeOver(lock, held.content);
      else if (Date.now() > deadline) {
        throw new MfeDevError(
          'MFE_HTTPS_CA_LOCKED',
          `${lock} is held by mfe-dev process ${owner.pid}${owner.local ? '' : ` on ${owner.host}`}, which is still running and making certificates. ` +
            `Wait for it, or stop it; if it is not mfe-dev, delete ${lock}.`,
          { file: lock },
        );
      } else await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } catch (error) {
    throw folderError(error, dir);
  }
  try {
    return await fn();
  } catch (error) {
    throw folderError(error, dir);
  } finally {
    if (read(lock)?.content === mine) rmSync(lock, { force: true });
  }
}

/**
 * Create the lock with its content in one step (a hard link of a written file), so no one ever
 * reads a half-written lock and takes it for a broken one. Where hard links are not supported,
 * an exclusive create.
 */
function create(lock: string, content: string): boolean {
  const temporary = `${lock}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  writeFileSync(temporary, content, { flag: 'wx', mode: 0o600 });
  try {
    linkSync(temporary, lock);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw error;
    try {
      writeFileSync(lock, content, { flag: 'wx', mode: 0o600 });
      return true;
    } catch (fallback) {
      if ((fallback as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw fallback;
    }
  } finally {
    rmSync(temporary, { force: true });
  }
}

function read(lock: string): { content: string; age: number } | undefined {
  try {
    return { content: readFileSync(lock, 'utf8'), age: Date.now() - statSync(lock).mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** `PID HOST TOKEN`, or a bare PID (what mfe-dev wrote before); anything else is no lock of ours. */
function parse(content: string): { pid: number; host: string; local: boolean } | undefined {
  const match = /^(\d{1,10})(?: (\S+) \S+)?\s*$/.exec(content);
  if (!match || Number(match[1]) <= 0) return undefined;
  const host = match[2] ?? os.hostname();
  return { pid: Number(match[1]), host, local: host === os.hostname() };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, another user's
  }
}

/**
 * Remove a stale lock, unless someone replaced it meanwhile: it is renamed aside first, and put
 * back when what was moved is not the stale lock that was read.
 */
function takeOver(lock: string, staleContent: string): void {
  const aside = `${lock}.${process.pid}.${randomUUID().slice(0, 8)}.stale`;
  try {
    renameSync(lock, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    if (readFileSync(aside, 'utf8') !== staleContent) linkSync(aside, lock);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(aside, { force: true });
  }
}
