import { Tokenizer, type TokenizerCallbacks } from 'htmlparser2';
import { ByteWindow, EMPTY } from './byte-window.js';
import { ElementStack, VOID_ELEMENTS, type CompiledSelector, type ScanElement } from './element-matcher.js';
import {
  ESI_BLOCKS,
  decodeAttributeValue,
  decodeSourceText,
  esiIncludeMarker,
  isEsiComment,
  isFragmentScriptType,
  isImportmapType,
  matchesAssetPrefix,
  tailorMarker,
} from './marker-attributes.js';
import type { Marker, ScanSink } from './markers.js';
import { parseSsiCommand } from './ssi-command.js';

/**
 * The scanner's engine: htmlparser2's tokenizer callbacks turned into markers and byte runs.
 * `PageScanner` (scan-page.ts) is its public face.
 *
 * Offsets: the tokenizer reads latin1 text (one char per byte), so its indices are byte offsets
 * in what this core was given; `base` makes them offsets in the page.
 */

export interface Settings {
  readonly selectors: readonly CompiledSelector[] | null;
  readonly prefixes: readonly string[] | null;
  readonly bodyEnd: boolean;
  /** The most bytes held for a marker still open, after a write (Infinity: no limit). */
  readonly maxHeld: number;
}

/** Where a scan starts: offset in the page, open elements, whether `</body>` was reported. */
export interface Resume {
  readonly base: number;
  readonly stack: ScanElement[] | null;
  readonly bodyEndDone: boolean;
  /**
   * Where the content of paired includes and `<esi:remove>`s known never to be closed starts
   * (page offsets): found while an outer one of the same name was captured to the end of the
   * page, so the scan that comes back to them treats them at once as unclosed (linear, not one
   * rescan of the rest of the page per unclosed tag).
   */
  readonly neverClosed?: Set<number>;
}

// What is being captured.
const NONE = 0;
const ELEMENT = 1;
const PAIRED_INCLUDE = 2; // <esi:include …> or <fragment …> with a close tag
const REMOVE = 3;
const IMPORTMAP = 4;

// Which attributes of the current open tag are recorded.
const COLLECT_NONE = 0;
const COLLECT_ASSETS = 1; // src, href, srcset
const COLLECT_ALL = 2;

const GT = 0x3e;


/** One pass of the tokenizer over the page (or, after an unclosed include, over the rest). */
export class ScanCore implements TokenizerCallbacks {
  private readonly tokenizer: Tokenizer;
  private readonly window = new ByteWindow();
  private readonly base: number;
  private readonly elements: ElementStack | null;
  private readonly prefixes: readonly string[] | null;
  private readonly bodyEnd: boolean;
  private readonly maxHeld: number;
  private bodyEndDone: boolean;
  private readonly emitBytes: (chunk: Buffer) => void;

  /** The chunk the tokenizer is reading, as latin1, and its offset. */
  private chunkText = '';
  private chunkStart = 0;
  /** Everything before this offset has gone to the sink. */
  private emitted = 0;
  /** Where the token being read starts: the end of the last complete text run or tag. */
  private tokenStart = 0;

  // The open tag being read.
  private tagStart = -1;
  private tagName = '';
  private collect = COLLECT_NONE;
  private readonly attrNames: string[] = [];
  private readonly attrStarts: number[] = []; // -1: no value
  private readonly attrEnds: number[] = [];
  private attrCount = 0;
  private currentAttr = -1;

  // A close tag with something between its name and `>` (`</div >`): the tokenizer reports the
  // name before it has seen the `>`. Resolved at the next callback, or at the end of the write.
  private pendingName: string | null = null;
  private pendingFrom = 0;
  private pendingStart = 0;

  // The marker being captured.
  private capture = NONE;
  private captureStart = 0;
  private captureOpenEnd = 0;
  private captureName = '';
  private captureNesting = 0; // open tags of the same name, for paired dialect tags
  private captureIndex = 0; // the captured element's place in the stack
  private captureMarker: Marker | null = null;
  private captureStack: ScanElement[] | null = null;
  /** Page offsets of the content of nested paired tags of the captured one's name still open. */
  private nestedOpens: number[] = [];
  private readonly neverClosed: Set<number>;

  constructor(
    settings: Settings,
    private readonly sink: ScanSink,
    resume: Resume,
  ) {
    this.base = resume.base;
    this.elements = settings.selectors ? new ElementStack(settings.selectors, resume.stack ?? []) : null;
    this.prefixes = settings.prefixes;
    this.bodyEnd = settings.bodyEnd;
    this.maxHeld = settings.maxHeld;
    this.bodyEndDone = resume.bodyEndDone;
    this.neverClosed = resume.neverClosed ?? new Set();
    this.emitBytes = (chunk) => sink.bytes(chunk);
    // Entities are left alone: values are decoded from their bytes, and text is never needed.
    this.tokenizer = new Tokenizer({ decodeEntities: false }, this);
  }

