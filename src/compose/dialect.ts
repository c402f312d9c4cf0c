import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Marker } from '../html/scan-page.js';
import type { EdgeRules } from './edge-rules.js';
import type { FragmentInfo } from './events.js';
import type { IncludeSite } from './include-site.js';
import type { PageContext } from './page-context.js';

/**
 * The one interface every dialect (SSI, ESI, Tailor, pre-composed elements) implements, and the
 * engine it is handed. The engine (engine.ts) owns what is common to all includes — the URL,
 * loops and depth, the fragment's mode, the request, nested composition, fallbacks, events —
 * and asks the dialect, through this interface, for what differs: which markers are its own,
 * what the page's first bytes tell it, what a marker becomes, how its includes are requested
 * and what replaces one that failed. Edge differences come from the page's `EdgeRules`.
 */

/** What a document outputs: bytes now, or bytes later (an include in flight). */
export type Part = Buffer | Promise<Buffer>;

/** The markers that request a fragment. */
export type IncludeMarker = Extract<Marker, { type: 'ssi' | 'esi-include' | 'tailor' }>;

/** What one include came to. */
export interface IncludeOutcome {
  bytes: Buffer;
  /**
   * Whether production's fragment (or its fallback) was served. A local fragment always counts
   * as served (its failure is the developer's box, and the page keeps production's status).
   */
  served: boolean;
}

/** Production's answer to an include (status and headers), once had. */
export type OnResponse = (response: { status: number; headers: IncomingHttpHeaders }) => void;

/** One include to follow. */
export interface IncludeRequest {
  marker: IncludeMarker;
  /** The marker's source bytes (a paired Tailor `<fragment>` may hold nested ones). */
  raw?: Buffer;
  /** Told production's answer (a Tailor primary fragment gives the page its status). */
  onResponse?: OnResponse;
  /** Told the headers of the answer that was used: production's, its fallback's or the local service's. */
  onAnswer?: (headers: IncomingHttpHeaders) => void;
}

/** How one include's requests are made: the headers, which statuses count, who hears the answer. */
export interface FetchPolicy {
  headers: OutgoingHttpHeaders;
  /** Which statuses are the fragment (default: 2xx). */
  acceptStatus?: (status: number) => boolean;
  onResponse?: OnResponse;
  /** See {@link IncludeRequest.onAnswer}. */
  onAnswer?: (headers: IncomingHttpHeaders) => void;
}

/** What replaces an include that production could not give (after its fallback, if any). */
export interface IncludeFailure {
  bytes: Buffer | string;
  /** For the `fragment:fallback` event: `'continue'`, `'error-text'`, `'comment'`… */
  fallback: string;
}

/** What the engine gives a dialect, for one page. */
export interface Engine {
  readonly ctx: PageContext;
  readonly rules: EdgeRules;
  /** Resolve the markers inside a document (a fragment, a block's content) sitting at `site`. */
  compose(body: Buffer, site: IncludeSite): Promise<Buffer>;
  /** Bytes for one marker at `site`, by its dialect. */
  replace(site: IncludeSite, marker: Marker, raw: Buffer): Part;
  /** Follow one include as the edge would: modes, request, nested includes, the dialect's failure rule. Never rejects. */
  include(site: IncludeSite, request: IncludeRequest): Promise<IncludeOutcome>;
  /** A local service's answer for `url`, or the developer's error box naming it. */
  fetchLocal(info: FragmentInfo, url: URL, timeoutMs: number, site: IncludeSite): Promise<Buffer>;
  /** mfe-dev's comment about a failed include (empty with `diagnostics: false`). */
  note(src: string, reason: string): string;
  /** `DEBUG=mfe-dev:compose` lines, when on. */
  readonly trace: ((message: string) => void) | undefined;
}

/** One composition language. */
export interface Dialect<M extends Marker = Marker> {
  readonly name: 'ssi' | 'esi' | 'tailor' | 'selector';
  /** The scanner's markers this dialect resolves. */
  readonly markers: readonly M['type'][];
  /**
   * What the page's first bytes tell this dialect. `mayHaveMarkers` is false when the page
   * scanner found no place in them where a marker could begin (then no search is needed).
   */
  firstBytes?(chunk: Buffer, rules: EdgeRules, mayHaveMarkers: boolean): PageStart;
  /** The bytes that replace one of its markers at `site`. */
  resolve(engine: Engine, site: IncludeSite, marker: M, raw: Buffer): Part;
  /** How one of its includes is requested. */
  request?(engine: Engine, marker: IncludeMarker, onResponse: OnResponse | undefined): FetchPolicy;
  /** Where one of its includes is fetched from when production's answer failed, if anywhere. */
  fallbackSrc?(marker: IncludeMarker): string | undefined;
  /** What replaces one of its includes that failed, fallback included. */
  failure?(engine: Engine, marker: IncludeMarker, reason: string): IncludeFailure;
}

/** What the first bytes of a page tell the dialects. */
export interface PageStart {
  /** The page speaks SSI: nginx's SSI filter changes its headers. */
  ssiHeaders?: boolean;
  /** The page is left as it is (Varnish's XML check). */
  untouched?: boolean;
  /** A Tailor primary fragment decides the page's status: the head waits for it. */
  holdForPrimary?: boolean;
}
