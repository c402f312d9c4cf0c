import pc from 'picocolors';
import { createWarnOnce } from './warn-once.js';

/**
 * Terminal output. Everything the gateway says goes through one logger so tests can silence it
 * and the format stays the same everywhere: `[mfe-dev]`-free lines, coloured when a TTY reads them.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** A warning printed once per process however often it happens (e.g. a bad override per request). */
  warnOnce(message: string): void;
  /** The most recent distinct warnings given to `warnOnce`, newest last, for the dev page. */
  recentWarnings(): string[];
}

export type LogLevel = 'info' | 'silent';

export function createLogger(level: LogLevel = 'info'): Logger {
  const silent = level === 'silent';
  const logger: Logger = {
    info(message) {
      if (!silent) process.stdout.write(message + '\n');
    },
    warn(message) {
      if (!silent) process.stderr.write(pc.yellow(message) + '\n');
    },
    error(message) {
      if (!silent) process.stderr.write(pc.red(message) + '\n');
    },
    warnOnce: (message) => void once(message),
    recentWarnings: () => once.recent(),
  };
  const once = createWarnOnce((message) => logger.warn(message));
  return logger;
}

/**
 * `DEBUG=mfe-dev:*` (or `DEBUG=mfe-dev:compose`) prints debug lines for that part; silent
 * otherwise. The check happens once, so a disabled debugger costs one branch.
 */
export function createDebugger(namespace: string): ((message: string) => void) | undefined {
  const filter = process.env.DEBUG ?? '';
  const enabled = filter
    .split(/[\s,]+/)
    .filter(Boolean)
    .some((pattern) => pattern === namespace || pattern === '*' || (pattern.endsWith('*') && namespace.startsWith(pattern.slice(0, -1))));
  if (!enabled) return undefined;
  return (message) => process.stderr.write(`${pc.magenta(namespace)} ${message}\n`);
}
