import type { SsiCommand } from './ssi-command.js';
/**
 * What the scanners report: byte runs and markers with their exact source ranges. Shared by
 * `PageScanner` (scan-page.ts), the tokenizer scanner (scan-core.ts) and the byte-level include
 * scanner (include-scanner.ts).
 */
export type Marker =
  /** `<!--#include virtual="/x" -->`; `src` is taken as written (SSI decodes no entities). */
  | { type: 'ssi'; src: string; attribute: 'virtual' | 'file' }
  /** Any `<!--# … -->` SSI command (include, echo, if, set, …), parsed as nginx parses it. */
  | { type: 'ssi-command'; command: SsiCommand }
  /** `<esi:include src alt onerror/>`, or paired with `</esi:include>` (the range includes it). */
  | { type: 'esi-include'; src: string; alt?: string; onerror?: string }
  /** `<esi:remove>…</esi:remove>`, the whole range. */
  | { type: 'esi-remove' }
  /**
   * `<esi:choose>`, `<esi:try>`, `<esi:vars>`, `<esi:text>`, `<esi:assign>` through their close
   * tag, or an `<esi:comment …/>` or `<esi:assign …/>` tag: the engine evaluates the range (a
   * block never closed is plain bytes).
   */
  | { type: 'esi-block'; tag: 'choose' | 'try' | 'vars' | 'text' | 'comment' | 'assign' }
  /** `<!--esi … -->`: `inner` is the bytes between `<!--esi` and `-->`, to be scanned again. */
  | { type: 'esi-comment'; inner: Buffer }
  /** Tailor's `<fragment src …>`, self-closing or paired with `</fragment>` (the range includes it), or `<script type="fragment" src …></script>`. */
  | { type: 'tailor'; src: string; fallbackSrc?: string; timeout?: number; primary: boolean; attributes: Record<string, string> }
  /** An element matching `options.selectors`: open tag through matching close tag (the open tag alone for void elements and `<x …/>`). */
  | { type: 'element'; selector: string }
  /** The range is the attribute value's bytes only (inside the quotes); `value` is decoded. */
  | { type: 'asset-url'; attribute: 'src' | 'href' | 'srcset'; value: string }
  /** The range is the import map script's text content only. */
  | { type: 'importmap'; json: string }
  /** Zero-length, at the `<` of the first `</body>`. */
  | { type: 'body-end' };

export interface ScanSink {
  /** Bytes that belong to no marker, in order. May be called with many small chunks. */
  bytes(chunk: Buffer): void;
  /** A marker; `raw` is exactly the source bytes of its range (empty for body-end). `start`/`end` are absolute byte offsets in the page. */
  marker(marker: Marker, raw: Buffer, start: number, end: number): void;
  /**
   * A marker still open held more than `maxHeldBytes` and was given up: its bytes leave as plain
   * bytes (so an element is left as it is, an include not made). `held`: the bytes it had then.
   */
  gaveUp?(marker: Marker, held: number): void;
}

export type ScanPart = Buffer | { marker: Marker; raw: Buffer; start: number; end: number };
