/**
 * `/__mfe-dev`: the gateway's own paths, named once. Nothing of production is served under
 * this prefix.
 * - `/__mfe-dev/`              the dev page (HTML)
 * - `/__mfe-dev/api/state`     the same as JSON, for the requesting browser
 * - `/__mfe-dev/overlay.js`    the overlay injected into pages with local or shadow fragments
 * - `/__mfe-dev/error-box.css` styles of the box that replaces a failed local fragment
 * - `/__mfe-dev/local/NAME/…`  a local client-side fragment's files (absolute asset URLs rewritten)
 * - `/__mfe-dev/preview/NAME/ID/…` the same for a fragment's preview `ID` (its `previews` URL)
 * - `/__mfe-dev/dev-page.js`   the dev page's script (re-renders it on `state` events)
 * - `/__mfe-dev/events`        server-sent events for the overlay and the dev page: `reload`
 *                              (live reload), `state` (what the dev page shows changed)
 * - `/__mfe-dev/api/shadow`    shadow mode's figures as JSON (`?download`: as a file)
 * - `/__mfe-dev/shadow-report.html` the same as a standalone HTML report (a file to download)
 */
export const DEV_PREFIX = '/__mfe-dev';
export const DEV_PAGE_PATH = `${DEV_PREFIX}/`;
export const STATE_API_PATH = `${DEV_PREFIX}/api/state`;
export const OVERLAY_SCRIPT_PATH = `${DEV_PREFIX}/overlay.js`;
export const DEV_PAGE_SCRIPT_PATH = `${DEV_PREFIX}/dev-page.js`;
export const ERROR_BOX_CSS_PATH = `${DEV_PREFIX}/error-box.css`;
export const SHADOW_API_PATH = `${DEV_PREFIX}/api/shadow`;
export const SHADOW_REPORT_PATH = `${DEV_PREFIX}/shadow-report.html`;
export const LOCAL_ASSET_ROUTE = `${DEV_PREFIX}/local/`;
export const PREVIEW_ASSET_ROUTE = `${DEV_PREFIX}/preview/`;
export const LIVE_RELOAD_PATH = `${DEV_PREFIX}/events`;

/** True for `/__mfe-dev` itself and anything under it (path or query). */
export function isDevPath(url: string): boolean {
  return url === DEV_PREFIX || url.startsWith(DEV_PREFIX + '/') || url.startsWith(DEV_PREFIX + '?');
}
