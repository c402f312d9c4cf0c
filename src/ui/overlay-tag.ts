import { OVERLAY_SCRIPT_PATH } from '../http/routes.js';
import { escapeHtml } from '../html/escape-html.js';

/**
 * The one tag mfe-dev adds to a page: the dev overlay's script, before `</body>`, on pages where
 * some fragment is `local` or `shadow`. When production's CSP allows scripts by nonce, the tag
 * carries that nonce so the policy that protects the page still lets the overlay run.
 */
export function overlayTag(contentSecurityPolicy: string | undefined): string {
  const nonce = contentSecurityPolicy?.match(/'nonce-([^']+)'/)?.[1];
  const nonceAttribute = nonce ? ` nonce="${escapeHtml(nonce)}"` : '';
  return `<script src="${OVERLAY_SCRIPT_PATH}" data-mfe-dev-overlay defer${nonceAttribute}></script>`;
}
