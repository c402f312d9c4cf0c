import type { Marker, ScanSink } from './markers.js';

/**
 * ESI read as Varnish 7.1 reads it (`edge: 'varnish'`): not HTML but bytes, through Varnish's own
 * state machine (`bin/varnishd/cache/cache_esi_parse.c`), whose rules this follows one by one:
 *
 * - a body whose first non-whitespace byte is not `<` is not ESI at all;
 * - after `<`: `!--esi` opens an ESI comment (its opener and the next `-->` found outside a tag
 *   are dropped, what is between is processed), `!--` is a comment and `![CDATA[` a CDATA section
 *   (both copied to their end, their `-->`/`]]>` matched naively), `esi:` and `/esi:` are ESI
 *   tags, anything else is another element, copied to its first `>` (so an ESI tag inside an
 *   attribute value stays as it is, and one inside `<script>` or `<title>` is processed);
 * - names are case-sensitive (`<ESI:include>` and `<!--ESI` are text); an ESI tag is
 *   `include`, `remove` or `comment`, any other (`<esi:choose>`, `<esi:/>`, `</esi:when>`) is
 *   dropped, tag alone, its content kept;
 * - an include needs exactly one `src="…"`/`src='…'`/`src=…` (written so: no space around `=`);
 *   a tag Varnish cannot parse (`src = "…"`, `/ >`, two `src`, an attribute value running into
 *   `>`) is dropped; `</esi:include>` and `<esi:comment>` without `/` are dropped too;
 * - `<esi:remove>` drops everything up to the next `</esi:remove>` (not nested: the first close
 *   ends it; an unclosed one drops to the end); `<esi:remove/>` and a stray `</esi:remove>` are
 *   dropped tags;
 * - a body in which no ESI was found is delivered exactly as it came (an unclosed `<!--esi`
 *   alone keeps its opener).
 *
 * Output goes to a `ScanSink` as the other scanners' does: copied bytes, an `esi-include`
 * marker per include (its range: the dropped bytes before it, tag included) and an
 * `esi-remove` marker for every other dropped range, so every byte is in exactly one part.
 * Input may come in any chunking; the result does not depend on it.
 *
 * Bounded by `maxHeld` (the gateway's `maxMarkerSize`): dropped bytes waiting for the next
 * include (an unclosed `<esi:remove>` drops the rest of the page) leave as removals in pieces,
 * a `src` longer than that gives up its tag as Varnish gives up a tag it cannot parse, and the
 * bytes held after an `<!--esi` opener while no ESI is found leave as they came (the opener
 * kept, as in a body without ESI).
 */

type State =
  | 'start' | 'notXml' | 'text' | 'tagOpen' | 'matchStart' | 'notMyTag' | 'comment' | 'until' | 'esiTag' | 'matchEsi'
  | 'esiInclude' | 'esiRemove' | 'esiComment' | 'inTag' | 'tagError' | 'attr' | 'matchAttr' | 'skipAttr' | 'attrDelim' | 'attrVal';

type Mark = 'verbatim' | 'skip';
type Directive = 'include' | 'remove' | 'comment';

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;

const isLws = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isSp = (c: number) => c === 0x20 || c === 0x09;
const isNameStart = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x3a || c >= 0xc0;
const isName = (c: number) => isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0xb7;

const START_TABLE = ['!--', 'esi:', '![CDATA['] as const;
const ESI_TABLE = ['include', 'remove', 'comment'] as const;
const ATTR_TABLE = ['src='] as const;

/** What Varnish decodes in a `src` (and nothing else). */
const ENTITIES: Record<string, string> = { '&apos;': "'", '&quot;': '"', '&lt;': '<', '&gt;': '>', '&amp;': '&' };

interface Held {
  bytes: Buffer;
  mark: Mark | 'include';
  marker?: Marker;
}

export class VarnishEsiScanner {
  private readonly sink: ScanSink;
  /** Input not yet handed on: `verP` is where the last mark left off, `p` the parse position. */
  private buf: Buffer = Buffer.alloc(0);
  private verP = 0;
  private p = 0;
  private state: State = 'start';
  private lastMark: Mark = 'verbatim';
  private esiFound = false;
  private remove = false;
  private inEsiTag = false;
  private endTag = false;
  private emptyTag = false;
  /** Not reset between tags, as in Varnish. */
  private canAttr = false;
  private directive: Directive | undefined;
  /** The armed ESI-comment matcher: `'esi'` after `<!--`, `'-->'` inside `<!--esi`. */
  private esicmt: string | null = null;
  private esicmtAt = 0;
  private until = '';
  private untilAt = 0;
  private attrDelim = 0;
  /** The value being read (a `src`), or undefined for an attribute that is skipped. */
  private attrValue: string | undefined;
  private src: string | undefined;
  /** Dropped bytes not yet handed on (they become the range of the next include or removal). */
  private skipped: Buffer[] = [];
  private skippedBytes = 0;
  /** Everything since an `<!--esi` opener while no ESI was found yet (it may have to stay). */
  private held: Held[] | undefined;
  private heldBytes = 0;
  private offset = 0;

