import type { Edge } from '../config/types.js';
import type { ScanOptions } from '../html/scan-page.js';
import { looksLikeMarkup, varnishInvalidSrc } from './esi/varnish.js';
import { rememberLast } from '../remember-last.js';

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
   * Whether an include that repeats one of the documents that led to it is followed (Varnish
   * follows it, down to `maxDepth`) or reported as a loop.
   */
  readonly followsLoops: boolean;
  /**
   * Whether a fragment's answer (or the page, for `fragment === false`) is composed at all, from
   * its Content-Type and first bytes; otherwise its bytes are copied as they are.
   */
  processes(contentType: string | undefined, body: Buffer, fragment: boolean): boolean;
  readonly ssi: SsiRules;
  /** Fragment media types whose markers are processed (nginx's `ssi_types`); undefined: every answer. */
  readonly fragmentTypes: readonly string[] | undefined;
  readonly esi: EsiRules;
  /** Whether fragments are written with Tailor's page runtime around them (tailor/pipe.ts). */
  readonly tailorPipe: boolean;
  /** How documents are scanned for markers (Varnish: by its own ESI parser, nothing else). */
  readonly scan: Readonly<ScanOptions>;
}

export interface SsiRules {
  /**
   * A fragment's answer is included whatever its status (nginx includes a 404 page or an empty
   * 500, SSI processed); only a failed exchange (refused, reset, timeout) leaves the errmsg.
   */
  readonly anyStatus: boolean;
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
  /** Whether `alt` is fetched when `src` fails (Varnish ignores `alt`). */
  readonly alt: boolean;
  /**
   * Which answers are the fragment: `'2xx'` (the ESI note: anything else fails the include) or
   * `'any'` (Varnish 7.1 includes the body of whatever it got, ESI processed, 404 and 500 alike).
   */
  readonly statuses: '2xx' | 'any';
}

/** Nesting deeper than this is reported instead of followed (production edges stop at ~5–10). */
export const MAX_INCLUDE_DEPTH = 10;
/** Varnish's `max_esi_depth` default: a sixth level of includes is silently dropped. */
export const VARNISH_MAX_ESI_DEPTH = 5;

/** The Content-Types Varnish is told to run ESI on (`do_esi` for HTML, as its docs set it). */
const HTML_TYPE = /^\s*text\/html\b/i;

const everything = () => true;

/** The media type is `text/html` (parameters aside), as nginx's `ssi_types` compares it (the last type asked about is remembered). */
const isHtmlType = rememberLast((contentType) => contentType.split(';')[0].trim().toLowerCase() === 'text/html');
const isHtml = (contentType: string | undefined): boolean => contentType !== undefined && isHtmlType(contentType);

function profile(edge: Edge | undefined): EdgeRules {
  const varnish = edge === 'varnish';
  return {
    edge,
    maxDepth: varnish ? VARNISH_MAX_ESI_DEPTH : MAX_INCLUDE_DEPTH,
    followsLoops: varnish,
    // Varnish runs ESI on HTML answers (`do_esi` where the Content-Type is text/html), and its
    // "XML check" leaves a body whose first non-whitespace byte is not `<` as it is; nginx
    // processes only `ssi_types` (text/html by default): JSON, CSS, text, XHTML are copied.
    processes: varnish
      ? (type, body, fragment) => (!fragment || (type !== undefined && HTML_TYPE.test(type))) && looksLikeMarkup(body)
      : edge === 'nginx'
        ? (type, _body, fragment) => !fragment || isHtml(type)
        : everything,
    fragmentTypes: edge === 'nginx' || varnish ? ['text/html'] : undefined,
    scan: varnish ? { esi: 'varnish' } : edge === 'nginx' ? { ssi: 'nginx' } : {},
    tailorPipe: edge === 'tailor',
    ssi: {
      anyStatus: true,
      headersOnEveryPage: edge === 'nginx',
      unknownCommands: edge === 'nginx' ? 'error' : 'text',
    },
    esi: {
      blocks: varnish ? 'drop-tags' : 'evaluate',
      emptyIsFalse: edge !== 'fastly',
      invalidSrc: varnish ? varnishInvalidSrc : undefined,
      alt: !varnish,
      statuses: varnish ? 'any' : '2xx',
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
