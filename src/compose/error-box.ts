/**
 * What replaces a fragment that could not be had. The local box is meant to be seen (the
 * developer broke or stopped their service); production failures follow their dialect and,
 * where the dialect says nothing, leave an HTML comment that names the src and the reason.
 */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** `--` cannot appear inside an HTML comment. */
function commentSafe(text: string): string {
  return text.replace(/--/g, '‐‐').replace(/>/g, '&gt;');
}

export function localErrorBox(name: string, url: string, reason: string): string {
  return (
    `<div data-mfe-dev-error="${escapeHtml(name)}" role="alert" style="all:initial;display:block;box-sizing:border-box;` +
    `margin:8px;padding:12px 16px;border:2px dashed #d33;border-radius:6px;background:#fff5f5;color:#611;` +
    `font:14px/1.4 system-ui,sans-serif">` +
    `<strong style="font:inherit;font-weight:700">mfe-dev: local fragment “${escapeHtml(name)}” failed</strong><br>` +
    `<code style="font:12px ui-monospace,monospace">${escapeHtml(url)}</code>: ${escapeHtml(reason)}` +
    `</div>`
  );
}

export function failureComment(src: string, reason: string): string {
  return `<!-- mfe-dev: include ${commentSafe(src)} failed: ${commentSafe(reason)} -->`;
}

/** What nginx's SSI module prints in place of a directive that failed. */
export const SSI_ERROR_TEXT = '[an error occurred while processing the directive]';
