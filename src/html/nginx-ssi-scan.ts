import { EMPTY } from './byte-window.js';
import type { ScanSink } from './markers.js';
import { parseSsiCommand } from './ssi-command.js';

/**
 * A page read as nginx's SSI filter reads it: bytes, not HTML. A command is `<!--#` through the
 * first `-->` outside a quoted parameter value, wherever it is — in an attribute value, in
 * `<script>`, `<style>`, `<textarea>`, inside a plain comment. Everything else is bytes
 * (nginx reads no ESI or Tailor markup). `<!--#-->` reads on to the next `-->`; a command
 * never terminated swallows the rest of the page. Used for `edge: 'nginx'` (see
 * varnish-scan.ts for how the gateway's own markers are found in the bytes it copies).
 */
export class NginxSsiScanner {
  private held: Buffer = EMPTY;
  /** Absolute offset of `held[0]`. */
  private base = 0;
  /** Where the search for the end of the command at `held[0]` resumes, and its quote state. */
  private resumeAt = 0;
  private quote = 0;

  constructor(
    private readonly sink: ScanSink,
    private readonly maxHeld = Infinity,
  ) {}

  write(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.held = this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk]);
    this.scan(false);
  }

  end(): void {
    this.scan(true);
    this.emit(this.held.length);
  }

  private emit(count: number): void {
    if (count <= 0) return;
    this.sink.bytes(this.held.subarray(0, count));
    this.drop(count);
  }

  private drop(count: number): void {
    // (An emptied view would keep the page's read alive as long as the page.)
    this.held = count === this.held.length ? EMPTY : this.held.subarray(count);
    this.base += count;
    this.resumeAt = 0;
    this.quote = 0;
  }

  private scan(final: boolean): void {
    for (;;) {
      const held = this.held;
      if (this.resumeAt === 0) {
        const at = held.indexOf('<!--#', 0, 'latin1');
        if (at === -1) {
          this.emit(held.length - (final ? 0 : partialOpener(held)));
          return;
        }
        this.emit(at);
        this.resumeAt = 5;
        continue;
      }
      const end = this.findEnd();
      if (end === -1) {
        // Never terminated: nginx swallows it to the end of the page. Past the cap the held
        // bytes leave as text instead (the page keeps streaming).
        if (final) this.drop(held.length);
        else if (held.length > this.maxHeld) this.emit(held.length);
        return;
      }
      const raw = held.subarray(0, end + 3);
      const command = parseSsiCommand(held.toString('latin1', 4, end));
      this.sink.marker({ type: 'ssi-command', command }, raw, this.base, this.base + raw.length);
      this.drop(raw.length);
    }
  }

  /** The `-->` ending the command at `held[0]` (outside a quoted value), or -1; resumable. */
  private findEnd(): number {
    const held = this.held;
    let quote = this.quote;
    let i = this.resumeAt;
    for (; i < held.length; i++) {
      const c = held[i];
      if (quote !== 0) {
        if (c === quote) quote = 0;
        else if (c === 0x5c) i++; // nginx's backslash escape inside a value
      } else if ((c === 0x22 || c === 0x27) && afterEquals(held, i)) quote = c;
      // `<!--#-->` names no command: nginx reads on to the next `-->`.
      else if (c === 0x2d && held[i + 1] === 0x2d && held[i + 2] === 0x3e && i > 5) return i;
      else if (c === 0x2d && i + 2 >= held.length) break; // `--` or `-->` may follow
    }
    this.resumeAt = Math.min(i, held.length);
    this.quote = quote;
    return -1;
  }
}

function afterEquals(buf: Buffer, at: number): boolean {
  let j = at - 1;
  while (j > 0 && (buf[j] === 0x20 || buf[j] === 0x09 || buf[j] === 0x0a || buf[j] === 0x0d)) j--;
  return buf[j] === 0x3d;
}

/** How many bytes at the end of `buf` could begin `<!--#`. */
function partialOpener(buf: Buffer): number {
  const opener = '<!--#';
  for (let k = Math.min(4, buf.length); k > 0; k--) {
    if (buf.toString('latin1', buf.length - k) === opener.slice(0, k)) return k;
  }
  return 0;
}