  constructor(
    sink: ScanSink,
    private readonly maxHeld = Infinity,
  ) {
    this.sink = sink;
  }

  write(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.buf = this.verP === this.buf.length ? chunk : Buffer.concat([this.buf.subarray(this.verP), chunk]);
    this.p -= this.verP;
    this.verP = 0;
    this.parse();
    // What Varnish decides at the end of each piece of input: an ESI tag or removal in progress is dropped.
    if (this.p > this.verP && (this.inEsiTag || this.remove)) this.mark('skip');
    if (this.heldBytes + this.skippedBytes + this.buf.length - this.verP > this.maxHeld) {
      this.flushSkipped();
      if (this.held) this.deliverHeld();
    }
    if (this.attrValue !== undefined && this.attrValue.length > this.maxHeld) {
      this.attrValue = undefined;
      this.src = undefined;
      this.state = 'tagError';
    }
  }

  /** No ESI found yet and too much held after an `<!--esi` opener: it all leaves as it came. */
  private deliverHeld(): void {
    const held = this.held!;
    this.held = undefined;
    this.heldBytes = 0;
    for (const part of held) this.deliver({ bytes: part.bytes, mark: 'verbatim' });
  }

  end(): void {
    // Undecided bytes go the way of the last mark (Varnish's VEP_Finish).
    if (this.buf.length > this.verP) {
      this.p = this.buf.length;
      this.mark(this.inEsiTag || this.remove ? 'skip' : this.lastMark);
    }
    this.flushSkipped();
    if (this.held) {
      // No ESI after all: the body is delivered as it came, the `<!--esi` opener included.
      if (!this.esiFound) return this.deliverHeld();
      const held = this.held;
      this.held = undefined;
      for (const part of held) this.deliver(part);
    }
  }

  private parse(): void {
    const b = this.buf;
    const e = b.length;
    while (this.p < e) {
      const before = this.p;
      const beforeState = this.state;
      this.step(b, e);
      // A step that consumed nothing and changed nothing waits for more input.
      if (this.p === before && this.state === beforeState) return;
    }
  }

