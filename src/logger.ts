import pc from 'picocolors';
import { escapeControlChars } from './http/control-chars.js';
import { createWarnOnce, type WarnOptions } from './warn-once.js';

/**
 * Terminal output. Everything the gateway says goes through one logger so tests can silence it
 * and the format stays the same everywhere: `[mfe-dev]`-free lines, coloured when a TTY reads them.
 * Messages quote requests and production (URLs, override values, fragment diffs), so their
 * control characters are printed as visible escapes (`\x1b`): no request can set the window
 * title or clear the screen. Line breaks the gateway wrote stay line breaks.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /**
   * A line the caller coloured itself (page lines, the ready banner), printed as is: every piece
   * of it a request or production can influence must have gone through `escapeControlChars`.
   */
  styled(line: string): void;
  /**
   * A warning printed once per process however often it happens (e.g. a bad override per
   * request). `key` names its cause for {@link Logger.resolveWarnings}; `group: 'request'` marks
   * text a request chose (capped in the terminal, kept off the shared list).
   */
  warnOnce(message: string, options?: WarnOptions): void;
  /** The cause of the warnings of `key` (or `prefix*`) is gone: they leave the dev page's list. */
  resolveWarnings(key: string): void;
  /** The most recent distinct warnings given to `warnOnce`, newest last, for the dev page. */
  recentWarnings(): string[];
  /**
   * Calls `listener` with each warning `warnOnce` logs for the first time (not with repeats): the
   * dev page and the overlay update when a warning appears. Returns the unsubscribe function.
   */
  onNewWarning(listener: (message: string) => void): () => void;
}

/**
 * How much the gateway prints: `info` the start-up banner, page lines and everything below;
 * `warn` warnings and errors; `error` errors; `silent` nothing (the dev page still lists warnings).
 */
export type LogLevel = 'info' | 'warn' | 'error' | 'silent';

/**
 * stdout and stderr whose reader went away (`mfe-dev | head -3`, an IDE task whose reader died, a
 * `nohup` run in a closed terminal): the write fails with EPIPE or EIO, and the gateway stops
 * writing to that stream and carries on serving. Nothing else changes.
 */
const closedStreams = new Set<NodeJS.WritableStream>();
let streamsGuarded = false;

/**
 * Takes the write errors of stdout and stderr (they would otherwise be uncaught exceptions, and
 * reporting them would write, fail and report again, forever). The CLI calls it first thing.
 */
export function guardTerminalStreams(): void {
  if (streamsGuarded) return;
  streamsGuarded = true;
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => closedStreams.add(stream));
}

/** Writes to stdout or stderr unless its reader is gone; never throws. */
export function writeTerminal(stream: NodeJS.WriteStream, text: string): void {
  if (closedStreams.has(stream) || stream.destroyed || !stream.writable) return;
  try {
    stream.write(text);
  } catch {
    closedStreams.add(stream);
  }
}

/** Where a logger's lines go (each already escaped and coloured): by default stdout and stderr. */
export interface LogSink {
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
}

const consoleSink: LogSink = {
  info: (line) => writeTerminal(process.stdout, line + '\n'),
  warn: (line) => writeTerminal(process.stderr, line + '\n'),
  error: (line) => writeTerminal(process.stderr, line + '\n'),
};

const RANK: Record<LogLevel, number> = { info: 0, warn: 1, error: 2, silent: 3 };

export function createLogger(level: LogLevel = 'info', sink: LogSink = consoleSink): Logger {
  const shows = (what: 'info' | 'warn' | 'error') => RANK[what] >= RANK[level];
  const safe = (message: string) => escapeControlChars(message, { keepNewlines: true });
  const warningListeners = new Set<(message: string) => void>();
  const logger: Logger = {
    info(message) {
      if (shows('info')) sink.info(safe(message));
    },
    warn(message) {
      if (shows('warn')) sink.warn(pc.yellow(safe(message)));
    },
    error(message) {
      if (shows('error')) sink.error(pc.red(safe(message)));
    },
    styled(line) {
      if (shows('info')) sink.info(line);
    },
    // Escaped before it is remembered: the dev page shows the same text as the terminal.
    warnOnce(message, options) {
      const text = safe(message);
      if (once(text, options) && options?.group !== 'request') for (const listener of warningListeners) listener(text);
    },
    resolveWarnings(key) {
      if (once.resolve(key) > 0) for (const listener of warningListeners) listener('');
    },
    recentWarnings: () => once.recent(),
    onNewWarning(listener) {
      warningListeners.add(listener);
      return () => warningListeners.delete(listener);
    },
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
  return (message) => writeTerminal(process.stderr, `${pc.magenta(namespace)} ${escapeControlChars(message, { keepNewlines: true })}\n`);
}