  /**
   * Reads `chunk`. Returns where a new core must take over when a token still being read (a tag,
   * a comment that may be a marker, a close tag's `>`) held more than `maxHeld` bytes: they were
   * handed on as text, and the page is read afresh after them (see `giveUp`).
   */
  write(chunk: Buffer): Resume | null {
    if (chunk.length === 0) return null;
    this.window.push(chunk);
    this.chunkStart = this.window.end - chunk.length;
    this.chunkText = chunk.toString('latin1');
    this.tokenizer.write(this.chunkText);
    if (this.pendingName !== null) this.resolvePending();
    this.emitTo(this.safePoint());
    const restart = this.window.end - this.emitted > this.maxHeld ? this.giveUp(this.maxHeld) : null;
    this.window.release(this.emitted);
    return restart;
  }

  /** Gives up whatever is held now (see `giveUp`); returns where a new core must take over, if it must. */
  release(): Resume | null {
    const restart = this.giveUp(0);
    this.window.release(this.emitted);
    return restart;
  }

  /** Where the bytes that may still belong to a marker start: everything before it can leave. */
  private safePoint(): number {
    let safe = this.capture !== NONE ? this.captureStart : this.tokenStart;
    if (this.capture === NONE && this.tagStart < 0 && this.pendingName === null) {
      // A plain comment still being read leaves as it comes (once released, it stays so).
      if (safe < this.emitted || this.inPlainComment(safe)) safe = this.window.end;
    }
    return safe;
  }

  /**
   * More than `limit` bytes are held: the open marker is given up, its bytes leave as the
   * text they are (as an edge treats an unterminated construct), and scanning goes on. A capture
   * (an element, a paired include or block, an import map) just ends: the tokenizer goes on
   * where it is (inside a `<script>`, the rest of it stays script). A token still being read
   * cannot be left half-read, so the tokenizer is replaced: the caller starts a new core at
   * the returned place, in text, with the open elements as they are.
   */
  private giveUp(limit: number): Resume | null {
    if (this.capture !== NONE) {
      if (this.captureMarker) this.sink.gaveUp?.(this.captureMarker, this.window.end - this.captureStart);
      this.capture = NONE;
      this.captureMarker = null;
      this.captureStack = null;
      this.nestedOpens = [];
      this.emitTo(this.safePoint());
    }
    if (this.window.end - this.emitted <= limit) return null;
    this.emitTo(this.window.end);
    return {
      base: this.base + this.window.end,
      stack: this.elements?.snapshot() ?? null,
      bodyEndDone: this.bodyEndDone,
      neverClosed: this.neverClosed,
    };
  }

  /** Ends the scan; returns what must be scanned again after an unclosed paired tag, if anything. */
  finish(): (Resume & { tail: Buffer }) | null {
    this.tokenizer.end();
    this.pendingName = null; // its `>` never came: an unterminated tag is plain bytes
    this.tagStart = -1;
    const end = this.window.end;
    const kind = this.capture;
    if (kind === ELEMENT) {
      this.endCapture(end); // EOF closes every open element
    } else if (kind === PAIRED_INCLUDE || kind === REMOVE) {
      this.capture = NONE;
      if (kind === PAIRED_INCLUDE) this.report(this.captureMarker!, this.captureStart, this.captureOpenEnd);
      else this.emitTo(this.captureOpenEnd);
      for (const open of this.nestedOpens) this.neverClosed.add(open);
      const rescan = {
        base: this.base + this.captureOpenEnd,
        stack: this.captureStack,
        bodyEndDone: this.bodyEndDone,
        neverClosed: this.neverClosed,
        tail: this.window.slice(this.captureOpenEnd, end),
      };
      this.emitted = end;
      return rescan.tail.length > 0 ? rescan : null;
    }
    this.capture = NONE; // an import map without `</script>` is plain text
    this.emitTo(end);
    return null;
  }

  // ---- tokenizer callbacks -------------------------------------------------------------------

  ontext(_start: number, end: number): void {
    if (this.pendingName !== null) this.resolvePending();
    this.tokenStart = end;
  }

  ontextentity(): void {}