  private step(b: Buffer, e: number): void {
    switch (this.state) {
      case 'start': {
        while (this.p < e && isLws(b[this.p])) this.p++;
        this.mark('verbatim');
        if (this.p < e) {
          if (b[this.p] === LT) {
            this.p++;
            this.state = 'tagOpen';
          } else this.state = 'notXml';
        }
        return;
      }
      case 'notXml':
        this.p = e;
        this.mark('verbatim');
        return;
      case 'text':
        return this.text(b, e);
      case 'tagOpen':
        this.emptyTag = false;
        this.endTag = false;
        this.directive = undefined;
        if (b[this.p] === SLASH) {
          this.endTag = true;
          this.p++;
        }
        this.state = 'matchStart';
        return;
      case 'matchStart': {
        const hit = this.match(b, e, START_TABLE);
        if (hit === null) return;
        if (hit === '!--') {
          // Varnish 7.1 starts over on every `<!--`, an `<!--esi` already open or not.
          this.esicmt = 'esi';
          this.esicmtAt = 0;
          this.state = 'comment';
        }
        else if (hit === 'esi:') this.state = 'esiTag';
        else if (hit === '![CDATA[') this.startUntil(']]>');
        else this.state = 'notMyTag';
        return;
      }
      case 'notMyTag':
        while (this.p < e) {
          if (b[this.p++] === GT) {
            this.state = 'text';
            break;
          }
        }
        if (this.p === e && !this.remove) this.mark('verbatim');
        return;
      case 'comment':
        return this.comment(b, e);
      case 'until':
        while (this.p < e) {
          if (b[this.p++] !== this.until.charCodeAt(this.untilAt++)) this.untilAt = 0;
          else if (this.untilAt === this.until.length) {
            this.state = 'text';
            break;
          }
        }
        if (this.p === e && !this.remove) this.mark('verbatim');
        return;
      case 'esiTag':
        this.inEsiTag = true;
        this.esiFound = true;
        this.mark('skip');
        this.state = 'matchEsi';
        return;
      case 'matchEsi': {
        const hit = this.match(b, e, ESI_TABLE);
        if (hit === null) return;
        if (hit === 'include') this.state = this.remove || this.endTag ? 'tagError' : 'esiInclude';
        else if (hit === 'remove') this.state = 'esiRemove';
        else if (hit === 'comment') this.state = this.remove || this.endTag ? 'tagError' : 'esiComment';
        else this.state = 'tagError';
        return;
      }
      case 'esiInclude':
      case 'esiRemove':
      case 'esiComment':
        this.directive = this.state === 'esiInclude' ? 'include' : this.state === 'esiRemove' ? 'remove' : 'comment';
        this.state = 'inTag';
        return;
      case 'inTag':
        return this.inTag(b, e);
      case 'tagError':
        while (this.p < e && b[this.p] !== GT) this.p++;
        if (this.p < e) {
          this.p++;
          this.mark('skip');
          this.inEsiTag = false;
          this.src = undefined;
          this.state = 'text';
        }
        return;
      case 'attr':
        if (this.directive !== 'include') {
          this.p++;
          this.state = 'skipAttr';
        } else this.state = 'matchAttr';
        return;
      case 'matchAttr': {
        const hit = this.match(b, e, ATTR_TABLE);
        if (hit === null) return;
        if (hit === 'src=') {
          this.attrValue = '';
          this.state = 'attrDelim';
        } else this.state = 'skipAttr';
        return;
      }
      case 'skipAttr': {
        while (this.p < e && isName(b[this.p])) this.p++;
        if (this.p >= e) return;
        const c = b[this.p];
        if (c === 0x3d) {
          this.p++;
          this.state = 'attrDelim';
        } else if (c === GT || c === SLASH || isSp(c)) this.state = 'inTag';
        else this.state = 'tagError';
        return;
      }
      case 'attrDelim': {
        const c = b[this.p];
        if (c === 0x22 || c === 0x27) {
          this.attrDelim = c;
          this.p++;
          this.state = 'attrVal';
        } else if (!isSp(c)) {
          this.attrDelim = 0x20;
          this.state = 'attrVal';
        } else this.state = 'tagError';
        return;
      }
      case 'attrVal':
        return this.attrVal(b, e);
    }
  }

  /** Hunts for the next `<`, watching for the `-->` that ends an `<!--esi` when one is open. */
  private text(b: Buffer, e: number): void {
    while (this.p < e && b[this.p] !== LT) {
      if (this.esicmt === null) {
        this.p++;
        continue;
      }
      if (b[this.p] !== this.esicmt.charCodeAt(this.esicmtAt)) {
        this.p++;
        this.esicmtAt = 0;
        continue;
      }
      if (!this.remove && this.esicmtAt === 0) this.mark('verbatim');
      this.p++;
      if (++this.esicmtAt === this.esicmt.length) {
        this.esiFound = true;
        this.esicmt = null;
        this.esicmtAt = 0;
        // The `-->` is dropped; what came before it was copied.
        this.mark('skip');
      }
    }
    if (this.p < e) {
      if (!this.remove) this.mark('verbatim');
      this.p++;
      this.state = 'tagOpen';
    } else if (this.esicmtAt === 0 && !this.remove) this.mark('verbatim');
  }

  /** After `<!--`: an ESI comment (`esi` follows) or an ordinary one. */
  private comment(b: Buffer, e: number): void {
    const word = this.esicmt ?? 'esi';
    while (this.p < e) {
      if (b[this.p] !== word.charCodeAt(this.esicmtAt)) {
        this.esicmt = null;
        this.esicmtAt = 0;
        this.startUntil('-->');
        return;
      }
      this.p++;
      if (++this.esicmtAt < word.length) continue;
      this.esicmt = '-->';
      this.esicmtAt = 0;
      this.state = 'text';
      this.mark('skip');
      return;
    }
  }

  private startUntil(until: string): void {
    this.until = until;
    this.untilAt = 0;
    this.state = 'until';
  }

  private inTag(b: Buffer, e: number): void {
    while (this.p < e && isLws(b[this.p]) && !this.emptyTag) {
      this.p++;
      this.canAttr = true;
    }
    if (this.p < e && b[this.p] === SLASH && !this.emptyTag) {
      this.p++;
      this.emptyTag = true;
      this.canAttr = false;
    }
    if (this.p >= e) return;
    const c = b[this.p];
    if (c === GT) {
      this.p++;
      this.mark('skip');
      this.tagDone();
      this.inEsiTag = false;
      this.state = 'text';
    } else if (this.emptyTag) this.state = 'tagError';
    else if (this.canAttr && isNameStart(c)) this.state = 'attr';
    else this.state = 'tagError';
  }

