import type { FragmentTiming } from '../compose/server-timing.js';
import { OVERLAY_SCRIPT_PATH } from '../http/routes.js';
import { escapeHtml } from '../html/escape-html.js';

/**
 * The one tag mfe-dev adds to a page: the dev overlay's script, before `</body>`, on pages where
 * some fragment is `local` or `shadow`. When production's CSP allows scripts by nonce, the tag
 * carries that nonce (`scriptNonce` of proxy/csp.ts: the one of the directive governing scripts) so the policy that protects the page still lets the overlay run. It also
 * carries the page's fragment timings (`data-timings`), which the overlay turns into User Timing
 * measures (`mfe-NAME`), and when the page was asked for (`data-asked-at`, ms since the epoch):
 * live reload compares it with when it last saw a local fragment change, so a tab that missed a
 * `reload` event (its event stream was reconnecting) reloads when it
 * listens again.
 */
export function overlayTag(nonce: string | undefined, askedAt = Date.now()): (timings: FragmentTiming[]) => string {
  const nonceAttribute = nonce ? ` nonce="${escapeHtml(nonce)}"` : '';
  return (timings) => {
    // ASCII only, whatever the page's charset: other characters as JSON escapes.
    const json = JSON.stringify(timings).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    return `<script src="${OVERLAY_SCRIPT_PATH}" data-mfe-dev-overlay data-timings="${escapeHtml(json)}" data-asked-at="${askedAt}" defer${nonceAttribute}></script>`;
  };
}