  onopentagname(start: number, end: number): void {
    if (this.pendingName !== null) this.resolvePending();
    this.tagStart = start - 1;
    const length = end - start;
    // Without selectors only a few names matter: script, fragment, esi:remove, esi:include.
    const name =
      this.elements !== null || (length >= 6 && length <= 8) || length === 10 || length === 11
        ? this.text(start, end).toLowerCase()
        : '';
    this.tagName = name;
    if (this.elements !== null) {
      const depth = this.elements.openImpliesClose(name);
      if (this.capture === ELEMENT && depth <= this.captureIndex) this.endCapture(this.tagStart);
    }
    this.attrCount = 0;
    this.currentAttr = -1;
    // Inside a capture nothing is reported, and its elements never become ancestors of a tested one.
    if (this.capture !== NONE) this.collect = COLLECT_NONE;
    else if (this.elements !== null || name === 'fragment' || name === 'esi:include' || name === 'script') this.collect = COLLECT_ALL;
    else if (this.prefixes === null) this.collect = COLLECT_NONE;
    else this.collect = COLLECT_ASSETS;
  }

  onattribname(start: number, end: number): void {
    const collect = this.collect;
    if (collect === COLLECT_NONE) return;
    const length = end - start;
    if (collect === COLLECT_ASSETS && length !== 3 && length !== 4 && length !== 6) return;
    const name = this.text(start, end).toLowerCase();
    if (collect === COLLECT_ASSETS && name !== 'src' && name !== 'href' && name !== 'srcset') return;
    const i = this.attrCount++;
    this.attrNames[i] = name;
    this.attrStarts[i] = -1;
    this.attrEnds[i] = -1;
    this.currentAttr = i;
  }

  onattribdata(start: number, end: number): void {
    const i = this.currentAttr;
    if (i < 0) return;
    if (this.attrStarts[i] < 0) this.attrStarts[i] = start;
    this.attrEnds[i] = end;
  }

  onattribentity(): void {}

  onattribend(): void {
    this.currentAttr = -1;
  }

  onopentagend(endIndex: number): void {
    this.finishOpenTag(endIndex + 1, false);
  }

  onselfclosingtag(endIndex: number): void {
    this.finishOpenTag(endIndex + 1, true);
  }

  onclosetag(start: number, end: number): void {
    if (this.pendingName !== null) this.resolvePending();
    const closeStart = this.tokenStart;
    const length = end - start;
    const name =
      this.elements !== null || this.capture !== NONE || (length === 4 && this.bodyEnd && !this.bodyEndDone)
        ? this.text(start, end).toLowerCase()
        : '';
    // Inside a script only its own close tag is seen: the import map's content ends here.
    if (this.capture === IMPORTMAP) this.endCapture(closeStart);
    if (this.chunkText.charCodeAt(end - this.chunkStart) === GT) {
      this.closeTag(name, closeStart, end + 1);
      this.tokenStart = end + 1;
    } else {
      this.pendingName = name;
      this.pendingFrom = end;
      this.pendingStart = closeStart;
    }
  }

  oncomment(start: number, endIndex: number, offset: number): void {
    if (this.pendingName !== null) this.resolvePending();
    const end = endIndex + 1;
    this.tokenStart = end;
    // Only a complete `<!-- … -->` can be a marker (offset 0: unterminated, or `</…>` bogus comment).
    const open = start - 4;
    if (offset !== 2 || this.capture !== NONE || open < this.emitted) return;
    const contentEnd = Math.max(start, endIndex - 2);
    if (contentEnd === start) return;
    const first = this.chunkText.charCodeAt(start - this.chunkStart);
    const c = Number.isNaN(first) ? this.window.byteAt(start) : first;
    if (c === 0x23) {
      this.report({ type: 'ssi-command', command: parseSsiCommand(this.text(start, contentEnd)) }, open, end);
    } else if ((c | 0x20) === 0x65 && isEsiComment(this.text(start, Math.min(start + 4, contentEnd)))) {
      this.report({ type: 'esi-comment', inner: this.window.slice(start + 3, contentEnd) }, open, end);
    }
  }

  oncdata(_start: number, endIndex: number): void {
    if (this.pendingName !== null) this.resolvePending();
    this.tokenStart = endIndex + 1;
  }

  ondeclaration(_start: number, endIndex: number): void {
    if (this.pendingName !== null) this.resolvePending();
    this.tokenStart = endIndex + 1;
  }

  onprocessinginstruction(_start: number, endIndex: number): void {
    if (this.pendingName !== null) this.resolvePending();
    this.tokenStart = endIndex + 1;
  }

  onend(): void {}

  // ---- tags ----------------------------------------------------------------------------------

