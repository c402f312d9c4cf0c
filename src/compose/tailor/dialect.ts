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
  firstBytes(chunk) {
    return { holdForPrimary: chunk.indexOf('primary', 0, 'latin1') >= 0 && PRIMARY_FRAGMENT.test(chunk.toString('latin1')) };
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
 * One Tailor fragment. Tailor flattens `<fragment>`s written inside a `<fragment>`'s content:
 * they are rendered after it, as siblings (its other content is dropped).
 */
export async function includeTailor(engine: Engine, site: IncludeSite, request: IncludeRequest & { raw: Buffer }): Promise<IncludeOutcome> {
  const own = engine.rules.tailorPipe ? piped(engine, site, request) : engine.include(site, request);
  const source = request.raw.toString('latin1');
  const inner = source.slice(source.indexOf('>') + 1).replace(/<\/fragment\s*>$/i, '');
  if (!/<fragment/i.test(inner)) return own;
  const nested = engine.compose(Buffer.from(inner.replace(/<\/?(?!fragment\b)[^>]*>|[^<]+/gi, ''), 'latin1'), site);
  const [outcome, more] = await Promise.all([own, nested]);
  return outcome.served ? { bytes: Buffer.concat([outcome.bytes, more]), served: true } : outcome;
}

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
