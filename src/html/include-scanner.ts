import { EMPTY } from './byte-window.js';
import {
  ESI_BLOCKS,
  decodeAttributeValue,
  esiIncludeMarker,
  isEsiComment,
  isFragmentScriptType,
  isHtmlWhitespace,
  tailorMarker,
  type Attributes,
} from './marker-attributes.js';
import type { Marker, ScanSink } from './markers.js';
import { parseSsiCommand } from './ssi-command.js';

/**
 * The fast path of the page scanner, for pages where only include markers (and `</body>`)
 * matter: every page whose fragments are all `prod`, which is most pages most of the time.
 *
 * It reads bytes, not characters: `Buffer.indexOf` jumps from one `<` to the next, and only
 * what can matter is looked at closely: comments (SSI and `<!--esi`), the open and close tags of
 * `esi:*` and `fragment`, `</body>`. Like htmlparser2's tokenizer (which the full scanner uses
 * when selectors or asset prefixes are in play), it skips the raw text of `script`, `style`,
 * `title`, `textarea` and `xmp`, and it ends a tag at the first `>` outside a quoted value, so
 * both scanners find the same markers in the same places. The shared scanner tests run every
 * include case through this path.
 */
const LT = 0x3c;
const GT = 0x3e;
const BANG = 0x21;
const SLASH = 0x2f;
const QUESTION = 0x3f;
const EQ = 0x3d;
const DQ = 0x22;
const SQ = 0x27;

const RAW_TEXT = new Set(['script', 'style', 'title', 'textarea', 'xmp']);
const NEED_MORE = -1;

// What a memo entry is about (see IncludeScanner.memo); a key is `absolute offset * KINDS + kind`.
const K_GT = 0; // no `>` in [from, saved)
const K_COMMENT_END = 1; // no `-->`
const K_CDATA_END = 2; // no `]]>`
const K_NAME = 3; // the tag name starting at `from` runs on at least to saved
const K_TAG_END = 4; // findTagEnd's progress: saved = offset * 4 + phase
const K_RAW_CLOSE = 5; // findCloseTag: no close tag starts in [from, saved)
const K_MATCH = 6; // findMatchingClose's progress
const K_SPACE = 7; // whitespace after `</` runs on at least to saved
const KINDS = 8;

/** findMatchingClose's progress: where to look for the next `<`, and the nested opens not yet closed. */
interface MatchState {
  at: number;
  /** Content start (absolute) of each nested element of the same name still open. */
  opens: number[];
}

type Mode = 'text' | 'comment' | 'raw';

export class IncludeScanner {
  /** Bytes not yet handed to the sink; `buf[0]` is at absolute offset `base`. */
  private buf: Buffer = EMPTY;
  private base = 0;
  /** Where scanning resumes, relative to `buf`. */
  private pos = 0;
  private mode: Mode = 'text';
  /** In `raw` mode: the element whose close tag ends the raw text (lower case). */
  private rawName = '';
  private bodyEndPending: boolean;
  /** The buffer `buf` lives in when held bytes had to be joined with a new chunk (see `append`). */
  private store: Buffer = EMPTY;
  private storeFill = 0;
  /**
   * How far each search that ran out of bytes got, keyed by `absolute start * KINDS + kind`:
   * held bytes are never searched again from the start when the next chunk arrives, so every
   * input is scanned in linear time.
   */
  private readonly memo = new Map<number, number | MatchState>();
  /** Where the content of paired markers known never to be closed starts (found at the end of the page). */
  private readonly neverClosed = new Set<number>();

  constructor(
    bodyEnd: boolean,
    private readonly sink: ScanSink,
    /** Past this many held bytes, what is held is plain bytes (an unterminated construct). */
    private readonly maxHeld = Infinity,
  ) {
    this.bodyEndPending = bodyEnd;
  }