  private attrVal(b: Buffer, e: number): void {
    const start = this.p;
    while (this.p < e) {
      const c = b[this.p];
      if (c === GT || c === this.attrDelim || (this.attrDelim === 0x20 && isSp(c))) break;
      this.p++;
    }
    if (this.attrValue !== undefined) this.attrValue += b.toString('latin1', start, this.p);
    if (this.p >= e) return;
    this.attrDelim = 0;
    if (b[this.p] === GT) {
      // The value ran into `>`: Varnish gives up on the tag.
      this.attrValue = undefined;
      this.state = 'tagError';
      return;
    }
    this.p++;
    this.state = 'inTag';
    if (this.attrValue !== undefined) {
      const value = this.attrValue;
      this.attrValue = undefined;
      if (this.src !== undefined) {
        // Two `src`: the tag is dropped (Varnish's bug where this src leaks into the next
        // include is not reproduced).
        this.src = undefined;
        this.state = 'tagError';
      } else this.src = value;
    }
  }

  /** The end of an ESI tag (`>`): what it does. */
  private tagDone(): void {
    if (this.directive === 'remove') {
      if (this.emptyTag) return;
      if (this.remove !== this.endTag) return; // already open, or not open: an error, nothing changes
      this.remove = !this.endTag;
      return;
    }
    if (this.directive !== 'include') return;
    const src = this.src;
    this.src = undefined;
    if (src === undefined) return;
    // An https include is ignored (feature esi_ignore_https is off by default).
    if (src.length > 8 && src.startsWith('https://')) return;
    this.include(src);
  }

  private include(written: string): void {
    const decoded = Buffer.from(written.replace(/&(?:apos|quot|lt|gt|amp);/g, (entity) => ENTITIES[entity]), 'latin1').toString('utf8');
    // Varnish resolves a relative src against the including document's folder, by plain
    // concatenation: an empty src is that folder.
    const src = decoded.startsWith('/') || (decoded.length > 7 && decoded.startsWith('http://')) ? decoded : `./${decoded}`;
    this.emit({ bytes: this.takeSkipped(), mark: 'include', marker: { type: 'esi-include', src } });
  }

  /** Tries the table's words (in order) at `p`; null when the input ends inside a candidate. */
  private match(b: Buffer, e: number, table: readonly string[]): string | null | undefined {
    for (const word of table) {
      let i = 0;
      while (i < word.length && this.p + i < e && b[this.p + i] === word.charCodeAt(i)) i++;
      if (i === word.length) {
        this.p += word.length;
        return word;
      }
      if (this.p + i === e) return null;
    }
    return undefined;
  }

  /** Decides the bytes from the last mark up to `p`. */
  private mark(mark: Mark): void {
    const bytes = this.buf.subarray(this.verP, this.p);
    this.verP = this.p;
    this.lastMark = mark;
    if (bytes.length === 0) return;
    if (mark === 'skip') {
      // Only an `<!--esi` opener is dropped before any ESI is found: hold on, it may have to stay.
      if (!this.esiFound && !this.held) this.held = [];
      this.skipped.push(bytes);
      this.skippedBytes += bytes.length;
      return;
    }
    this.emit({ bytes, mark });
  }

  private takeSkipped(): Buffer {
    const bytes = this.skipped.length === 1 ? this.skipped[0] : Buffer.concat(this.skipped);
    this.skipped = [];
    this.skippedBytes = 0;
    return bytes;
  }

  private flushSkipped(): void {
    if (this.skipped.length > 0) this.emit({ bytes: this.takeSkipped(), mark: 'skip' });
  }

  private emit(part: Held): void {
    if (part.mark === 'verbatim' && this.skipped.length > 0) this.flushSkipped();
    if (this.held) {
      if (!this.esiFound) {
        this.held.push(part);
        this.heldBytes += part.bytes.length;
        return;
      }
      const held = this.held;
      this.held = undefined;
      this.heldBytes = 0;
      for (const h of held) this.deliver(h);
    }
    this.deliver(part);
  }

  private deliver(part: Held): void {
    const start = this.offset;
    this.offset += part.bytes.length;
    if (part.mark === 'verbatim') this.sink.bytes(part.bytes);
    else this.sink.marker(part.marker ?? { type: 'esi-remove' }, part.bytes, start, this.offset);
  }
}
