import type { BlockItem, SsiDocumentUrl, SsiPageState } from './variables.js';

/** What a document outputs: bytes now, or bytes later (an include in flight). */
export type Part = Buffer | Promise<Buffer>;

/** nginx's default `errmsg`. */
export const DEFAULT_ERRMSG = '[an error occurred while processing the directive]';

export interface IncludeOutcome {
  /** What the include resolved to (production's fragment, the local one, or the failure text). */
  bytes: Buffer;
  /** False when production's fragment could not be had (nginx: the subrequest failed). */
  served: boolean;
  /** The answer said `Content-Length: 0`. */
  declaredEmpty?: boolean;
}

/** What the SSI language needs from the engine, for one page. */
export interface SsiEnv {
  page: SsiPageState;
  /**
   * Resolve an include's evaluated URI against `base`, the document it appears in; with
   * `emptiness`, the outcome says whether the answer was declared empty (`declaredEmpty`).
   */
  include(uri: string, base: URL, emptiness?: boolean): Promise<IncludeOutcome>;
  /**
   * A comment that looks like a command but names none (`<!--#header-->`, common in pages built
   * by other tools): nginx prints its errmsg (`'error'`, with `edge: 'nginx'`); otherwise it stays
   * the comment it was (`'text'`), so pages that do not speak SSI come out byte for byte.
   */
  unknownCommands: 'error' | 'text';
  /** `DEBUG=mfe-dev:compose`: one line per directive evaluated. */
  debug?: (line: string) => void;
}

/** The state of one document that commands read and change (nginx's `ngx_http_ssi_ctx_t`). */
export interface SsiDocumentState {
  readonly env: SsiEnv;
  /** The document's URL (relative include URIs and stubs resolve against it). */
  readonly base: URL;
  readonly doc: SsiDocumentUrl;
  /** nginx's `ctx->output`, `ctx->output_chosen`, `ctx->conditional` and `ctx->block`. */
  output: boolean;
  chosen: boolean;
  conditional: 0 | 1 | 2;
  inBlock: boolean;
  /** The block being defined (commands and bytes go into it until `endblock`). */
  block: { name: string; items: BlockItem[] } | undefined;
  encoding: 'none' | 'url' | 'entity';
  errmsg: string;
  timefmt: string;
  /** Evaluate what follows only after `until` settles (`include … set=` / `wait="yes"`). */
  waitFor(until: Promise<unknown>): void;
  /** A block's content run as its own document at `url` (nginx outputs a stub in the subrequest). */
  replayBlock(items: readonly BlockItem[], url: URL): Promise<Buffer>;
}
