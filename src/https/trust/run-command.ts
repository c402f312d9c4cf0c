import { execFile } from 'node:child_process';

/** What a trust-store tool said. `missing` means the program is not installed (or not on PATH). */
export interface CommandResult {
  ok: boolean;
  missing: boolean;
  code: number | null;
  stdout: string;
  stderr: string;
  /** `certutil -A -d … -n …`, for messages. */
  commandLine: string;
}

/** Run a program without a shell (arguments are never interpreted), with a time limit. */
export function runCommand(program: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CommandResult> {
  const commandLine = [program, ...args].map(shellQuote).join(' ');
  return new Promise((resolve) => {
    execFile(program, args, { env: options.env ?? process.env, timeout: options.timeoutMs ?? 30_000, windowsHide: true, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as NodeJS.ErrnoException).code === 'number' ? Number((error as NodeJS.ErrnoException).code) : null) : 0;
      resolve({
        ok: !error,
        missing: (error as NodeJS.ErrnoException | null)?.code === 'ENOENT',
        code,
        stdout: String(stdout),
        stderr: String(stderr || (error && !stdout ? error.message : '')),
        commandLine,
      });
    });
  });
}

/** Quote an argument for a POSIX shell, for the manual steps a person copies. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
