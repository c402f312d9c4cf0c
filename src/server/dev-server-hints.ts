import type { IncomingHttpHeaders } from 'node:http';
import type { FragmentMode, ResolvedConfig } from '../config/types.js';

/**
 * Terminal hints for what goes wrong between a page and a local dev server, each with the likely
 * fix. They are pure: the request path decides when to ask, and prints what comes back once.
 */
export interface ActiveLocalFragment {
  name: string;
  /** The fragment's `local` URL. */
  local: string;
}

/** The fragments that are `local` for this request and have a local service. */
export function activeLocalFragments(config: ResolvedConfig, modes: ReadonlyMap<string, FragmentMode>): ActiveLocalFragment[] {
  return [...config.fragments.values()].filter((f) => f.local && modes.get(f.name) === 'local').map((f) => ({ name: f.name, local: f.local! }));
}

/** Destinations (`Sec-Fetch-Dest`) of the requests a fragment's client-side code makes. */
const MODULE_DESTINATIONS = new Set(['script', 'worker', 'sharedworker', 'serviceworker', 'style', 'audioworklet', 'paintworklet']);
const MODULE_EXTENSIONS = /\.(?:m?[jt]sx?|css|scss|less|vue|svelte|map|wasm)$/i;

/** True for a request a page's module graph or stylesheets make (not a page, image or API call). */
export function looksLikeModuleRequest(url: string, headers: IncomingHttpHeaders): boolean {
  const destination = String(headers['sec-fetch-dest'] ?? '').toLowerCase();
  if (MODULE_DESTINATIONS.has(destination)) return true;
  if (destination && destination !== 'empty') return false;
  const path = url.split('?')[0];
  return MODULE_EXTENSIONS.test(path) || path.startsWith('/@') || path.startsWith('/node_modules/');
}

/** Folders dev servers serve their sources and clients from (Vite, webpack, Next). */
const DEV_SERVER_FOLDERS = /\/(?:src|@vite|@id|@fs|@react-refresh|node_modules|_next|__webpack_hmr)(?:\/|$)/;

/**
 * The narrowest path prefix to suggest for `assets`, so that production's own files stay
 * production's: the dev server's base when it shows (a local fragment's `local` URL path, the
 * folder named after a local fragment, the folder a dev server's `src/` or `@vite/` lives under:
 * `/assets/header/src/x.js` → `/assets/header/`), else the first segment (`/@vite/`), or the
 * file itself.
 */
export function suggestedPrefix(url: string, fragments: readonly ActiveLocalFragment[] = []): string {
  const path = url.split('?')[0];
  for (const fragment of fragments) {
    const base = new URL(fragment.local).pathname.replace(/\/*$/, '/');
    if (base !== '/' && path.startsWith(base)) return base;
  }
  const segments = path.split('/');
  for (const fragment of fragments) {
    const at = segments.indexOf(fragment.name, 1);
    if (at > 0 && at < segments.length - 1) return segments.slice(0, at + 1).join('/') + '/';
  }
  const devFolder = DEV_SERVER_FOLDERS.exec(path);
  if (devFolder && devFolder.index > 0) return path.slice(0, devFolder.index + 1);
  const second = path.indexOf('/', 1);
  return second === -1 ? path : path.slice(0, second + 1);
}

function names(fragments: readonly ActiveLocalFragment[]): string {
  return fragments.map((f) => `'${f.name}'`).join(', ');
}

function assetsKey(fragments: readonly ActiveLocalFragment[]): string {
  return fragments.length === 1 ? `\`fragments.${fragments[0].name}.assets\`` : 'the `assets` of the fragment it belongs to';
}

/**
 * A module or stylesheet request went to production and production has no such file, while some
 * fragment is local: most likely a file of the local dev server that the config does not route.
 */
export function moduleMissHint(method: string, url: string, status: number, fragments: readonly ActiveLocalFragment[]): string {
  const prefix = suggestedPrefix(url, fragments);
  return (
    `${method} ${url} went to production, which answered ${status}, while ${names(fragments)} ${fragments.length === 1 ? 'is' : 'are'} local. ` +
    `If it is a file of ${fragments.length === 1 ? `${fragments[0].name}'s dev server (${fragments[0].local})` : 'a local dev server'}, add '${prefix}' to ${assetsKey(fragments)} so it is served from there.`
  );
}

/**
 * A websocket that looks like a dev server's live-update socket was accepted by no local
 * service and went to production.
 */
export function socketMissHint(url: string, fragments: readonly ActiveLocalFragment[], refusals: readonly string[], closed = false): string {
  const tried = refusals.length ? ` (${refusals.join('; ')})` : '';
  return (
    `websocket ${url} looks like a dev server's live-update socket, but no local service accepted it${tried}, so it ${closed ? 'was closed' : 'went to production'}. ` +
    `Hot reload of ${names(fragments)} will not work until it reaches its dev server: check that the dev server runs at the \`local\` URL, ` +
    `or put its socket under an asset prefix (Vite: \`base\` or \`server.hmr.path\`; webpack-dev-server: \`devServer.webSocketServer.options.path\` with \`devServer.client.webSocketURL\`) listed in ${assetsKey(fragments)}.`
  );
}

/** A websocket went to production, which refused it (404), while some fragment is local. */
export function socketRefusedHint(url: string, status: number, fragments: readonly ActiveLocalFragment[]): string {
  const prefix = suggestedPrefix(url, fragments);
  return (
    `websocket ${url} went to production, which answered ${status}, while ${names(fragments)} ${fragments.length === 1 ? 'is' : 'are'} local. ` +
    `If it is a dev server's live-update socket (HMR), add '${prefix}' to ${assetsKey(fragments)}, or move the socket under a prefix listed there ` +
    `(Vite: \`base\` or \`server.hmr.path\`; webpack-dev-server: \`devServer.webSocketServer.options.path\` with \`devServer.client.webSocketURL\`).`
  );
}

/**
 * webpack's development default `devtool: 'eval'` (and the other `eval…` kinds) wrap every module
 * in `eval()` with a `//# sourceURL=webpack://…` comment. Production's Content-Security-Policy
 * rarely allows `'unsafe-eval'`, and mfe-dev does not add it (the page would then behave unlike
 * production), so such a bundle never runs through the gateway.
 */
export function usesEvalSourceMaps(code: string): boolean {
  return /\beval\(\s*["'`]/.test(code) && /[#@] sourceURL=webpack:\/\//.test(code);
}

export function evalSourceMapHint(fragment: string, url: string): string {
  return (
    `fragment '${fragment}': ${url} is a webpack bundle built with eval() source maps (webpack's default \`devtool\` in development), ` +
    `which production's Content-Security-Policy blocks unless it allows 'unsafe-eval': the fragment's script will not run. ` +
    `Set \`devtool: 'source-map'\` (or 'cheap-module-source-map') in its webpack config.`
  );
}
