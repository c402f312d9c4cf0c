/**
 * Hot reload: watch every file the config was built from; on a change, resolve the whole config
 * again and hand it over, or report the error and keep the last good one.
 */
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { describeConfigChanges } from './describe-changes.js';
import { resolveConfig } from './resolve-config.js';
import type { InlineConfig, ResolvedConfig } from './types.js';

export interface ConfigWatchHandlers {
  /** A new config resolved without error; `changes` says what differs (may be empty). */
  onReload(next: ResolvedConfig, changes: string[]): void;
  /** The edited config failed to load or validate; the caller keeps serving the previous one. */
  onError(error: unknown): void;
}

export interface ConfigWatchOptions {
  /** Quiet time after the last file event before reloading, in ms. @default 100 */
  debounceMs?: number;
}

export interface ConfigWatcher {
  /** Stops watching; a reload in progress finishes but is not reported. */
  close(): Promise<void>;
  /** Resolves once the files are being watched. */
  ready: Promise<void>;
}

/**
 * Watches `current.files` and reloads with `resolveConfig(inline)` when one changes. Reloads
 * run one at a time; events during a reload trigger one more afterwards. The watched files
 * follow the config (an edited `extends` adds or drops files). Nothing is thrown or rejected:
 * every failure goes to `handlers.onError`.
 */
export function watchConfig(
  inline: InlineConfig,
  current: ResolvedConfig,
  handlers: ConfigWatchHandlers,
  options: ConfigWatchOptions = {},
): ConfigWatcher {
  const debounceMs = options.debounceMs ?? 100;
  let latest = current;
  let watched = new Set(current.files);
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;

  const report = (error: unknown) => {
    try {
      handlers.onError(error);
    } catch (handlerError) {
      console.error('mfe-dev: the config watcher onError handler threw:', handlerError);
    }
  };

  const watcher: FSWatcher = watch([...watched], { ignoreInitial: true, atomic: true });
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  // chokidar emits no 'ready' for an empty list.
  if (watched.size === 0) markReady();
  else watcher.once('ready', () => markReady());

  async function reload(): Promise<void> {
    try {
      const next = await resolveConfig(inline);
      if (closed) return;
      const changes = describeConfigChanges(latest, next);
      const nextFiles = new Set(next.files);
      const added = [...nextFiles].filter((file) => !watched.has(file));
      const removed = [...watched].filter((file) => !nextFiles.has(file));
      if (added.length) watcher.add(added);
      if (removed.length) watcher.unwatch(removed);
      watched = nextFiles;
      latest = next;
      handlers.onReload(next, changes);
    } catch (error) {
      if (!closed) report(error);
    }
  }

  function run(): void {
    timer = undefined;
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = reload().finally(() => {
      running = undefined;
      if (again && !closed) {
        again = false;
        run();
      }
    });
  }

  const schedule = () => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(run, debounceMs);
  };
  watcher.on('all', (event) => {
    if (event === 'add' || event === 'change' || event === 'unlink') schedule();
  });
  // chokidar drops a `change` that follows another one on the same file within 50 ms
  // (paulmillr/chokidar#1455), so a quick second save would be lost; the raw fs events still
  // arrive, and the debounce coalesces them.
  watcher.on('raw', (_event, name, details) => {
    const watchedPath = (details as { watchedPath?: string } | undefined)?.watchedPath;
    if (!watchedPath) return;
    if (watched.has(watchedPath) || (name && watched.has(path.join(watchedPath, name)))) schedule();
  });
  watcher.on('error', (error) => report(error));

  return {
    ready,
    async close() {
      closed = true;
      markReady();
      if (timer) clearTimeout(timer);
      await watcher.close();
      await running;
    },
  };
}
