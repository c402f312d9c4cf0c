import type { FragmentEnd } from '../compose/events.js';

/**
 * `serve`'s request log (contract, "Logs"): one JSON object per line,
 * `{"time","method","path","status","ms","fragments":[{"name","mode","ms","outcome"}]}`, never a
 * query string, a cookie or a credential.
 *
 * Built as a string, field by field, once per request: no object per line for `JSON.stringify`,
 * one `Date` (its ISO string), and only the path (the one value a request writes freely) goes
 * through the JSON escaper, and only when it has something to escape. Fragment names (from the
 * config) are escaped once each and remembered. What comes out holds no raw control character.
 */

/** Anything in a string that JSON must escape, and non-ASCII (written as `\u` escapes: ASCII lines). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f-\uffff]/;

function jsonString(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return `"${text}"`;
  return JSON.stringify(text).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Fragment names and modes as JSON strings, escaped once (names come from the config, modes are validated). */
const quoted = new Map<string, string>();
function quotedOnce(text: string): string {
  let json = quoted.get(text);
  if (json === undefined) {
    json = jsonString(text);
    // Bounded: a config has few names; a flood of preview ids would only stop being remembered.
    if (quoted.size < 1000) quoted.set(text, json);
  }
  return json;
}

/** `12.3`: milliseconds to a tenth (what the log has always written). */
const tenths = (ms: number) => Math.round(ms * 10) / 10;

/** The path of a request target, without its query. */
export function pathOf(url: string | undefined): string {
  if (url === undefined) return '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * One request's line (without the newline). `fragments` are the page's fragments as its
 * `page:end` reported them; those nested in an unconfigured include are left out.
 */
export function requestLogLine(method: string | undefined, url: string | undefined, status: number, ms: number, fragments: readonly FragmentEnd[] | undefined): string {
  let list = '';
  if (fragments) {
    for (const f of fragments) {
      if (f.depth !== 0 && f.name === undefined) continue;
      list += `${list ? ',' : ''}{"name":${f.name === undefined ? 'null' : quotedOnce(f.name)},"mode":${quotedOnce(f.mode)},"ms":${tenths(f.durationMs)},"outcome":"${f.failed ? 'error' : 'ok'}"}`;
    }
  }
  // Node's parser accepts only token characters in a method; escaped anyway, as a name from outside.
  return `{"time":"${new Date().toISOString()}","method":${quotedOnce(method ?? 'GET')},"path":${jsonString(pathOf(url))},"status":${status},"ms":${tenths(ms)},"fragments":[${list}]}`;
}
