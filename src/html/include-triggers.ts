import { MAX_PARTIAL, PARTIAL } from './lazy-scan.js';
import { isHtmlWhitespace } from './marker-attributes.js';
import { WASM_BASE64 } from './wasm/trigger-scan.wasm.js';

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

/** Below this many bytes the walk from `<` to `<` is cheaper than handing them to the WebAssembly scan. */
const WALK_BELOW = 512;
/** How many bytes the WebAssembly scan looks at per call (its memory stays this small). */
const WINDOW = 256 * 1024;

/**
 * The index of the first trigger in `buf` from `from`, or -1; when a `<` at the end might be
 * one with more bytes, PARTIAL - its index (so `PARTIAL - result` is where it begins).
 *
 * Candidates (a `<` before `!`, `e`, `f`, `s`, or `/` when the end of the body is wanted) come
 * from a WebAssembly scan of sixteen bytes at a time (wasm/trigger-scan.wat): a page has
 * thousands of `<` and few candidates, and a call per `<` from JavaScript was most of a
 * pass-through page's scanning cost. Each candidate is then checked here in full.
 */
export function findIncludeTrigger(buf: Buffer, from: number, bodyEnd: boolean): number {
  const length = buf.length;
  const scan = length - from < WALK_BELOW ? undefined : triggerScan();
  if (!scan) return findIncludeTriggerByWalk(buf, from, bodyEnd);
  for (let start = from; start < length; start += WINDOW) {
    // Each window with the byte after it, so a `<` at its last byte is judged here too.
    const size = Math.min(WINDOW + 1, length - start);
    scan.copy(buf, start, size);
    for (let at = scan.find(0, size, bodyEnd); at !== -1; at = scan.find(at + 1, size, bodyEnd)) {
      const found = triggerAt(buf, start + at, bodyEnd);
      if (found !== -1) return found;
    }
  }
  // A `<` as the very last byte is no candidate yet (its next byte is not known).
  return buf[length - 1] === 0x3c && length - 1 >= from ? PARTIAL - (length - 1) : -1;
}

/** The same answer, one `<` at a time (small inputs; exported for the tests that compare the two). */
export function findIncludeTriggerByWalk(buf: Buffer, from: number, bodyEnd: boolean): number {
  for (let i = buf.indexOf(0x3c, from); i !== -1; i = buf.indexOf(0x3c, i + 1)) {
    const found = triggerAt(buf, i, bodyEnd);
    if (found !== -1) return found;
  }
  return -1;
}

/** For the `<` at `i`: i when a trigger begins there, PARTIAL - i when the bytes ran out first, else -1. */
function triggerAt(buf: Buffer, i: number, bodyEnd: boolean): number {
  const length = buf.length;
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
  return -1;
}

interface TriggerScan {
  /** Puts `buf[start, start + size)` at the start of the scan's memory. */
  copy(buf: Buffer, start: number, size: number): void;
  /** The first candidate at or after `from` among the `size` bytes copied, or -1. */
  find(from: number, size: number, bodyEnd: boolean): number;
}

let instance: TriggerScan | null | undefined;

/**
 * The WebAssembly scan, compiled once (290 bytes, synchronously) on first use; null where
 * WebAssembly is not available (`node --jitless`): the walk answers alone there.
 */
function triggerScan(): TriggerScan | null {
  if (instance !== undefined) return instance;
  try {
    instance = compileTriggerScan();
  } catch {
    instance = null;
  }
  return instance;
}

function compileTriggerScan(): TriggerScan {
  const wasm = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(WASM_BASE64, 'base64')));
  const memory = wasm.exports.memory as WebAssembly.Memory;
  const find = wasm.exports.find as (from: number, end: number, slash: number) => number;
  // One window, and the sixteen bytes a vector load may read past it.
  const needed = Math.ceil((WINDOW + 1 + 16) / 65536);
  if (memory.buffer.byteLength < needed * 65536) memory.grow(needed - memory.buffer.byteLength / 65536);
  const bytes = new Uint8Array(memory.buffer);
  return {
    copy: (buf, start, size) => bytes.set(start === 0 && size === buf.length ? buf : buf.subarray(start, start + size), 0),
    find: (from, size, bodyEnd) => find(from, size, bodyEnd ? 1 : 0),
  };
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