  private finishOpenTag(end: number, selfClosing: boolean): void {
    const start = this.tagStart;
    const name = this.tagName;
    const elements = this.elements;
    this.tagStart = -1;
    this.tokenStart = end;
    if (this.capture !== NONE) {
      if (name === this.captureName && !selfClosing && (this.capture === PAIRED_INCLUDE || this.capture === REMOVE)) {
        this.captureNesting++;
        this.nestedOpens.push(this.base + end);
      }
      elements?.open(name, null, selfClosing, false);
      return;
    }
    const rawAttributes = elements !== null ? this.rawAttributes() : null;
    if (name === 'esi:comment' || (name === 'esi:assign' && selfClosing)) {
      elements?.open(name, rawAttributes, selfClosing, false);
      this.report({ type: 'esi-block', tag: name === 'esi:comment' ? 'comment' : 'assign' }, start, end);
      return;
    }
    const block = ESI_BLOCKS[name];
    if (block !== undefined) {
      elements?.open(name, rawAttributes, selfClosing, false);
      if (selfClosing) this.emitTo(end); // an empty block is plain bytes, as an unclosed one
      else this.startCapture(REMOVE, name, start, end, { type: 'esi-block', tag: block });
      return;
    }
    if (name === 'script' && !selfClosing && isFragmentScriptType(this.attributeValue('type'))) {
      const marker = tailorMarker(this.attributes());
      if (marker) {
        elements?.open(name, rawAttributes, selfClosing, false);
        this.startCapture(PAIRED_INCLUDE, name, start, end, marker);
        return;
      }
    }
    if (name === 'esi:include' || name === 'fragment' || name === 'esi:remove') {
      const marker: Marker | null =
        name === 'esi:remove'
          ? { type: 'esi-remove' }
          : name === 'fragment'
            ? tailorMarker(this.attributes())
            : esiIncludeMarker(this.attributes());
      if (marker) {
        elements?.open(name, rawAttributes, selfClosing, false);
        if (!selfClosing && this.neverClosed.has(this.base + end)) {
          // Known never to be closed: an include is its open tag alone, an esi:remove plain bytes.
          if (name !== 'esi:remove') this.report(marker, start, end);
        } else if (selfClosing) this.report(marker, start, end);
        else this.startCapture(name === 'esi:remove' ? REMOVE : PAIRED_INCLUDE, name, start, end, marker);
        return;
      }
    }
    if (elements !== null) {
      const depth = elements.depth;
      const { selector, pushed } = elements.open(name, rawAttributes, selfClosing, true);
      if (selector !== null) {
        const marker: Marker = { type: 'element', selector };
        // A void element, or one written `<x …/>`, is its open tag. (For the stack, `<div/>`
        // stays open, as browsers have it, so later descendant selectors still see it.)
        if (!pushed || selfClosing) this.report(marker, start, end);
        else {
          this.startCapture(ELEMENT, name, start, end, marker);
          this.captureIndex = depth;
        }
        return;
      }
    }
    if (this.prefixes === null) return;
    this.reportAssets();
    // `<script/>` is not raw text for htmlparser2, so only a real open tag starts an import map.
    if (name === 'script' && !selfClosing && isImportmapType(this.attributeValue('type'))) {
      this.startCapture(IMPORTMAP, name, end, end, null);
    }
  }

  /** The open tag's attributes, decoded; the first of duplicates wins, as in browsers. */
  private attributes(): Record<string, string> {
    const attributes = Object.create(null) as Record<string, string>;
    const names = this.attrNames;
    for (let i = 0; i < this.attrCount; i++) {
      if (names[i] in attributes) continue;
      const start = this.attrStarts[i];
      attributes[names[i]] = start < 0 ? '' : decodeAttributeValue(this.text(start, this.attrEnds[i]));
    }
    return attributes;
  }

  /** The first `name` attribute's decoded value. */
  private attributeValue(name: string): string | undefined {
    for (let i = 0; i < this.attrCount; i++) {
      if (this.attrNames[i] !== name) continue;
      const start = this.attrStarts[i];
      return start < 0 ? '' : decodeAttributeValue(this.text(start, this.attrEnds[i]));
    }
    return undefined;
  }

  /** Names and raw values, alternating, for the element stack (decoded only if a selector asks). */
  private rawAttributes(): (string | null)[] {
    const count = this.attrCount;
    const raw = new Array<string | null>(count * 2);
    for (let i = 0; i < count; i++) {
      const start = this.attrStarts[i];
      raw[2 * i] = this.attrNames[i];
      raw[2 * i + 1] = start < 0 ? null : this.text(start, this.attrEnds[i]);
    }
    return raw;
  }

