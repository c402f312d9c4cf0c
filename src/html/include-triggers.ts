import { MAX_PARTIAL, PARTIAL } from './lazy-scan.js';
import { isHtmlWhitespace } from './marker-attributes.js';

/**
 * Where an include marker could begin, for the include scanner (include-scanner.ts) behind the
 * lazy scanner (lazy-scan.ts). Every marker it reports begins at one of these:
 *
 *   `<!--#` (SSI), `<!--e` (`<!--esi`), `<esi:` (any ESI element), `<fragment` (Tailor),
 *   `<script` whose tag has the word `fragment` (any case) in it (Tailor's `<script type="fragment">`),
 *   and, when the end of the body is wanted, `</` before `body` or whitespace.
 *
 * Letters in any case, as the scanner reads tag names. It may say yes where the scanner finds
 * nothing (a trigger in an attribute value, a comment or a script), never the reverse.
 */

/**
 * The index of the first trigger in `buf` from `from`, or -1; when a `<` at the end might be
 * one with more bytes, PARTIAL - its index (so `PARTIAL - result` is where it begins).
 */
export function findIncludeTrigger(buf: Buffer, from: number, bodyEnd: boolean): number {
  const length = buf.length;
  for (let i = buf.indexOf(0x3c, from); i !== -1; i = buf.indexOf(0x3c, i + 1)) {
    if (i + 1 >= length) return PARTIAL - i;
    const c = buf[i + 1];
    let match = 0;
    if (c === 0x21 /* ! */) {
      if (i + 4 >= length) return PARTIAL - i;
      if (buf[i + 2] === 0x2d && buf[i + 3] === 0x2d && (buf[i + 4] === 0x23 || (buf[i + 4] | 0x20) === 0x65)) return i;
    } else if (c === 0x65 || c === 0x45) {
      match = matchLetters(buf, i + 2, 'si:');
    } else if (c === 0x66 || c === 0x46) {
      match = matchLetters(buf, i + 2, 'ragment');
    } else if (c === 0x73 || c === 0x53) {
      match = matchLetters(buf, i + 2, 'cript');
      if (match > 0) {
        const script = fragmentScript(buf, i + 7);
        // A tag not ended yet is held (up to MAX_PARTIAL bytes) for the next chunk to tell.
        match = script === 1 ? 1 : script === 0 ? 0 : length - i < MAX_PARTIAL ? -1 : 1;
      }
    } else if (c === 0x2f /* / */ && bodyEnd) {
      if (i + 2 >= length) return PARTIAL - i;
      if (isHtmlWhitespace(buf[i + 2])) return i;
      if ((buf[i + 2] | 0x20) === 0x62 /* b */) match = matchLetters(buf, i + 3, 'ody');
    }
    if (match > 0) return i;
    if (match < 0) return PARTIAL - i;
  }
  return -1;
}

/** 1: `lower` is at `at` (letters in any case); 0: it is not; -1: the bytes ran out first. */
function matchLetters(buf: Buffer, at: number, lower: string): number {
  for (let k = 0; k < lower.length; k++) {
    if (at + k >= buf.length) return -1;
    const c = buf[at + k];
    if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== lower.charCodeAt(k)) return 0;
  }
  return 1;
}

/**
 * After `<script` (at `nameEnd`): whether the scanner could read it as Tailor's fragment
 * script (its name ends there and its tag has `fragment` in it): 1 or 0, or -1 when the tag
 * does not end in `buf`.
 */
function fragmentScript(buf: Buffer, nameEnd: number): number {
  if (nameEnd >= buf.length) return -1;
  const c = buf[nameEnd];
  if (c !== 0x3e && c !== 0x2f && !isHtmlWhitespace(c)) return 0;
  const end = tagEnd(buf, nameEnd);
  if (end === -1) return -1;
  // In any case: the scanner looks for `fragment`, Tailor's `primary` check for any case of it.
  return buf.toString('latin1', nameEnd, end).toLowerCase().includes('fragment') ? 1 : 0;
}

/** The `>` ending a tag whose name ends at `from`, skipping quoted values (as the scanner does), or -1. */
function tagEnd(buf: Buffer, from: number): number {
  const length = buf.length;
  let i = from;
  while (i < length) {
    const b = buf[i++];
    if (b === 0x3e) return i - 1;
    if (b !== 0x3d) continue;
    while (i < length && isHtmlWhitespace(buf[i])) i++;
    if (i < length && (buf[i] === 0x22 || buf[i] === 0x27)) {
      const close = buf.indexOf(buf[i], i + 1);
      if (close === -1) return -1;
      i = close + 1;
    }
  }
  return -1;
}