  write(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.buf.length === 0) this.buf = chunk;
    else this.append(chunk);
    this.scan(false);
    if (this.buf.length > this.maxHeld) this.release();
    this.forget();
  }

  /**
   * The marker held open is given up: its bytes leave as the text they are, the way an edge
   * treats an unterminated construct, and scanning goes on after them (in the same mode: the
   * raw text of a `<script>` stays raw text). Also asked for by a stage around this one
   * (varnish-scan.ts) whose own held bytes count against the same cap.
   */
  release(): void {
    this.emit(this.buf.length);
    this.pos = 0;
    this.memo.clear();
    this.store = EMPTY;
    this.storeFill = 0;
  }

  end(): void {
    this.scan(true);
    this.emit(this.buf.length);
    this.memo.clear();
    this.neverClosed.clear();
  }

  /**
   * Adds `chunk` after the held bytes. Held bytes are copied into a buffer of twice the size
   * needed, so later chunks are appended in place (amortised linear, not a concat per chunk).
   * Bytes already handed to the sink are never overwritten: only the space past them is written.
   */
  private append(chunk: Buffer): void {
    const held = this.buf.length;
    const inStore = this.buf.buffer === this.store.buffer && this.buf.byteOffset + held === this.store.byteOffset + this.storeFill;
    if (inStore && this.storeFill + chunk.length <= this.store.length) {
      chunk.copy(this.store, this.storeFill);
      this.storeFill += chunk.length;
      this.buf = this.store.subarray(this.storeFill - held - chunk.length, this.storeFill);
      return;
    }
    const store = Buffer.allocUnsafe(Math.max(2 * (held + chunk.length), 16 * 1024));
    this.buf.copy(store, 0);
    chunk.copy(store, held);
    this.store = store;
    this.storeFill = held + chunk.length;
    this.buf = store.subarray(0, this.storeFill);
  }

  /** Drops what the memo holds about bytes already handed on. */
  private forget(): void {
    if (this.memo.size === 0) return;
    for (const key of this.memo.keys()) if (Math.floor(key / KINDS) < this.base) this.memo.delete(key);
  }

  /** A search's progress saved under `kind` for the search that starts at `from` (relative). */
  private recall(kind: number, from: number): number | MatchState | undefined {
    return this.memo.size === 0 ? undefined : this.memo.get((this.base + from) * KINDS + kind);
  }

  private remember(kind: number, from: number, value: number | MatchState): void {
    this.memo.set((this.base + from) * KINDS + kind, value);
  }

  /**
   * `buf.indexOf(pattern, from)`, resumed where the same search stopped on a shorter buffer.
   * `kind` tells searches apart that may start at the same offset.
   */
  private find(pattern: string | number, from: number, kind: number): number {
    const saved = this.recall(kind, from) as number | undefined;
    const start = saved === undefined ? from : Math.max(from, saved - this.base);
    const found = typeof pattern === 'number' ? this.buf.indexOf(pattern, start) : this.buf.indexOf(pattern, start, 'latin1');
    if (found === -1) {
      const overlap = typeof pattern === 'number' ? 0 : pattern.length - 1;
      this.remember(kind, from, this.base + Math.max(from, this.buf.length - overlap));
    }
    return found;
  }

  /** Hand `buf[0, upTo)` to the sink as untouched bytes. */
  private emit(upTo: number): void {
    if (upTo <= 0) return;
    this.sink.bytes(this.buf.subarray(0, upTo));
    this.drop(upTo);
  }

  private drop(count: number): void {
    if (count === this.buf.length) {
      // Nothing held: no view keeps the page's read (or the join buffer, never reused from here) alive.
      this.buf = EMPTY;
      this.store = EMPTY;
      this.storeFill = 0;
    } else this.buf = this.buf.subarray(count);
    this.base += count;
    this.pos -= count;
  }

  private marker(marker: Marker, start: number, end: number): void {
    this.emit(start);
    const length = end - start;
    this.sink.marker(marker, this.buf.subarray(0, length), this.base, this.base + length);
    this.drop(length);
  }

  private scan(final: boolean): void {
    for (;;) {
      const buf = this.buf;
      const length = buf.length;
      if (this.mode === 'comment') {
        const end = buf.indexOf('-->', this.pos, 'latin1');
        if (end === -1) {
          // Hold back only a tail that could begin the `-->` (one or two dashes).
          this.pos = Math.max(this.pos, length - partialSuffix(buf, '-->'));
          return this.emit(this.pos);
        }
        this.mode = 'text';
        this.pos = end + 3;
        continue;
      }
      if (this.mode === 'raw') {
        const close = this.findCloseTag(this.rawName, this.pos, final);
        if (close === NEED_MORE) {
          // Keep what could be the start of the close tag; the rest is raw text, never a marker.
          this.pos = Math.max(this.pos, length - partialSuffix(buf, `</${this.rawName}>`));
          return this.emit(this.pos);
        }
        this.mode = 'text';
        this.pos = close;
        continue;
      }
      const lt = buf.indexOf(LT, this.pos);
      if (lt === -1) {
        this.pos = length;
        return this.emit(length);
      }
      const next = this.atAngle(lt, final);
      if (next === NEED_MORE) {
        this.pos = lt;
        return this.emit(lt);
      }
      this.pos = next;
    }
  }

  /** Handle what starts at the `<` at `lt`; returns where to go on, or NEED_MORE. */
  private atAngle(lt: number, final: boolean): number {
    const buf = this.buf;
    if (lt + 1 >= buf.length) return final ? lt + 1 : NEED_MORE;
    const c = buf[lt + 1];
    if (c === BANG) return this.atBang(lt, final);
    if (c === QUESTION) return this.skipTo(this.find(GT, lt + 2, K_GT), final);
    if (c === SLASH) return this.atCloseTag(lt, final);
    if (isAsciiLetter(c)) return this.atOpenTag(lt, final);
    return lt + 1;
  }

  private atBang(lt: number, final: boolean): number {
    const buf = this.buf;
    if (lt + 4 > buf.length) return final ? buf.length : NEED_MORE;
    if (buf[lt + 2] === 0x2d && buf[lt + 3] === 0x2d) {
      const end = this.find('-->', lt + 4, K_COMMENT_END);
      if (end === -1) {
        if (final) return buf.length;
        if (this.couldBeMarkerComment(lt + 4)) return NEED_MORE;
        // A plain comment: its text streams on while we look for its end.
        this.mode = 'comment';
        return lt + 4;
      }
      const content = buf.toString('latin1', lt + 4, end);
      if (content.charCodeAt(0) === 0x23 /* # */) {
        this.marker({ type: 'ssi-command', command: parseSsiCommand(content) }, lt, end + 3);
        return 0;
      } else if (isEsiComment(content)) {
        this.marker({ type: 'esi-comment', inner: buf.subarray(lt + 7, end) }, lt, end + 3);
        return 0;
      }
      return end + 3;
    }
    if (startsWithIgnoreCase(buf, lt + 2, '[cdata[')) {
      return this.skipTo(this.find(']]>', lt + 9, K_CDATA_END), final, 3);
    }
    return this.skipTo(this.find(GT, lt + 2, K_GT), final);
  }

  /** `<!--#…` and `<!--esi…` must be held whole; other comments can stream. */
  private couldBeMarkerComment(contentStart: number): boolean {
    const buf = this.buf;
    const available = Math.min(buf.length - contentStart, 4);
    if (available <= 0 || buf[contentStart] === 0x23) return true;
    for (let i = 0; i < Math.min(available, 3); i++) {
      if ((buf[contentStart + i] | 0x20) !== 'esi'.charCodeAt(i)) return false;
    }
    return available < 4 || isEsiComment(buf.toString('latin1', contentStart, contentStart + 4));
  }

  private atCloseTag(lt: number, final: boolean): number {
    const buf = this.buf;
    if (this.bodyEndPending) {
      if (lt + 7 > buf.length && !final) return NEED_MORE;
      const saved = this.recall(K_SPACE, lt + 2) as number | undefined;
      let at = saved === undefined ? lt + 2 : saved - this.base;
      while (at < buf.length && isHtmlWhitespace(buf[at])) at++;
      if (at + 5 > buf.length && !final) {
        this.remember(K_SPACE, lt + 2, this.base + at);
        return NEED_MORE;
      }
      if (startsWithIgnoreCase(buf, at, 'body') && isTagNameEnd(buf[at + 4])) {
        this.bodyEndPending = false;
        this.marker({ type: 'body-end' }, lt, lt);
        return 0; // `</body>` itself is now at 0 and is read as any close tag

      }
    }
    return this.skipTo(this.find(GT, lt + 2, K_GT), final);
  }

  private atOpenTag(lt: number, final: boolean): number {
    const buf = this.buf;
    const saved = this.recall(K_NAME, lt + 1) as number | undefined;
    let nameEnd = saved === undefined ? lt + 1 : saved - this.base;
    while (nameEnd < buf.length && !isTagNameEnd(buf[nameEnd])) nameEnd++;
    if (nameEnd >= buf.length) {
      if (final) return buf.length;
      this.remember(K_NAME, lt + 1, this.base + nameEnd);
      return NEED_MORE;
    }
    const tagEnd = this.findTagEnd(nameEnd);
    if (tagEnd === NEED_MORE) return final ? buf.length : NEED_MORE;
    // Most tags are none of the few that matter: compare in place, allocate nothing.
    const name = interestingTagName(buf, lt + 1, nameEnd - lt - 1);
    if (name === undefined) return tagEnd + 1;
    if (name === 'script') {
      const mentionsFragment = buf.subarray(nameEnd, tagEnd).indexOf('fragment', 0, 'latin1') !== -1;
      const script = mentionsFragment ? this.atFragmentScript(lt, nameEnd, tagEnd, final) : undefined;
      if (script !== undefined) return script;
    }
    if (RAW_TEXT.has(name)) {
      if (buf[tagEnd - 1] !== SLASH) {
        this.mode = 'raw';
        this.rawName = name;
      }
      return tagEnd + 1;
    }
    if (name === 'esi:comment' || (name === 'esi:assign' && buf[tagEnd - 1] === SLASH)) {
      // Always empty: `<esi:comment text="…"/>` (written without the `/` it is still one tag).
      this.marker({ type: 'esi-block', tag: name === 'esi:comment' ? 'comment' : 'assign' }, lt, tagEnd + 1);
      return 0;
    }
    const block = ESI_BLOCKS[name];
    if (name !== 'esi:include' && name !== 'fragment' && name !== 'esi:remove' && block === undefined) return tagEnd + 1;

    const selfClosing = buf[tagEnd - 1] === SLASH;
    if (block !== undefined && selfClosing) return tagEnd + 1; // an empty block is plain bytes
    const contained = name === 'esi:remove' || block !== undefined;
    let close = -1;
    if (contained || !selfClosing) {
      close = this.neverClosed.has(this.base + tagEnd + 1) ? NEED_MORE : this.findMatchingClose(name, tagEnd + 1, final);
      if (close === NEED_MORE) {
        if (!final) return NEED_MORE;
        // Never closed: an include stands for its open tag alone; an esi:remove or block is plain bytes.
        if (contained) return tagEnd + 1;
      } else {
        const closeEnd = this.find(GT, close, K_GT);
        if (closeEnd === -1) return final ? tagEnd + 1 : NEED_MORE;
        close = closeEnd + 1;
      }
    }
    const end = close > 0 ? close : tagEnd + 1;
    if (name === 'esi:remove') {
      this.marker({ type: 'esi-remove' }, lt, end);
      return 0;
    }
    if (block !== undefined) {
      this.marker({ type: 'esi-block', tag: block }, lt, end);
      return 0;
    }
    const attributes = parseAttributes(buf.toString('latin1', nameEnd, selfClosing ? tagEnd - 1 : tagEnd));
    const marker = name === 'fragment' ? tailorMarker(attributes) : esiIncludeMarker(attributes);
    if (!marker) return tagEnd + 1;
    this.marker(marker, lt, end);
    return 0;
  }

  /** The `<` of `</name` (followed by whitespace, `/` or `>`) at or after `from`, or NEED_MORE. */
  private findCloseTag(name: string, from: number, final: boolean): number {
    const buf = this.buf;
    const saved = this.recall(K_RAW_CLOSE, from) as number | undefined;
    const start = saved === undefined ? from : saved - this.base;
    const needMore = (resumeAt: number) => {
      this.remember(K_RAW_CLOSE, from, this.base + resumeAt);
      return NEED_MORE;
    };
    for (let i = buf.indexOf('</', start, 'latin1'); i !== -1; i = buf.indexOf('</', i + 2, 'latin1')) {
      const after = i + 2 + name.length;
      if (after > buf.length) return needMore(i); // cannot tell yet (or, at the end, not there)
      if (!startsWithIgnoreCase(buf, i + 2, name)) continue;
      if (after === buf.length) return final ? i : needMore(i);
      if (isTagNameEnd(buf[after])) return i;
    }
    return needMore(Math.max(start, buf.length - 1));
  }

  /**
   * The `>` that ends a tag whose name ends at `from`, skipping quoted attribute values, or
   * NEED_MORE; resumed where it stopped when called again for the same tag.
   */
  private findTagEnd(from: number): number {
    const buf = this.buf;
    const length = buf.length;
    const saved = this.recall(K_TAG_END, from) as number | undefined;
    let i = from;
    let quote = 0; // inside a quoted value: the quote
    if (saved !== undefined) {
      i = Math.floor(saved / 4) - this.base;
      const phase = saved % 4;
      quote = phase === 1 ? DQ : phase === 2 ? SQ : 0;
      if (phase === 3) {
        // After `=`, in the whitespace before the value.
        while (i < length && isHtmlWhitespace(buf[i])) i++;
        if (i >= length) return this.tagEndNeedsMore(from, length, 3);
        if (buf[i] === DQ || buf[i] === SQ) quote = buf[i++];
      }
    }
    for (;;) {
      if (quote !== 0) {
        const close = buf.indexOf(quote, i);
        if (close === -1) return this.tagEndNeedsMore(from, length, quote === DQ ? 1 : 2);
        i = close + 1;
        quote = 0;
      }
      if (i >= length) return this.tagEndNeedsMore(from, length, 0);
      const b = buf[i];
      if (b === GT) return i;
      i++;
      if (b === EQ) {
        while (i < length && isHtmlWhitespace(buf[i])) i++;
        if (i >= length) return this.tagEndNeedsMore(from, length, 3);
        if (buf[i] === DQ || buf[i] === SQ) quote = buf[i++];
      }
    }
  }

  private tagEndNeedsMore(from: number, at: number, phase: number): number {
    this.remember(K_TAG_END, from, (this.base + at) * 4 + phase);
    return NEED_MORE;
  }

  /**
   * `<script type="fragment" src="…"></script>`: Tailor's fragment in the head. Returns where to
   * go on, or undefined when this script is not one (it is then raw text as usual).
   */
  private atFragmentScript(lt: number, nameEnd: number, tagEnd: number, final: boolean): number | undefined {
    const buf = this.buf;
    const selfClosing = buf[tagEnd - 1] === SLASH;
    const attributes = parseAttributes(buf.toString('latin1', nameEnd, selfClosing ? tagEnd - 1 : tagEnd));
    if (!isFragmentScriptType(attributes.type)) return undefined;
    const marker = tailorMarker(attributes);
    if (!marker) return undefined;
    let end = tagEnd + 1;
    if (!selfClosing) {
      const close = this.findCloseTag('script', tagEnd + 1, final);
      if (close === NEED_MORE) return final ? undefined : NEED_MORE;
      const closeEnd = this.find(GT, close, K_GT);
      if (closeEnd === -1) return final ? undefined : NEED_MORE;
      end = closeEnd + 1;
    }
    this.marker(marker, lt, end);
    return 0;
  }

  /**
   * The `<` of the close tag that ends a paired marker element opened before `from`: nested
   * elements of the same name are counted, and comments and raw text (`<title>`, `<script>`…) are
   * skipped, as the tokenizer does. NEED_MORE when it is not (yet) there.
   */
  private findMatchingClose(name: string, from: number, final: boolean): number {
    const buf = this.buf;
    const length = buf.length;
    const saved = this.recall(K_MATCH, from) as MatchState | undefined;
    // Content starts of nested elements of the same name still open (the depth is one more).
    const opens = saved?.opens ?? [];
    const needMore = (at: number): number => {
      if (final) {
        // The end of the page: none of the nested ones still open is closed either, so when
        // the scan comes back to them after this one, they are known at once (no rescans).
        for (const open of opens) this.neverClosed.add(open);
      } else this.remember(K_MATCH, from, { at: this.base + at, opens });
      return NEED_MORE;
    };
    const start = saved === undefined ? from : saved.at - this.base;
    for (let i = buf.indexOf(LT, start); i !== -1; i = buf.indexOf(LT, i + 1)) {
      if (i + 3 >= length) return needMore(i);
      if (buf[i + 1] === BANG && buf[i + 2] === 0x2d && buf[i + 3] === 0x2d) {
        const end = this.find('-->', i + 4, K_COMMENT_END);
        if (end === -1) return needMore(i);
        i = end + 2;
        continue;
      }
      if (buf[i + 1] === BANG && startsWithIgnoreCase(buf, i + 2, '[cdata[')) {
        const end = buf.indexOf(']]>', i + 9, 'latin1');
        if (end === -1) return NEED_MORE;
        i = end + 2;
        continue;
      }
      const closing = buf[i + 1] === SLASH;
      const at = closing ? i + 2 : i + 1;
      if (!isAsciiLetter(buf[at])) continue;
      let nameEnd = at;
      while (nameEnd < length && !isTagNameEnd(buf[nameEnd]) && nameEnd - at <= name.length) nameEnd++;
      const nameLength = nameEnd - at;
      if (nameEnd >= length) {
        if (final && closing && opens.length === 0 && nameLength === name.length && startsWithIgnoreCase(buf, at, name)) return i;
        return needMore(i);
      }
      if (nameLength === name.length && isTagNameEnd(buf[nameEnd]) && startsWithIgnoreCase(buf, at, name)) {
        if (closing) {
          if (opens.length === 0) return i;
          opens.pop();
          continue;
        }
        // A nested self-closing one (`<esi:include …/>`) opens nothing.
        const end = this.findTagEnd(nameEnd);
        if (end === NEED_MORE) return needMore(i);
        if (buf[end - 1] !== SLASH) opens.push(this.base + end + 1);
        i = end;
      } else if (!closing && nameLength >= 3 && nameLength <= 8) {
        let rawEnd = nameEnd;
        while (rawEnd < length && !isTagNameEnd(buf[rawEnd]) && rawEnd - at <= 8) rawEnd++;
        if (rawEnd >= length) return needMore(i);
        if (!isTagNameEnd(buf[rawEnd])) continue;
        const raw = buf.toString('latin1', at, rawEnd).toLowerCase();
        if (!RAW_TEXT.has(raw)) continue;
        const end = this.findTagEnd(rawEnd);
        if (end === NEED_MORE) return needMore(i);
        if (buf[end - 1] === SLASH) {
          i = end;
          continue;
        }
        const close = this.findCloseTag(raw, end + 1, final);
        if (close === NEED_MORE) return needMore(i);
        i = close + 1;
      }
    }
    return needMore(Math.max(start, length - 1));
  }

  private skipTo(index: number, final: boolean, length = 1): number {
    if (index === -1) return final ? this.buf.length : NEED_MORE;
    return index + length;
  }
}

