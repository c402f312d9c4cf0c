import { setMaxListeners } from 'node:events';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Edge, FragmentMode, ResolvedFragment } from '../config/types.js';
import type { Agents } from '../http/agents.js';
import type { ComposeEvents, FragmentEnd, PageInfo } from './events.js';
import type { FragmentMatcher } from '../config/fragment-match.js';
import { edgeRules, type EdgeRules } from './edge-rules.js';
import type { IncludePolicy } from './include-policy.js';
import type { SsiPageState } from './ssi/variables.js';
import { PageArena } from './page-arena.js';

/**
 * The state of one page being composed. Created by `createPageContext` when composition starts
 * and changed only by the engine (compose/): the page's charset once known, each fragment's
 * result, whether anything local was served.
 */
export interface PageContext {
  page: PageInfo;
  matchFragment: FragmentMatcher;
  modes: ReadonlyMap<string, FragmentMode>;
  /** Headers for every fragment request (forwarded from the browser, plus presets'). */
  fragmentHeaders: OutgoingHttpHeaders;
  /** The page's URL on upstream (relative includes resolve against it). */
  pageUrl: URL;
  /** Canonical charset of the page; fragments are transcoded into it. */
  charset: string | undefined;
  agents: Agents;
  events: ComposeEvents;
  /** Hands a shadowed fragment to shadow/ (see `ShadowFragment`); none: shadow mode only serves production. */
  shadowFragment: ShadowFragment | undefined;
  /** Where includes may be fetched from, and with or without the browser's cookies. */
  includePolicy: IncludePolicy;
  /** Decompressed bytes one fragment may have (`maxFragmentSize`). */
  maxFragmentBytes: number;
  /** Aborted when the browser goes away: every fragment request of the page is cancelled. */
  cancel: PageCancel;
  /** Every fragment resolved for this page, in completion order (feeds Server-Timing). */
  results: FragmentEnd[];
  /** Where the page's fragment bytes wait for their turn (given back when the response has finished). */
  arena: PageArena;
  /** Set once a fragment of this page is served or shadowed from a local service. */
  overridden: boolean;
  /** The rules of the config's `edge`, where edges differ (one profile per edge, shared by every page). */
  rules: EdgeRules;
  /** The config's `diagnostics`: `false` leaves out mfe-dev's own comments about failed includes. */
  diagnostics: boolean;
  /** The page request's headers as production received them (`$http_NAME`, `$cookie_NAME` in SSI). */
  pageHeaders: IncomingHttpHeaders | undefined;
  /** The browser's address (`$remote_addr` in SSI). */
  remoteAddress: string | undefined;
  /** The page request's protocol, `HTTP/1.1` (`$server_protocol` in SSI). */
  pageProtocol?: string;
  /** SSI variables, captures and blocks of this page, once it uses SSI commands. */
  ssi?: SsiPageState;
  /** Names of the cookies active presets add to `fragmentHeaders` (they reach even Tailor fragments). */
  presetCookieNames?: readonly string[];
  /** A traced page (`serve`): the `traceparent` of a new span for one fragment request. */
  traceFragment?: TraceFragment;
  /** Names (lower case) of the headers active presets add to `fragmentHeaders` (they reach even Tailor fragments). */
  presetHeaderNames?: readonly string[];
  /** Non-prod fragments with a `selector`, by selector: their elements are found in composed pages. */
  selectorFragments?: ReadonlyMap<string, ResolvedFragment>;
  /** The nonce production's policy lets page scripts run by: local fragments' scripts carry it (`script-nonce.ts`). */
  scriptNonce?: string;
}

export type TraceFragment = (page: PageInfo, url: string, name: string | undefined) => string;

/** What the engine is given about a page before composing it. */
export interface PageContextOptions {
  page: PageInfo;
  matchFragment: FragmentMatcher;
  modes: ReadonlyMap<string, FragmentMode>;
  fragmentHeaders: OutgoingHttpHeaders;
  pageUrl: URL;
  agents: Agents;
  events: ComposeEvents;
  shadowFragment?: ShadowFragment;
  includePolicy: IncludePolicy;
  maxFragmentBytes: number;
  /** The config's `edge`: whose rules apply where edges differ (undefined: each dialect's usual edge). */
  edge?: Edge;
  /** See {@link PageContext.diagnostics}. @default true */
  diagnostics?: boolean;
  pageHeaders?: IncomingHttpHeaders;
  remoteAddress?: string;
  pageProtocol?: string;
  presetCookieNames?: readonly string[];
  traceFragment?: TraceFragment;
  presetHeaderNames?: readonly string[];
  /** See {@link PageContext.scriptNonce}. */
  scriptNonce?: string;
}

/** A shadowed fragment, as production's edge would request it. */
export interface ShadowRequest {
  page: PageInfo;
  name: string;
  /** The fragment's URL on production (for a pre-composed page: the page's URL). */
  prodUrl: URL;
  /** The same path and query on the local service. */
  localUrl: URL;
  /** Headers of production's fragment request: forwarded from the browser, presets', cookies. */
  headers: OutgoingHttpHeaders;
  timeoutMs: number;
  /** For a page production composed already: compare the element this CSS selector matches. */
  extract?: string;
}

/**
 * Shadow comparison is not compose's job: the engine only says which fragment of which page is
 * shadowed; shadow/ asks production and the local service itself, in the background, so the
 * page is served as it would be in `prod` mode and never waits. Must return at once, never throw.
 */
export type ShadowFragment = (request: ShadowRequest) => void;

/**
 * The page's cancellation: its `AbortSignal` is made when a fragment request first asks for it,
 * so a page without fragments (most pages a browser loads through the gateway) makes none.
 */
export class PageCancel {
  private controller: AbortController | undefined;
  private aborted = false;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      // One listener per fragment in flight: a page may have hundreds, none of them a leak.
      setMaxListeners(0, this.controller.signal);
      if (this.aborted) this.controller.abort();
    }
    return this.controller.signal;
  }

  abort(): void {
    this.aborted = true;
    this.controller?.abort();
  }
}

export function createPageContext(options: PageContextOptions): PageContext {
  const cancel = new PageCancel();
  return {
    page: options.page,
    matchFragment: options.matchFragment,
    modes: options.modes,
    fragmentHeaders: options.fragmentHeaders,
    pageUrl: options.pageUrl,
    charset: undefined,
    agents: options.agents,
    events: options.events,
    shadowFragment: options.shadowFragment,
    includePolicy: options.includePolicy,
    maxFragmentBytes: options.maxFragmentBytes,
    cancel,
    results: [],
    arena: new PageArena(),
    overridden: false,
    rules: edgeRules(options.edge),
    diagnostics: options.diagnostics ?? true,
    pageHeaders: options.pageHeaders,
    remoteAddress: options.remoteAddress,
    pageProtocol: options.pageProtocol,
    presetCookieNames: options.presetCookieNames,
    traceFragment: options.traceFragment,
    presetHeaderNames: options.presetHeaderNames,
    scriptNonce: options.scriptNonce,
  };
}
