import type { Edge } from '../config/types.js';
import { looksLikeMarkup, varnishInvalidSrc } from './esi/varnish.js';

/**
 * One edge's composition rules, as a profile of the one engine: what the dialects ask where
 * edges differ. Built once per `edge` value (`edgeRules`); the engine and the dialect modules
 * read it, and nothing else in compose/ looks at the config's `edge`.
 *
 * Without `edge`, each dialect follows its usual edge: SSI as nginx's SSI module, ESI as the
 * ESI 1.0 language, Tailor markup as Tailor.
 */
export interface EdgeRules {
  /** The config's `edge` (undefined: each dialect's usual edge). */
  readonly edge: Edge | undefined;
  /** Includes nested deeper than this are not followed. */
  readonly maxDepth: number;
  /**
   * Whether a fragment's answer (or the page, for `fragment === false`) is composed at all, from
   * its Content-Type and first bytes; otherwise its bytes are copied as they are.
   */
  processes(contentType: string | undefined, body: Buffer, fragment: boolean): boolean;
  readonly ssi: SsiRules;
  readonly esi: EsiRules;
}

export interface SsiRules {
  /**
   * nginx's SSI filter changes the headers of every page it runs on (`edge: 'nginx'`); without
   * it, only a page whose first chunk has an SSI command is taken to speak SSI.
   */
  readonly headersOnEveryPage: boolean;
  /**
   * A comment that looks like a command but names none: nginx prints its errmsg (`'error'`);
   * otherwise it stays the comment it was (`'text'`), so pages built by other tools come out
   * byte for byte.
   */
  readonly unknownCommands: 'error' | 'text';
}

export interface EsiRules {
  /**
   * The ESI elements beyond include, remove, comment and `<!--esi`: `'evaluate'` (ESI 1.0:
   * choose, try, vars, …) or `'drop-tags'` (Varnish: their tags left out, their content kept).
   */
  readonly blocks: 'evaluate' | 'drop-tags';
  /** A comparison with an empty operand is false (the W3C note); Fastly compares the empty string. */
  readonly emptyIsFalse: boolean;
  /** Why this edge drops an include with this `src`, if it does. */
  readonly invalidSrc: ((src: string) => string | undefined) | undefined;
}

/** Nesting deeper than this is reported instead of followed (production edges stop at ~5–10). */
export const MAX_INCLUDE_DEPTH = 10;

const everything = () => true;

function profile(edge: Edge | undefined): EdgeRules {
  const varnish = edge === 'varnish';
  return {
    edge,
    maxDepth: MAX_INCLUDE_DEPTH,
    // Varnish's "XML check": a body whose first non-whitespace byte is not `<` is not processed.
    processes: varnish ? (_type, body) => looksLikeMarkup(body) : everything,
    ssi: {
      headersOnEveryPage: edge === 'nginx',
      unknownCommands: edge === 'nginx' ? 'error' : 'text',
    },
    esi: {
      blocks: varnish ? 'drop-tags' : 'evaluate',
      emptyIsFalse: edge !== 'fastly',
      invalidSrc: varnish ? varnishInvalidSrc : undefined,
    },
  };
}

const profiles = new Map<Edge | undefined, EdgeRules>();

/** The rules of `edge`, built once per value and shared by every page. */
export function edgeRules(edge: Edge | undefined): EdgeRules {
  let rules = profiles.get(edge);
  if (!rules) {
    rules = Object.freeze(profile(edge));
    profiles.set(edge, rules);
  }
  return rules;
}
