import { ERROR_BOX_CSS_PATH } from '../http/routes.js';
import { escapeHtml } from '../html/escape-html.js';

/**
 * What replaces a fragment that could not be had. The local box is meant to be seen (the
 * developer broke or stopped their service); production failures follow their dialect and,
 * where the dialect says nothing, leave an HTML comment that names the src and the reason.
 */

/** `--` cannot appear inside an HTML comment. */
function commentSafe(text: string): string {
  return text.replace(/--/g, '‐‐').replace(/>/g, '&gt;');
}

/** Served at `ERROR_BOX_CSS_PATH` (`/__mfe-dev/error-box.css`); see {@link localErrorBox}. */
export const ERROR_BOX_CSS = `[data-mfe-dev-error]{all:initial!important;display:block!important;box-sizing:border-box!important;margin:8px!important;padding:12px 16px!important;border:2px dashed #d33!important;border-radius:6px!important;background:#fff5f5!important;color:#611!important;font:14px/1.4 system-ui,sans-serif!important}
[data-mfe-dev-error] strong{font:inherit!important;font-weight:700!important;display:block!important}
[data-mfe-dev-error] code{font:12px ui-monospace,monospace!important;word-break:break-all!important}
`;

const BOX_STYLE =
  'all:initial;display:block;box-sizing:border-box;margin:8px;padding:12px 16px;border:2px dashed #d33;border-radius:6px;' +
  'background:#fff5f5;color:#611;font:14px/1.4 system-ui,sans-serif';

/**
 * The visible box that replaces a local fragment that failed. It is styled twice over: inline
 * (for pages without a CSP) and by a stylesheet from the gateway's own origin, which a CSP that
 * allows `'self'` lets through where it blocks inline styles.
 */
export function localErrorBox(name: string, url: string, reason: string): string {
  return (
    `<div data-mfe-dev-error="${escapeHtml(name)}" role="alert" style="${BOX_STYLE}">` +
    `<link rel="stylesheet" href="${ERROR_BOX_CSS_PATH}">` +
    `<strong style="font:inherit;font-weight:700;display:block">mfe-dev: local fragment “${escapeHtml(name)}” failed</strong>` +
    `<code style="font:12px ui-monospace,monospace">${escapeHtml(url)}</code>: ${escapeHtml(reason)}` +
    `</div>`
  );
}

export function failureComment(src: string, reason: string): string {
  return `<!-- mfe-dev: include ${commentSafe(src)} failed: ${commentSafe(reason)} -->`;
}

/** What nginx's SSI module prints in place of a directive that failed. */
export const SSI_ERROR_TEXT = '[an error occurred while processing the directive]';
