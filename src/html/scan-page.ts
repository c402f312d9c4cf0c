import { compileSelectors, type CompiledSelector } from './element-matcher.js';
import { IncludeScanner } from './include-scanner.js';
import { findIncludeTrigger } from './include-triggers.js';
import { LazyScanner, type StreamScanner } from './lazy-scan.js';
import { NginxSsiScanner } from './nginx-ssi-scan.js';
import type { ScanPart, ScanSink } from './markers.js';
import { ScanCore, type Settings } from './scan-core.js';
import { VarnishEsiScanner } from './varnish-esi.js';
import { VarnishPageScanner } from './varnish-scan.js';

/**
 * The streaming page scanner: production's HTML goes in as Buffers, in any chunking; out come,
 * in document order, the untouched byte runs and the "markers" (includes, composed fragments'
 * elements, asset URLs, the end of the body) with their exact source byte ranges. The page is
 * parsed once by htmlparser2's tokenizer, fed latin1 text so that one char is one byte whatever
 * the charset; bytes are handed on as `subarray`s of the caller's chunks and never re-serialised.
 *
 * What is held back: a tag or comment not yet complete at the end of a chunk (it may be a
 * marker), and a marker being captured (an element, `<esi:remove>`, a paired `<esi:include>` or
 * `<fragment>`, an import map's content). Everything else leaves in the `write` call it came in.
 * With `maxHeldBytes`, never more than that after a write, on every path: past it, what is held
 * leaves as plain bytes and scanning goes on after it.
 *
 * Not markers: anything inside `<script>`, `<style>`, `<title>`, `<textarea>` and `<xmp>` (the
 * tokenizer's raw-text elements), except an import map's content; anything inside another
 * marker's range (the engine may scan `raw` again, with options that cannot match it whole);
 * comments other than SSI includes and `<!--esi`; other ESI and SSI directives; includes
 * without a `src`.
 *
 * At the end of the page: an unterminated tag or comment is plain bytes; an element still open
 * runs to the end (EOF closes it, as in HTML); a paired `<esi:include>`/`<fragment>` never closed
 * is reported as its open tag alone and an unclosed `<esi:remove>` is plain, and in both cases
 * what followed is scanned again; an import map without `</script>` is plain.
 *
 * Where htmlparser2's tokenizer and browsers differ, the scanner follows the tokenizer:
 * `<noscript>`, `<iframe>`, `<noembed>` are not raw text (markers in them are reported);
 * `<![CDATA[…]]>` runs to `]]>` and comments to `-->` (not `--!>`); a script ends at the first
 * `</script` followed by space or `>` (no "script data escaped" states, and `</script/>` does not
 * end it); `<script/>` does not start raw text.
 */
export interface ScanOptions {
  /** CSS selectors whose matching elements are reported whole (pages production already composed). */
  selectors?: readonly string[];
  /**
   * URL prefixes (`'/assets/header/'` or `'https://cdn.example.com/header/'`): report src/href/srcset
   * attribute values starting with one (for srcset: any candidate URL starts with one), and the
   * content of `<script type="importmap">`.
   */
  assetPrefixes?: readonly string[];
  /** Report the first `</body>` as a zero-length marker just before it. */
  bodyEnd?: boolean;
  /**
   * The most bytes held back for a marker still open (an unclosed tag, comment or paired
   * element); past it they are handed on as plain bytes and scanning goes on after them.
   * Unset: no limit (fragments, which are bounded by their size already).
   */
  maxHeldBytes?: number;
  /**
   * Use htmlparser2's tokenizer even when only include markers are wanted (by default a
   * byte-level scanner, which finds the same markers, does that job). For tests comparing the two.
   */
  forceTokenizer?: boolean;
  /**
   * `'varnish'`: ESI is read as Varnish reads it (varnish-esi.ts), and no other include markers
   * are reported. @default 'html'
   */
  esi?: 'html' | 'varnish';
  /**
   * `'nginx'`: SSI commands are read as nginx reads them, as bytes (nginx-ssi-scan.ts): in
   * attribute values, scripts, styles and comments too; no other include markers are reported.
   * @default 'html'
   */
  ssi?: 'html' | 'nginx';
}

export type { Marker, ScanPart, ScanSink } from './markers.js';

export class PageScanner {
  private readonly settings: Settings;
  private readonly sink: ScanSink;
  private core: ScanCore | undefined;
  /** Include markers only (no selectors, no asset prefixes): the byte-level fast path. */
  private readonly fast: StreamScanner | undefined;
  /** `esi: 'varnish'`: everything goes through Varnish's reading first. */
  private readonly varnish: VarnishPageScanner | undefined;
  private ended = false;