  private reportAssets(): void {
    const names = this.attrNames;
    for (let i = 0; i < this.attrCount; i++) {
      const name = names[i];
      if (name !== 'src' && name !== 'href' && name !== 'srcset') continue;
      const start = this.attrStarts[i];
      if (start < 0 || names.indexOf(name) !== i) continue;
      const end = this.attrEnds[i];
      const value = decodeAttributeValue(this.text(start, end));
      if (matchesAssetPrefix(name, value, this.prefixes!)) this.report({ type: 'asset-url', attribute: name, value }, start, end);
    }
  }

  private closeTag(name: string, closeStart: number, closeEnd: number): void {
    let consumed = false;
    if ((this.capture === PAIRED_INCLUDE || this.capture === REMOVE) && name === this.captureName) {
      if (--this.captureNesting === 0) {
        this.endCapture(closeEnd);
        consumed = true;
      } else this.nestedOpens.pop();
    }
    if (this.elements !== null && name !== '' && !VOID_ELEMENTS.has(name)) {
      const depth = this.elements.close(name);
      if (depth >= 0 && this.capture === ELEMENT && depth <= this.captureIndex) {
        // Its own close tag belongs to it; an ancestor's close tag ends it just before.
        consumed = depth === this.captureIndex;
        this.endCapture(consumed ? closeEnd : closeStart);
      }
    }
    if (name === 'body' && this.bodyEnd && !this.bodyEndDone && this.capture === NONE && !consumed) {
      this.bodyEndDone = true;
      this.report({ type: 'body-end' }, closeStart, closeStart);
    }
  }

  /** Finds the `>` of a pending close tag; false while it has not arrived. */
  private resolvePending(): boolean {
    const gt = this.window.indexOf(GT, this.pendingFrom);
    if (gt < 0) {
      this.pendingFrom = this.window.end; // never search the same bytes twice
      return false;
    }
    const name = this.pendingName!;
    this.pendingName = null;
    this.closeTag(name, this.pendingStart, gt + 1);
    if (this.tokenStart < gt + 1) this.tokenStart = gt + 1;
    return true;
  }

  // ---- captures and output -------------------------------------------------------------------

  private startCapture(kind: number, name: string, start: number, openEnd: number, marker: Marker | null): void {
    // Blocks and removes are "REMOVE" captures: held to their close tag, plain bytes if never closed.
    this.capture = kind;
    this.captureName = name;
    this.captureStart = start;
    this.captureOpenEnd = openEnd;
    this.captureNesting = 1;
    this.nestedOpens = [];
    this.captureMarker = marker;
    this.captureStack = (kind === PAIRED_INCLUDE || kind === REMOVE) && this.elements !== null ? this.elements.snapshot() : null;
  }

  private endCapture(end: number): void {
    const marker: Marker =
      this.capture === IMPORTMAP
        ? { type: 'importmap', json: decodeSourceText(this.text(this.captureStart, end)) }
        : this.captureMarker!;
    this.capture = NONE;
    this.captureMarker = null;
    this.captureStack = null;
    this.report(marker, this.captureStart, end);
  }

  private report(marker: Marker, start: number, end: number): void {
    this.emitTo(start);
    const raw = end > start ? this.window.slice(start, end) : EMPTY;
    this.emitted = end;
    this.sink.marker(marker, raw, this.base + start, this.base + end);
  }

  private emitTo(position: number): void {
    const end = Math.min(position, this.window.end);
    if (end > this.emitted) {
      this.window.emit(this.emitted, end, this.emitBytes);
      this.emitted = end;
    }
  }

  /** Source text [start, end) as latin1, from the current chunk when it lies there. */
  private text(start: number, end: number): string {
    const from = start - this.chunkStart;
    return from >= 0 ? this.chunkText.slice(from, end - this.chunkStart) : this.window.latin1(start, end);
  }

  /**
   * Whether `position` starts a comment still being read that cannot be a marker (its content
   * does not start with `#` or `esi`): such a comment need not be held back, however long.
   */
  private inPlainComment(position: number): boolean {
    const window = this.window;
    if (position + 5 > window.end || window.byteAt(position) !== 0x3c || window.byteAt(position + 1) !== 0x21) return false;
    if (window.byteAt(position + 2) !== 0x2d || window.byteAt(position + 3) !== 0x2d) return false;
    const c = window.byteAt(position + 4);
    if (c === 0x23) return false;
    if ((c | 0x20) !== 0x65) return true;
    if (position + 8 > window.end) return false;
    const head = window.latin1(position + 4, position + 8);
    return head.charCodeAt(3) !== 0x2d && !isEsiComment(head);
  }
}
