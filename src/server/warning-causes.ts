import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';

/**
 * Warnings whose cause can go away while the gateway runs, and what withdraws each (it leaves
 * the dev page's list and `/__mfe-dev/api/state`, and is printed again should it come back):
 *
 * | warning                                              | key                        | withdrawn when                                       |
 * |------------------------------------------------------|----------------------------|------------------------------------------------------|
 * | a local asset failed (connection refused, timeout)   | `local:ORIGIN:asset`       | that local service answers anything (below)          |
 * | a dev-server socket no local service took, because   | `local:ORIGIN:socket`      | that local service answers anything                  |
 * |   none answered (connection refused)                 |                            |                                                      |
 * | a dev-server socket a local service refused (404)    | `socket:miss:PATH`         | a socket at that path is taken by a local service    |
 * | a module or style 404 while a fragment is local      | `assets:PREFIX`            | a request under PREFIX is answered (< 400)           |
 * | a websocket production could not take (refused…)     | `upstream:socket:PATH`     | production takes a socket at that path (proxy/upstream-proxy.ts) |
 * | the config's own warnings, the hints above           | `config`, `assets:*`, …    | the config reloads (re-judged under the new config)  |
 *
 * "That local service answers anything": a local fragment fetched without failure, a local
 * asset answered below 500, a dev-server socket accepted.
 */
export interface WarningCauses {
  /** The local service at `origin` answered: what its silence caused is gone. */
  localAnswered(origin: string): void;
  /** A dev-server socket at `path` was taken by a local service. */
  socketAccepted(path: string, origin: string): void;
  /** Key of the warning about a dev-server socket at `path` no local service took; `down` the origin none of them answered at. */
  socketMissKey(path: string, down: string | undefined): string;
  /** The module-404 hint for `prefix`, once per prefix (at most {@link MAX_ASSET_HINTS} at a time). */
  assetMissing(prefix: string, message: string): void;
  /** Watches a request under a hinted prefix: answered below 400, its hint is withdrawn. */
  watchServed(req: IncomingMessage, res: ServerResponse): void;
  /** The config reloaded: every hint is re-judged under the new config. */
  configReloaded(): void;
}

const MAX_ASSET_HINTS = 100;

export function createWarningCauses(logger: Logger): WarningCauses {
  /** Prefixes with a module-404 hint out. */
  const hinted = new Set<string>();
  const resolveAsset = (prefix: string) => {
    hinted.delete(prefix);
    logger.resolveWarnings(`assets:${prefix}`);
  };
  return {
    localAnswered(origin) {
      logger.resolveWarnings(`local:${origin}:*`);
    },
    socketAccepted(path, origin) {
      logger.resolveWarnings(`socket:miss:${path}`);
      logger.resolveWarnings(`local:${origin}:*`);
    },
    socketMissKey(path, down) {
      return down ? `local:${down}:socket` : `socket:miss:${path}`;
    },
    assetMissing(prefix, message) {
      if (hinted.has(prefix) || hinted.size >= MAX_ASSET_HINTS) return;
      hinted.add(prefix);
      logger.warnOnce(message, { key: `assets:${prefix}` });
    },
    watchServed(req, res) {
      if (hinted.size === 0) return;
      const path = (req.url ?? '/').split('?')[0];
      const prefix = [...hinted].find((p) => path.startsWith(p));
      if (prefix === undefined) return;
      res.once('finish', () => {
        if (res.statusCode < 400 && hinted.has(prefix)) resolveAsset(prefix);
      });
    },
    configReloaded() {
      hinted.clear();
      for (const key of ['config', 'assets:*', 'socket:*', 'local:*', 'upstream:*']) logger.resolveWarnings(key);
    },
  };
}
