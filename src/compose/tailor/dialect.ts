import type { IncomingHttpHeaders } from 'node:http';
import type { Marker } from '../../html/scan-page.js';
import type { Dialect, Engine, IncludeFailure, IncludeOutcome, IncludeRequest } from '../dialect.js';
import type { IncludeSite } from '../include-site.js';
import { tailorFragmentHeaders } from './fragment-headers.js';
import { asyncPlaceholder, fragmentAssets, wrapFragment } from './pipe.js';

/**
 * Tailor's markup as a dialect of the engine: `<fragment src …>` and `<script type="fragment">`,
 * requested with the headers Tailor sends; any answer below 500 is the fragment; `fallback-src`
 * is tried when production's answer fails. A `primary` fragment in the first chunk makes the
 * page's head wait for it (its status becomes the page's).
 */

type TailorMarker = Extract<Marker, { type: 'tailor' }>;

/** A Tailor `primary` fragment (or `<script type="fragment" primary>`) in the first chunk of a page (Tailor templates put it early). */
const PRIMARY_FRAGMENT = /<(?:fragment\s|script\s[^>]*\bfragment\b)[^>]*\bprimary\b/i;

/** Tailor counts any answer below 500 as the fragment (requestFragment rejects only on >= 500). */
const acceptStatus = (status: number) => status >= 200 && status < 500;

export const tailorDialect: Dialect<TailorMarker> = {
  name: 'tailor',
  markers: ['tailor'],
  firstBytes(chunk, _rules, mayHaveMarkers) {
    return { holdForPrimary: mayHaveMarkers && chunk.indexOf('primary', 0, 'latin1') >= 0 && PRIMARY_FRAGMENT.test(chunk.toString('latin1')) };
  },
  resolve(engine, site, marker, raw) {
    return includeTailor(engine, site, { marker, raw }).then(({ bytes }) => bytes);
  },
  request({ ctx }, marker, onResponse) {
    const attributes = marker.type === 'tailor' ? marker.attributes : {};
    return { headers: tailorFragmentHeaders(ctx.fragmentHeaders, ctx.pageUrl, attributes, { cookieNames: ctx.presetCookieNames, headerNames: ctx.presetHeaderNames }), acceptStatus, onResponse };
  },
  fallbackSrc: (marker) => (marker.type === 'tailor' ? marker.fallbackSrc : undefined),
  failure(engine, marker, reason): IncludeFailure {
    return { bytes: engine.note(marker.src, reason), fallback: 'comment' };
  },
};

/**
 * One Tailor fragment. node-tailor renders a paired `<fragment>`'s children after the fragment
 * itself, as they are written — text and elements kept, nested fragments fetched in their place.
 */
export function includeTailor(engine: Engine, site: IncludeSite, { raw, ...request }: IncludeRequest & { raw: Buffer }): Promise<IncludeOutcome> {
  // The request goes on without `raw`, a view of the page's read: an include in flight (its
  // async frame keeps its arguments) would keep the whole read alive, into the old generation.
  const own = engine.rules.tailorPipe ? piped(engine, site, request) : engine.include(site, request);
  const children = childrenOf(raw);
  if (children.length === 0) return own;
  return Promise.all([own, engine.compose(children, site)]).then(([outcome, rendered]) => ({ ...outcome, bytes: Buffer.concat([outcome.bytes, rendered]) }));
}

/** The bytes between a paired `<fragment …>`'s open tag and its `</fragment>` (none for a self-closing one). */
function childrenOf(raw: Buffer): Buffer {
  let quote = 0;
  let openEnd = -1;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) quote = c;
    else if (c === 0x3e) {
      openEnd = i + 1;
      break;
    }
  }
  if (openEnd < 0 || raw[openEnd - 2] === 0x2f) return EMPTY;
  const close = /<\/fragment\s*>$/i.exec(raw.toString('latin1', openEnd));
  return close ? withoutStrayEndTags(raw.subarray(openEnd, openEnd + close.index)) : EMPTY;
}

const TAG = /<(\/?)([A-Za-z][^\s/>]*)[^>]*>/g;

/** Tailor parses its template as HTML (parse5): an end tag that closes nothing opened there is dropped. */
function withoutStrayEndTags(children: Buffer): Buffer {
  const text = children.toString('latin1');
  if (!text.includes('</')) return children;
  const open = new Map<string, number>();
  const kept = text.replace(TAG, (tag, slash: string, rawName: string) => {
    const name = rawName.toLowerCase();
    if (!slash) {
      if (!tag.endsWith('/>')) open.set(name, (open.get(name) ?? 0) + 1);
      return tag;
    }
    const count = open.get(name) ?? 0;
    if (count === 0) return '';
    open.set(name, count - 1);
    return tag;
  });
  return kept.length === text.length ? children : Buffer.from(kept, 'latin1');
}

const EMPTY = Buffer.alloc(0);

const indexes = new WeakMap<Engine['ctx'], number>();

/**
 * One fragment as Tailor writes it for its page runtime: its stylesheet, `Pipe.start`, the
 * content, `Pipe.end` (tailor/pipe.ts), numbered in document order; a fragment that failed
 * (fallback too) is left out, as Tailor leaves it.
 */
async function piped(engine: Engine, site: IncludeSite, request: IncludeRequest): Promise<IncludeOutcome> {
  const index = indexes.get(engine.ctx) ?? 0;
  indexes.set(engine.ctx, index + 1);
  let headers: IncomingHttpHeaders | undefined;
  const attributes = request.marker.type === 'tailor' ? request.marker.attributes : {};
  const wrapped = engine.include(site, { ...request, onAnswer: (answer) => (headers = answer) }).then((outcome) =>
    outcome.served ? { bytes: wrapFragment(outcome.bytes, index, fragmentAssets(headers), attributes), served: true } : outcome,
  );
  if (!Object.hasOwn(attributes, 'async')) return wrapped;
  // Tailor writes an async fragment at the end of <body>, in the order they finish.
  const finished = asyncFragments(engine.ctx);
  finished.pending.push(wrapped.then(({ bytes }) => void finished.done.push(bytes)));
  return { bytes: asyncPlaceholder(index), served: true };
}

/** A page's `async` Tailor fragments: settled when all are, their bytes in the order they finished. */
export interface AsyncFragments {
  pending: Promise<void>[];
  done: Buffer[];
}

const asyncByPage = new WeakMap<Engine['ctx'], AsyncFragments>();

export function asyncFragments(ctx: Engine['ctx']): AsyncFragments {
  let list = asyncByPage.get(ctx);
  if (!list) {
    list = { pending: [], done: [] };
    asyncByPage.set(ctx, list);
  }
  return list;
}
