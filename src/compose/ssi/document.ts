import type { SsiCommand } from '../../html/ssi-command.js';
import { runCommand, type CommandContext } from './commands.js';
import { DEFAULT_TIMEFMT } from './strftime.js';
import { DEFAULT_ERRMSG, type Part, type SsiDocumentState, type SsiEnv } from './types.js';
import { documentUrl, type BlockItem, type SsiDocumentUrl } from './variables.js';

/**
 * One document (the page, a fragment, a block used as a stub) read as nginx's SSI filter reads
 * it, while it streams: bytes and commands come in document order; what the document outputs
 * leaves through `emit` in the same order, as bytes or promises of bytes (includes in flight).
 *
 * Evaluation is in document order: after an `include … set=` or `include … wait="yes"`, what
 * follows is evaluated only once that include is done (its output place is kept in the stream
 * meanwhile), so an `if` on the variable sees its value. Pages without SSI commands never get
 * here: the engine creates a document at the first command.
 */

export class SsiDocument implements SsiDocumentState {
  output = true;
  chosen = false;
  conditional: 0 | 1 | 2 = 0;
  inBlock = false;
  encoding: 'none' | 'url' | 'entity' = 'entity';
  errmsg = DEFAULT_ERRMSG;
  timefmt = DEFAULT_TIMEFMT;
  block: { name: string; items: BlockItem[] } | undefined;
  readonly doc: SsiDocumentUrl;

  /** While an include is awaited, what follows queues here (its output slot already emitted). */
  private waiting = false;
  private readonly queue: Array<() => void> = [];
  private idle: (() => void) | undefined;
  /** The places kept in the stream while evaluation waits. */
  private readonly slots = new WeakSet<Promise<Buffer>>();

  constructor(
    readonly env: SsiEnv,
    readonly base: URL,
    /**
     * Where output goes. `held`: for a place kept while evaluation waits, the bytes of the
     * document it holds (so the page's reader can apply backpressure to them).
     */
    private readonly emit: (part: Part, held?: number) => void,
    main = false,
    /** Told of every part output while evaluation waits (they go into a kept place, not to `emit`). */
    private readonly observe?: (part: Part) => void,
  ) {
    this.doc = documentUrl(base, main);
  }

  /** Bytes of the document, or a non-SSI marker: `replace` gives its output, only if it is output. */
  content(raw: Buffer, replace?: () => Part): void {
    if (raw.length === 0 && !replace) return;
    this.run(raw.length, (out) => {
      if (this.output) out(replace ? replace() : raw);
      else if (this.inBlock && this.block && raw.length > 0) this.block.items.push(raw);
    });
  }

  command(command: SsiCommand, raw: Buffer): void {
    this.run(raw.length, (out) => runCommand(this.context(out), command, raw));
  }

  /**
   * Whether `part` is a place this document kept while waiting: it settles only after what
   * follows is evaluated, so whatever is evaluated there must not wait for it.
   */
  isKeptPlace(part: Part): boolean {
    return !Buffer.isBuffer(part) && this.slots.has(part);
  }

  /** Resolves once every command read so far has been evaluated (all output is emitted). */
  finished(): Promise<void> {
    if (!this.waiting && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => (this.idle = resolve));
  }

  waitFor(until: Promise<unknown>): void {
    this.waiting = true;
    void until.then(
      () => this.resume(),
      () => this.resume(),
    );
  }

  private resume(): void {
    this.waiting = false;
    while (!this.waiting && this.queue.length > 0) this.queue.shift()!();
    if (!this.waiting && this.queue.length === 0) {
      const idle = this.idle;
      this.idle = undefined;
      idle?.();
    }
  }

  private run(size: number, job: (out: (part: Part) => void) => void): void {
    if (!this.waiting && this.queue.length === 0) {
      job(this.emit);
      return;
    }
    let fill!: (value: Part) => void;
    const slot = new Promise<Buffer>((resolve) => (fill = (value) => void Promise.resolve(value).then(resolve, () => resolve(EMPTY))));
    this.slots.add(slot);
    this.emit(slot, size);
    this.queue.push(() => {
      const parts: Part[] = [];
      job((part) => {
        parts.push(part);
        this.observe?.(part);
      });
      fill(concatParts(parts));
    });
  }

  private context(out: (part: Part) => void): CommandContext {
    return { document: this, out };
  }

  replayBlock(items: readonly BlockItem[], url: URL): Promise<Buffer> {
    return evaluateDocument(this.env, url, (doc) => {
      for (const item of items) {
        if (Buffer.isBuffer(item)) doc.content(item);
        else doc.command(item.command, EMPTY);
      }
    });
  }
}

const EMPTY = Buffer.alloc(0);

/** Run `feed` into a fresh document at `url`; resolves to everything it output. */
export async function evaluateDocument(env: SsiEnv, url: URL, feed: (doc: SsiDocument) => void, main = false): Promise<Buffer> {
  const parts: Part[] = [];
  const doc = new SsiDocument(env, url, (part) => parts.push(part), main);
  feed(doc);
  await doc.finished();
  return concatParts(parts);
}

export function concatParts(parts: readonly Part[]): Promise<Buffer> {
  return Promise.all(parts.map((part) => (Buffer.isBuffer(part) ? part : part.catch(() => EMPTY)))).then((buffers) =>
    buffers.length === 1 ? buffers[0] : Buffer.concat(buffers),
  );
}
