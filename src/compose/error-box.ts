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
export function localErrorBox(name: string, url: string, reason: string, errorBody?: string): string {
  const excerpt = errorBody === undefined ? '' : errorExcerpt(errorBody);
  return (
    `<div data-mfe-dev-error="${escapeHtml(name)}" role="alert" style="${BOX_STYLE}">` +
    `<link rel="stylesheet" href="${ERROR_BOX_CSS_PATH}">` +
    `<strong style="font:inherit;font-weight:700;display:block">mfe-dev: local fragment “${escapeHtml(name)}” failed</strong>` +
    `<code style="font:12px ui-monospace,monospace">${escapeHtml(url)}</code>: ${escapeHtml(reason)}` +
    (excerpt ? `<pre data-mfe-dev-error-body style="${PRE_STYLE}">${escapeHtml(excerpt)}</pre>` : '') +
    `</div>`
  );
}

const PRE_STYLE = 'all:initial;display:block;margin:8px 0 0;padding:8px;background:#fff;color:#611;font:12px/1.4 ui-monospace,monospace;white-space:pre-wrap;max-height:12em;overflow:auto';

/** Lines and characters of a service's error body shown in the box. */
const EXCERPT_LINES = 12;
const EXCERPT_CHARS = 1200;

/**
 * What a developer needs from a local service's error body, bounded: Vite's error page keeps
 * the exception in a script (`const error = {"message":…,"stack":…}`), so its message and stack
 * are taken from there; other HTML (express's `<pre>` stack, a framework's page) is reduced to its
 * text; anything else is shown as sent. Control characters are dropped; the caller escapes it.
 */
export function errorExcerpt(body: string): string {
  let text: string;
  const vite = /const error = (\{.*\})\s*$/m.exec(body);
  const viteError = vite ? parseViteError(vite[1]) : undefined;
  if (viteError) text = viteError;
  else if (/^\s*</.test(body)) text = htmlText(body);
  else text = body;
  const lines = text
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '')
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line, i, all) => line !== '' || (i > 0 && all[i - 1] !== ''));
  let excerpt = lines.slice(0, EXCERPT_LINES).join('\n').trim();
  if (lines.length > EXCERPT_LINES) excerpt += '\n…';
  return excerpt.length > EXCERPT_CHARS ? `${excerpt.slice(0, EXCERPT_CHARS)}…` : excerpt;
}

function parseViteError(json: string): string | undefined {
  try {
    const error = JSON.parse(json) as { message?: unknown; stack?: unknown };
    if (typeof error.message !== 'string') return undefined;
    const stack = typeof error.stack === 'string' ? error.stack : '';
    // Vite's stack starts with the message again.
    return stack.includes(error.message) ? stack : `${error.message}\n${stack}`;
  } catch {
    return undefined;
  }
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function htmlText(html: string): string {
  return html
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|h\d|li|pre|tr|title)>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity: string, code: string) => {
      if (code[0] !== '#') return ENTITIES[code.toLowerCase()] ?? entity;
      const point = code[1] === 'x' || code[1] === 'X' ? parseInt(code.slice(2), 16) : parseInt(code.slice(1), 10);
      return point > 0 && point < 0x110000 ? String.fromCodePoint(point) : '';
    })
    .replace(/[ \t]+/g, ' ');
}

export function failureComment(src: string, reason: string): string {
  return `<!-- mfe-dev: include ${commentSafe(src)} failed: ${commentSafe(reason)} -->`;
}

/** What nginx's SSI module prints in place of a directive that failed. */
export const SSI_ERROR_TEXT = '[an error occurred while processing the directive]';
