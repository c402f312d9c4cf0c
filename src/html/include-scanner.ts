import { EMPTY } from './byte-window.js';
import {
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
/** ESI elements reported whole, with their content, for the engine to evaluate. */
const ESI_BLOCKS: Readonly<Record<string, 'choose' | 'try' | 'vars' | 'text' | 'assign' | undefined>> = {
  'esi:assign': 'assign',
  'esi:choose': 'choose',
  'esi:try': 'try',
  'esi:vars': 'vars',
  'esi:text': 'text',
};
const NEED_MORE = -1;

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

  constructor(
    bodyEnd: boolean,
    private readonly sink: ScanSink,
  ) {
    this.bodyEndPending = bodyEnd;
  }

  write(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    this.scan(false);
  }

  end(): void {
    this.scan(true);
    this.emit(this.buf.length);
  }

  /** Hand `buf[0, upTo)` to the sink as untouched bytes. */
  private emit(upTo: number): void {
    if (upTo <= 0) return;
    this.sink.bytes(this.buf.subarray(0, upTo));
    this.drop(upTo);
  }

  private drop(count: number): void {
    this.buf = this.buf.subarray(count);
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
    if (c === QUESTION) return this.skipTo(buf.indexOf(GT, lt + 2), final);
    if (c === SLASH) return this.atCloseTag(lt, final);
    if (isAsciiLetter(c)) return this.atOpenTag(lt, final);
    return lt + 1;
  }

  private atBang(lt: number, final: boolean): number {
    const buf = this.buf;
    if (lt + 4 > buf.length) return final ? buf.length : NEED_MORE;
    if (buf[lt + 2] === 0x2d && buf[lt + 3] === 0x2d) {
      const end = buf.indexOf('-->', lt + 4, 'latin1');
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
      return this.skipTo(buf.indexOf(']]>', lt + 9, 'latin1'), final, 3);
    }
    return this.skipTo(buf.indexOf(GT, lt + 2), final);
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
      let at = lt + 2;
      while (at < buf.length && isHtmlWhitespace(buf[at])) at++;
      if (at + 5 > buf.length && !final) return NEED_MORE;
      if (startsWithIgnoreCase(buf, at, 'body') && isTagNameEnd(buf[at + 4])) {
        this.bodyEndPending = false;
        this.marker({ type: 'body-end' }, lt, lt);
        return 0; // `</body>` itself is now at 0 and is read as any close tag

      }
    }
    return this.skipTo(buf.indexOf(GT, lt + 2), final);
  }

  private atOpenTag(lt: number, final: boolean): number {
    const buf = this.buf;
    let nameEnd = lt + 1;
    while (nameEnd < buf.length && !isTagNameEnd(buf[nameEnd])) nameEnd++;
    if (nameEnd >= buf.length) return final ? buf.length : NEED_MORE;
    const tagEnd = findTagEnd(buf, nameEnd);
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
      close = this.findMatchingClose(name, tagEnd + 1, final);
      if (close === NEED_MORE) {
        if (!final) return NEED_MORE;
        // Never closed: an include stands for its open tag alone; an esi:remove or block is plain bytes.
        if (contained) return tagEnd + 1;
      } else {
        const closeEnd = this.buf.indexOf(GT, close);
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
    for (let i = buf.indexOf('</', from, 'latin1'); i !== -1; i = buf.indexOf('</', i + 2, 'latin1')) {
      const after = i + 2 + name.length;
      if (after > buf.length) return NEED_MORE; // cannot tell yet (or, at the end, not there)
      if (!startsWithIgnoreCase(buf, i + 2, name)) continue;
      if (after === buf.length) return final ? i : NEED_MORE;
      if (isTagNameEnd(buf[after])) return i;
    }
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
      const closeEnd = this.buf.indexOf(GT, close);
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
    let depth = 1;
    for (let i = buf.indexOf(LT, from); i !== -1; i = buf.indexOf(LT, i + 1)) {
      if (i + 3 >= length) return NEED_MORE;
      if (buf[i + 1] === BANG && buf[i + 2] === 0x2d && buf[i + 3] === 0x2d) {
        const end = buf.indexOf('-->', i + 4, 'latin1');
        if (end === -1) return NEED_MORE;
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
      while (nameEnd < length && !isTagNameEnd(buf[nameEnd])) nameEnd++;
      if (nameEnd >= length) return final && closing && depth === 1 && nameEnd - at === name.length && startsWithIgnoreCase(buf, at, name) ? i : NEED_MORE;
      const nameLength = nameEnd - at;
      if (nameLength === name.length && startsWithIgnoreCase(buf, at, name)) {
        if (closing) {
          if (--depth === 0) return i;
          continue;
        }
        // A nested self-closing one (`<esi:include …/>`) opens nothing.
        const end = findTagEnd(buf, nameEnd);
        if (end === NEED_MORE) return NEED_MORE;
        if (buf[end - 1] !== SLASH) depth++;
        i = end;
      } else if (!closing && nameLength >= 3 && nameLength <= 8) {
        const raw = buf.toString('latin1', at, nameEnd).toLowerCase();
        if (!RAW_TEXT.has(raw)) continue;
        const end = findTagEnd(buf, nameEnd);
        if (end === NEED_MORE) return NEED_MORE;
        if (buf[end - 1] === SLASH) {
          i = end;
          continue;
        }
        const close = this.findCloseTag(raw, end + 1, final);
        if (close === NEED_MORE) return NEED_MORE;
        i = close + 1;
      }
    }
    return NEED_MORE;
  }

  private skipTo(index: number, final: boolean, length = 1): number {
    if (index === -1) return final ? this.buf.length : NEED_MORE;
    return index + length;
  }
}

/** The `>` that ends a tag whose name ends at `from`, skipping quoted attribute values. */
function findTagEnd(buf: Buffer, from: number): number {
  let i = from;
  const length = buf.length;
  while (i < length) {
    const b = buf[i];
    if (b === GT) return i;
    if (b === EQ) {
      i++;
      while (i < length && isHtmlWhitespace(buf[i])) i++;
      if (i >= length) return NEED_MORE;
      const quote = buf[i];
      if (quote === DQ || quote === SQ) {
        const close = buf.indexOf(quote, i + 1);
        if (close === -1) return NEED_MORE;
        i = close + 1;
      }
      continue;
    }
    i++;
  }
  return NEED_MORE;
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
