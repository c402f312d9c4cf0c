/**
 * Hot reload: watch every file the config was built from; on a change, resolve the whole config
 * again and hand it over, or report the error and keep the last good one.
 *
 * The folders holding those files are watched, not the files: editors and tools replace a file
 * (write a copy, rename it over; `sed -i`; delete and re-create), and a watch on the old file
 * dies with it, while the folder's watch sees every later change.
 */
import fs from 'node:fs';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { MfeDevError } from '../errors.js';
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
  /**
   * A reload still not done after this many ms is abandoned with an error (a config that awaits
   * something that never settles); later edits reload again.
   * @default 10000, or the MFE_DEV_RELOAD_TIMEOUT_MS environment variable
   */
  reloadTimeoutMs?: number;
  /**
   * When `current` was read (ms since the epoch). Once the watch is set up, a file changed
   * since then reloads: an edit made while the watcher was starting (just after the ready
   * line) is not lost.
   */
  loadedAt?: number;
}

export interface ConfigWatcher {
  /** Stops watching; a reload in progress is not waited for, and not reported. */
  close(): Promise<void>;
  /** Resolves once the files are being watched. */
  ready: Promise<void>;
}

/**
 * Watches `current.files` and reloads with `resolveConfig(inline)` when one changes. The newest
 * edit always wins at once: an edit during a reload starts another one immediately, and the
 * older one's result (or error) is dropped when it settles — a config whose import never
 * settles cannot hold up the corrected save. The watched files follow the config (an edited
 * `extends` adds or drops files). Nothing is thrown or rejected: every failure goes to
 * `handlers.onError`.
 */
export function watchConfig(
  inline: InlineConfig,
  current: ResolvedConfig,
  handlers: ConfigWatchHandlers,
  options: ConfigWatchOptions = {},
): ConfigWatcher {
  const debounceMs = options.debounceMs ?? 100;
  const reloadTimeoutMs = options.reloadTimeoutMs ?? (Number(process.env.MFE_DEV_RELOAD_TIMEOUT_MS) || 10_000);
  let latest = current;
  let watched = new Set(current.files);
  let folders = foldersOf(watched);
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  /** Bumped by each reload: only the newest may apply its result or report its error. */
  let generation = 0;

  const report = (error: unknown) => {
    try {
      handlers.onError(error);
    } catch (handlerError) {
      console.error('mfe-dev: the config watcher onError handler threw:', handlerError);
    }
  };

  // Only the folders themselves and the config's files in them; nothing else is even looked at.
  const watcher: FSWatcher = watch([...folders], {
    ignoreInitial: true,
    depth: 0,
    ignored: (file: string) => !folders.has(file) && !watched.has(file),
  });
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  // chokidar emits no 'ready' for an empty list.
  if (watched.size === 0) markReady();
  else
    watcher.once('ready', () => {
      markReady();
      if (options.loadedAt !== undefined && changedSince(watched, options.loadedAt)) schedule();
    });

  async function reload(): Promise<void> {
    const mine = ++generation;
    const superseded = () => closed || mine !== generation;
    let timer: NodeJS.Timeout | undefined;
    // An import that never settles cannot be cancelled: it is left behind, and its result ignored.
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(reloadTimedOut(latest.configFile, reloadTimeoutMs)), reloadTimeoutMs);
      timer.unref(); // never what keeps the process alive
    });
    try {
      const next = await Promise.race([resolveConfig(inline), timeout]);
      if (superseded()) return;
      const changes = describeConfigChanges(latest, next);
      const nextFiles = new Set(next.files);
      const added = [...nextFiles].filter((file) => !watched.has(file));
      const removed = [...watched].filter((file) => !nextFiles.has(file));
      watched = nextFiles;
      const nextFolders = foldersOf(nextFiles);
      const addedFolders = [...nextFolders].filter((folder) => !folders.has(folder));
      const removedFolders = [...folders].filter((folder) => !nextFolders.has(folder));
      folders = nextFolders;
      if (addedFolders.length || added.length) watcher.add([...addedFolders, ...added]);
      if (removedFolders.length || removed.length) watcher.unwatch([...removedFolders, ...removed]);
      latest = next;
      handlers.onReload(next, changes);
    } catch (error) {
      if (superseded()) return;
      const file = latest.configFile;
      report(file && !fs.existsSync(file) ? configGone(file, error) : error);
    } finally {
      clearTimeout(timer);
    }
  }

  function run(): void {
    timer = undefined;
    if (closed) return;
    // A reload still running (maybe one that never settles) is superseded, not waited for.
    void reload();
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
  // (paulmillr/chokidar#1455), and folds a rename over the file into events it may not emit, so
  // a quick second save would be lost; the folder's raw fs events still arrive (for every name
  // in it, ignored or not), and the debounce coalesces them.
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
      // A reload in progress is not awaited: it may never settle, and shutdown must not hang on it.
    },
  };
}

/** True when a file was modified after `since` (ms since the epoch), or is gone. */
function changedSince(files: Iterable<string>, since: number): boolean {
  for (const file of files) {
    try {
      if (fs.statSync(file).mtimeMs > since) return true;
    } catch {
      return true;
    }
  }
  return false;
}

function foldersOf(files: Iterable<string>): Set<string> {
  return new Set([...files].map((file) => path.dirname(file)));
}

function configGone(file: string, cause: unknown): MfeDevError {
  return new MfeDevError(
    'MFE_CONFIG_NOT_FOUND',
    `${file} was deleted or renamed. Put it back (or write another config in ${path.dirname(file)}): mfe-dev reloads as soon as it appears.`,
    { file, cause },
  );
}

function reloadTimedOut(file: string | undefined, ms: number): MfeDevError {
  const what = file ?? 'the config';
  return new MfeDevError(
    'MFE_CONFIG_LOAD_FAILED',
    `reloading ${what} did not finish within ${ms / 1000} s, so it was abandoned. Does the config (or a file it imports) ` +
      'wait on something that never settles, such as a top-level `await` on a promise that never resolves? ' +
      'Fix it and save again: the next save reloads.',
    { file },
  );
}