const ATTRIBUTE = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]*)))?/g;

/** Attributes of a marker tag, names lower-cased, values decoded; the first of a name wins. */
function parseAttributes(text: string): Attributes {
  const attributes: Attributes = {};
  for (const match of text.matchAll(ATTRIBUTE)) {
    const name = match[1].toLowerCase();
    if (Object.hasOwn(attributes, name)) continue;
    attributes[name] = decodeAttributeValue(match[2] ?? match[3] ?? match[4] ?? '');
  }
  return attributes;
}

/** The tag names the fast path acts on, by length. */
const INTERESTING: ReadonlyArray<readonly string[]> = (() => {
  const byLength: string[][] = [];
  for (const name of [...RAW_TEXT, 'esi:include', 'esi:remove', 'fragment', 'esi:comment', ...Object.keys(ESI_BLOCKS)]) (byLength[name.length] ??= []).push(name);
  return byLength;
})();

/** The lower-case name of the tag at `at` if it is one the fast path acts on. */
function interestingTagName(buf: Buffer, at: number, length: number): string | undefined {
  const candidates = INTERESTING[length];
  if (candidates === undefined) return undefined;
  for (const name of candidates) if (startsWithIgnoreCase(buf, at, name)) return name;
  return undefined;
}

/** How many bytes at the end of `buf` could be the start of `pattern` (shorter than it). */
function partialSuffix(buf: Buffer, pattern: string): number {
  for (let k = Math.min(pattern.length - 1, buf.length); k > 0; k--) {
    if (startsWithIgnoreCase(buf, buf.length - k, pattern.slice(0, k))) return k;
  }
  return 0;
}

function isAsciiLetter(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

function isTagNameEnd(c: number | undefined): boolean {
  return c === undefined || c === GT || c === SLASH || isHtmlWhitespace(c);
}

function startsWithIgnoreCase(buf: Buffer, at: number, lower: string): boolean {
  if (at + lower.length > buf.length) return false;
  for (let i = 0; i < lower.length; i++) {
    const c = buf[at + i];
    if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== lower.charCodeAt(i)) return false;
  }
  return true;
}