  constructor(options: ScanOptions, sink: ScanSink) {
    this.settings = resolveSettings(options);
    this.sink = sink;
    if (options.ssi === 'nginx') {
      const { selectors, prefixes, bodyEnd } = this.settings;
      const needsInner = selectors !== null || prefixes !== null || bodyEnd;
      const inner = needsInner ? (stage: ScanSink) => new PageScanner({ ...options, ssi: 'html' }, stage) : undefined;
      this.varnish = new VarnishPageScanner(sink, inner, (outer) => new NginxSsiScanner(outer, options.maxHeldBytes), options.maxHeldBytes);
    } else if (options.esi === 'varnish') {
      const { selectors, prefixes, bodyEnd } = this.settings;
      const needsInner = selectors !== null || prefixes !== null || bodyEnd;
      const inner = needsInner ? (stage: ScanSink) => new PageScanner({ ...options, esi: 'html' }, stage) : undefined;
      this.varnish = new VarnishPageScanner(sink, inner, (outer) => new VarnishEsiScanner(outer, options.maxHeldBytes), options.maxHeldBytes);
    } else if (this.settings.selectors === null && this.settings.prefixes === null && !options.forceTokenizer) {
      // Read tag by tag only from the first place a marker could begin (lazy-scan.ts).
      const { bodyEnd } = this.settings;
      this.fast = new LazyScanner(
        sink,
        (stage) => new IncludeScanner(bodyEnd, stage, options.maxHeldBytes),
        (buf, from) => findIncludeTrigger(buf, from, bodyEnd),
        undefined,
        options.maxHeldBytes,
      );
    } else {
      this.core = new ScanCore(this.settings, sink, { base: 0, stack: null, bodyEndDone: false });
    }
  }

  /** Feeds the tokenizer; a core that gave up a token still being read is replaced by a fresh one. */
  private feed(chunk: Buffer): void {
    const restart = this.core!.write(chunk);
    if (restart !== null) this.core = new ScanCore(this.settings, this.sink, restart);
  }

  /**
   * Whether a marker could begin in `chunk`, which is to be written next: false only when the
   * scanner knows that none can (the include scanner's trigger search, run once for both).
   */
  mayHaveMarkers(chunk: Buffer): boolean {
    return this.fast?.mayHaveMarkers?.(chunk) ?? true;
  }

  write(chunk: Buffer): void {
    if (this.ended) throw new Error('PageScanner.write() was called after end(): create a new scanner for each page.');
    if (this.varnish) this.varnish.write(chunk);
    else if (this.fast) this.fast.write(chunk);
    else this.feed(chunk);
  }

  /**
   * Gives up every marker open now: what is held leaves as plain bytes and scanning goes on, as
   * past `maxHeldBytes`. For a stage around this scanner whose own held bytes share the cap.
   */
  release(): void {
    if (this.ended || this.varnish) return;
    if (this.fast) return this.fast.release();
    const restart = this.core!.release();
    if (restart !== null) this.core = new ScanCore(this.settings, this.sink, restart);
  }

  /** Flushes everything; an unterminated tag or comment at the end is plain bytes. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.varnish) return this.varnish.end();
    if (this.fast) return this.fast.end();
    // A paired include or `<esi:remove>` never closed stands for its open tag alone; what
    // followed it is scanned again from there (a loop, not recursion: each one is shorter).
    let rescan = this.core!.finish();
    while (rescan !== null) {
      this.core = new ScanCore(this.settings, this.sink, rescan);
      this.feed(rescan.tail);
      rescan = this.core.finish();
    }
  }
}

/** Convenience for small buffers (fragments): returns the sequence of parts. */
export function scanBuffer(page: Buffer, options: ScanOptions = {}): ScanPart[] {
  const parts: ScanPart[] = [];
  let offset = 0;
  let lastBytesStart = -1;
  const scanner = new PageScanner(options, {
    bytes(chunk) {
      // Adjacent byte runs become one subarray of the page (no copy).
      if (lastBytesStart >= 0) parts[parts.length - 1] = page.subarray(lastBytesStart, offset + chunk.length);
      else {
        lastBytesStart = offset;
        parts.push(chunk);
      }
      offset += chunk.length;
    },
    marker(marker, raw, start, end) {
      parts.push({ marker, raw, start, end });
      lastBytesStart = -1;
      offset = end;
    },
  });
  scanner.write(page);
  scanner.end();
  return parts;
}

const compiledCache = new Map<string, CompiledSelector>();

function resolveSettings(options: ScanOptions): Settings {
  let selectors: Settings['selectors'] = null;
  if (options.selectors && options.selectors.length > 0) {
    // Pages are scanned on every reload with the same selectors: compile each one once.
    selectors = options.selectors.map((selector) => {
      let compiled = compiledCache.get(selector);
      if (!compiled) {
        [compiled] = compileSelectors([selector]);
        if (compiledCache.size >= 256) compiledCache.clear();
        compiledCache.set(selector, compiled);
      }
      return compiled;
    });
  }
  const prefixes = (options.assetPrefixes ?? []).filter((prefix) => prefix.length > 0);
  return {
    selectors,
    prefixes: prefixes.length > 0 ? prefixes : null,
    bodyEnd: options.bodyEnd === true,
    maxHeld: options.maxHeldBytes ?? Infinity,
  };
}

