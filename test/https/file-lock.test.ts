/**
 * The lock around the local CA, and mfe-dev's folder when it cannot be used: a leftover lock of a
 * process that is gone (or a file that is no lock) is taken over at once, a live one is waited for
 * and named; an unwritable folder, a full disk, or MFE_DEV_HOME being a file stop an https start
 * with a message naming the folder and the fix (exit 1), never an "unexpected error" stack.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withFileLock } from '../../src/https/file-lock.js';
import { folderError } from '../../src/https/folder-errors.js';
import { startHttpsCli } from '../helpers/cli-https.js';
import { listen, type TestServer } from '../helpers/servers.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/mfe-dev.js');

let dir: string;
beforeEach(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-lock-')));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The pid of a process that has ended. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('the CA lock', () => {
  it.each([
    ['a bare pid of a process that is gone (what an older mfe-dev left)', async () => String(await deadPid())],
    ['pid, host and token of a process that is gone', async () => `${await deadPid()} ${os.hostname()} 0f0f`],
    ['not a lock at all', async () => 'garbage\n'],
    ['empty', async () => ''],
  ])('a leftover lock holding %s is taken over at once, and removed after', async (_what, content) => {
    const lock = path.join(dir, 'certificates.lock');
    fs.writeFileSync(lock, await content());
    // waitMs 0: no waiting at all for a lock whose owner is known to be gone.
    expect(await withFileLock(dir, 'certificates', async () => fs.readFileSync(lock, 'utf8'), { waitMs: 0 })).toMatch(new RegExp(`^${process.pid} `));
    expect(fs.existsSync(lock)).toBe(false);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('a lock of a running process is waited for, then named with its pid; once that process ends it is taken over', async () => {
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      fs.writeFileSync(path.join(dir, 'certificates.lock'), `${holder.pid} ${os.hostname()} abc`);
      await expect(withFileLock(dir, 'certificates', async () => 'got it', { waitMs: 300 })).rejects.toMatchObject({
        code: 'MFE_HTTPS_CA_LOCKED',
        message: expect.stringContaining(`held by mfe-dev process ${holder.pid}, which is still running`),
      });
    } finally {
      holder.kill('SIGKILL');
      await new Promise((resolve) => holder.once('exit', resolve));
    }
    expect(await withFileLock(dir, 'certificates', async () => 'got it', { waitMs: 0 })).toBe('got it');
  });

  it('a lock taken over by someone else meanwhile is not removed by the first holder', async () => {
    const lock = path.join(dir, 'certificates.lock');
    await withFileLock(dir, 'certificates', async () => {
      fs.writeFileSync(lock, `${process.pid} ${os.hostname()} someone-else`);
    });
    expect(fs.readFileSync(lock, 'utf8')).toContain('someone-else');
  });
});

describe('folder errors', () => {
  const failure = (code: string) => Object.assign(new Error(`${code}: x`), { code, path: '/home/me/.config/mfe-dev/ca.pem.1.tmp' });
  it.each([
    ['ENOSPC', /the disk holding \/home\/me\/.config\/mfe-dev is full \(ENOSPC writing .*\)\. Free some space, or set MFE_DEV_HOME/],
    ['EDQUOT', /is full \(EDQUOT/],
    ['EACCES', /\/home\/me\/.config\/mfe-dev is not writable by you \(EACCES .*`chmod u\+rwx \/home\/me\/.config\/mfe-dev`/],
    ['EPERM', /is not writable by you \(EPERM/],
    ['EROFS', /read-only file system .*Set MFE_DEV_HOME to a folder on a writable disk/],
  ])('%s names the folder and the fix', (code, message) => {
    const error = folderError(failure(code), '/home/me/.config/mfe-dev') as Error & { code: string };
    expect(error.code).toBe('MFE_HTTPS_HOME_UNUSABLE');
    expect(error.message).toMatch(message);
  });
  it('leaves other errors alone', () => {
    const other = failure('EIO');
    expect(folderError(other, '/x')).toBe(other);
  });
});

describe('an https start when the folder cannot be used (real CLI)', () => {
  let production: TestServer;
  beforeAll(async () => {
    production = await listen((_req, res) => res.end('production'));
  });
  afterAll(() => production?.close());

  function start(home: string): Promise<{ code: number; output: string }> {
    const cwd = path.join(dir, 'project');
    fs.mkdirSync(cwd, { recursive: true });
    fs.writeFileSync(path.join(cwd, 'mfe-dev.config.json'), JSON.stringify({ upstream: production.url, https: true }));
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', MFE_DEV_HOME: home, HOME: dir };
    delete env.FORCE_COLOR;
    return new Promise((resolve) => {
      execFile(process.execPath, [BIN, '--port', '0'], { cwd, env, timeout: 30_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? Number((error as NodeJS.ErrnoException).code ?? 1) : 0, output: stdout + stderr });
      });
    });
  }
  const noStack = (output: string) => {
    expect(output).not.toContain('unexpected error');
    expect(output).not.toMatch(/^\s+at /m);
  };

  it('a leftover lock of a crashed mfe-dev does not hold the start up', async () => {
    const home = path.join(dir, 'mfe-dev');
    fs.mkdirSync(home);
    fs.writeFileSync(path.join(home, 'certificates.lock'), String(await deadPid()));
    const gateway = await startHttpsCli({ upstream: production.url, https: true }, { MFE_DEV_HOME: home, HOME: dir });
    try {
      expect(gateway.output).not.toContain('held by');
      expect(fs.existsSync(path.join(home, 'certificates.lock'))).toBe(false);
    } finally {
      await gateway.stop();
    }
  });

  it('MFE_DEV_HOME is a file: exit 1, naming the file and the fix', async () => {
    const home = path.join(dir, 'not-a-folder');
    fs.writeFileSync(home, 'x');
    const result = await start(home);
    expect(result.code).toBe(1);
    expect(result.output).toContain(`mfe-dev: cannot keep the local certificate authority in ${home}: ${home} is a file, but mfe-dev needs ${home} to be a folder`);
    expect(result.output).toContain('set MFE_DEV_HOME to a folder of your own');
    noStack(result.output);

    const below = await start(path.join(home, 'sub'));
    expect(below.code).toBe(1);
    expect(below.output).toContain(`${home} is a file, but mfe-dev needs ${path.join(home, 'sub')} to be a folder`);
  });

  /** A tmpfs at `target` (root only; false where mounting is not allowed). */
  function mountTmpfs(target: string, options: string): boolean {
    fs.mkdirSync(target, { recursive: true });
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', target], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  }
  const unmount = (target: string) => execFileSync('umount', [target], { stdio: 'ignore' });
  const root = process.getuid?.() === 0;

  it('an unwritable folder: exit 1, naming the folder and the fix', async (context) => {
    const home = path.join(dir, 'locked');
    let mounted = false;
    if (root) {
      mounted = mountTmpfs(home, 'ro,size=64k');
      if (!mounted) return context.skip(); // root without mount rights: permissions cannot stop root
    } else {
      fs.mkdirSync(home, { mode: 0o500 });
      fs.chmodSync(home, 0o500);
    }
    try {
      const result = await start(home);
      expect(result.code).toBe(1);
      expect(result.output).toMatch(new RegExp(`cannot keep the local certificate authority in ${home}: ${home} (is not writable by you|is on a read-only file system)`));
      expect(result.output).toMatch(/chmod u\+rwx|Set MFE_DEV_HOME to a folder on a writable disk/);
      noStack(result.output);
    } finally {
      if (mounted) unmount(home);
      else fs.chmodSync(home, 0o700);
    }
  });

  it.runIf(root)('a full disk (ENOSPC on a full tmpfs): exit 1, naming the folder and the fix', async (context) => {
    const home = path.join(dir, 'full');
    if (!mountTmpfs(home, 'size=64k,mode=0700')) return context.skip();
    try {
      // Fill it.
      try {
        fs.writeFileSync(path.join(home, 'filler'), Buffer.alloc(1024 * 1024));
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
      }
      const result = await start(home);
      expect(result.code).toBe(1);
      expect(result.output).toContain(`cannot keep the local certificate authority in ${home}: the disk holding ${home} is full (ENOSPC`);
      expect(result.output).toContain('Free some space, or set MFE_DEV_HOME');
      noStack(result.output);
    } finally {
      unmount(home);
    }
  });
});
