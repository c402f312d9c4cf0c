import { EventEmitter } from 'node:events';
import type { FragmentMode } from '../config/types.js';

/**
 * The lifecycle of a composed page, as a typed set of events. The terminal's page line, the
 * `Server-Timing` header and the dev page are all built from these, so they never disagree.
 *
 * | event              | when                                                          |
 * | ------------------ | ------------------------------------------------------------- |
 * | `page:start`       | upstream answered with HTML that will be composed             |
 * | `fragment:start`   | a fragment request was sent                                   |
 * | `fragment:end`     | a fragment's bytes are ready (from its source or a fallback)  |
 * | `fragment:error`   | a fragment request failed (refused, timeout, HTTP ≥ 400…)     |
 * | `fragment:fallback`| a failed production fragment is replaced by its dialect's fallback |
 * | `directive`        | a directive of the edge's language was evaluated (SSI `if`, `set`, …) |
 * | `shadow:result`    | a shadowed fragment's local answer was compared with production's |
 * | `page:end`         | the last byte of the page was written                         |
 */
export interface PageInfo {
  id: number;
  /** Path and query as the browser asked (overrides included). */
  url: string;
  method: string;
}

export interface FragmentInfo {
  page: PageInfo;
  /** Configured fragment name, or undefined for an include that is not in the config. */
  name: string | undefined;
  mode: FragmentMode;
  /** The include's src (or the fragment's configured src for selector mode). */
  src: string;
  /** The URL requested. */
  url: string;
  /** Nesting depth: 0 for includes in the page itself. */
  depth: number;
}

export interface FragmentEnd extends FragmentInfo {
  status: number;
  durationMs: number;
  /** When the request was sent (`performance.now()` of the gateway's process). */
  startedAt?: number;
  /** True when the bytes served are a fallback or an error box rather than the fragment. */
  failed: boolean;
  /** Why it failed (`connection refused`, `timed out after 3000 ms`, `HTTP 503`…), when it did. */
  reason?: string;
}

export interface FragmentError extends FragmentInfo {
  reason: string;
  durationMs: number;
}

export interface FragmentFallback extends FragmentInfo {
  /** What replaced it: the fallback URL, `'continue'`, `'error-text'`, `'error-box'`, `'comment'`. */
  fallback: string;
}

export interface ShadowResult {
  page: PageInfo;
  name: string;
  prodUrl: string;
  localUrl: string;
  equal: boolean;
  /** A short human-readable summary of the difference (empty when equal). */
  summary: string;
  /** The first differing lines, `-` production and `+` local. */
  diff: string[];
  error?: string;
}

export interface DirectiveInfo {
  page: PageInfo;
  dialect: 'ssi' | 'esi';
  /** What it did, for a person: `if "$arg_x" → true`, `set v = "a"`. Control characters escaped. */
  text: string;
}

export interface PageEnd {
  page: PageInfo;
  status: number;
  durationMs: number;
  /** When the page's head was written, in ms from its start (absent when it never was). */
  firstByteMs?: number;
  fragments: FragmentEnd[];
}

export interface ComposeEventMap {
  'page:start': [PageInfo];
  'fragment:start': [FragmentInfo];
  'fragment:end': [FragmentEnd];
  'fragment:error': [FragmentError];
  'fragment:fallback': [FragmentFallback];
  'shadow:result': [ShadowResult];
  directive: [DirectiveInfo];
  'page:end': [PageEnd];
}

export class ComposeEvents extends EventEmitter<ComposeEventMap> {}
