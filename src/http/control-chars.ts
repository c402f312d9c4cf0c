/**
 * The one escaping function for text a request can influence on its way to the terminal or the
 * dev page (warnings quoting a query or cookie value, page lines, debug lines).
 *
 * A terminal acts on control characters: `ESC ] 0 ; … BEL` sets the window title, `ESC [ 2 J`
 * clears the screen, C1 characters (U+0080–U+009F) are read as CSI/OSC by some UTF-8 terminals,
 * CR rewrites the current line and LF forges a new one. Any web page can make the developer's
 * browser send such bytes (`<img src="http://127.0.0.1:4400/?mfe-dev=%1b%5b2J">`), so they are
 * shown as visible escapes (`\x1b`) instead: the developer still sees what came in.
 */

/**
 * C0 controls but tab (harmless, and common in HTML), DEL, C1 controls, and the bidi overrides
 * that reorder what the eye reads.
 */
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;
const CONTROL_BUT_NEWLINE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

function visible(char: string): string {
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every control character written as a visible escape (`\x1b`, `\x9b`, `\u202e`).
 * With `keepNewlines`, `\n` stays a line break (for multi-line messages whose lines the gateway
 * wrote itself; values from a request are escaped without it first, so they cannot forge a line).
 */
export function escapeControlChars(text: string, options: { keepNewlines?: boolean } = {}): string {
  const pattern = options.keepNewlines ? CONTROL_BUT_NEWLINE : CONTROL;
  return text.replace(pattern, visible);
}
