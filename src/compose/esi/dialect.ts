import type { Marker } from '../../html/scan-page.js';
import type { Dialect, Engine, IncludeFailure, Part } from '../dialect.js';
import { inScope, type IncludeSite } from '../include-site.js';
import { evaluateEsiBlock } from './evaluate.js';
import { interpolate } from './expression.js';
import { esiRequest, type EsiRequest } from './variables.js';
import { varnishUnknownBlock } from './varnish.js';

/**
 * ESI as a dialect of the engine: `<esi:include>` (variables in `src` and `alt`, the edge's URL
 * rules, a failure marks the enclosing `<esi:attempt>`), `<esi:remove>`, `<!--esi … -->`, and
 * the blocks (choose, try, vars, text, comment, assign) evaluated as ESI 1.0 or, where the edge
 * does not know them, with their tags dropped. `alt` is tried when production's answer fails;
 * then `onerror="continue"` leaves nothing.
 */

type EsiMarker = Extract<Marker, { type: 'esi-include' | 'esi-remove' | 'esi-comment' | 'esi-block' }>;
type EsiInclude = Extract<Marker, { type: 'esi-include' }>;

const EMPTY = Buffer.alloc(0);

export const esiDialect: Dialect<EsiMarker> = {
  name: 'esi',
  markers: ['esi-include', 'esi-remove', 'esi-comment', 'esi-block'],
  firstBytes(chunk, rules) {
    return { untouched: !rules.processes(undefined, chunk, false) };
  },
  resolve(engine, site, marker, raw) {
    switch (marker.type) {
      case 'esi-include':
        return resolveEsiInclude(engine, site, marker);
      case 'esi-remove':
        return EMPTY;
      case 'esi-comment':
        return engine.compose(marker.inner, site);
      case 'esi-block':
        return resolveBlock(engine, site, marker, raw);
    }
  },
  request({ ctx, rules }, _marker, onResponse) {
    // One shape for every include (a conditional spread would make a dictionary-mode object each time).
    return { headers: ctx.fragmentHeaders, onResponse, acceptStatus: rules.esi.statuses === 'any' ? anyStatus : undefined };
  },
  fallbackSrc: (marker) => (marker.type === 'esi-include' ? marker.alt : undefined),
  failure(engine, marker, reason): IncludeFailure {
    if (marker.type === 'esi-include' && marker.onerror === 'continue') return { bytes: EMPTY, fallback: 'continue' };
    return { bytes: engine.note(marker.src, reason), fallback: 'comment' };
  },
};

function resolveBlock(engine: Engine, site: IncludeSite, marker: Extract<Marker, { type: 'esi-block' }>, raw: Buffer): Part {
  if (engine.rules.esi.blocks === 'drop-tags') {
    // Varnish ignores ESI elements it does not know (see varnishUnknownBlock).
    if (marker.tag === 'comment') return EMPTY;
    engine.trace?.(`<esi:${marker.tag}> is not Varnish ESI: its tags are dropped, its content kept`);
    return engine.compose(varnishUnknownBlock(raw), site);
  }
  return evaluateEsiBlock(marker.tag, raw, {
    request: esiRequestOf(engine),
    compose: (bytes, attempt) => engine.compose(bytes, inScope(site, attempt)),
    scope: site.scope,
    emptyIsFalse: engine.rules.esi.emptyIsFalse,
    trace: engine.trace,
    tooDeep: (reason) => Buffer.from(engine.note(`<esi:${marker.tag}>`, reason), 'utf8'),
  });
}

/** Varnish 7.1 includes whatever it got (its `esi_include_onerror` came with 7.3). */
const anyStatus = () => true;

function resolveEsiInclude(engine: Engine, site: IncludeSite, written: EsiInclude): Part {
  let marker = withEsiVariables(engine, written);
  if (!engine.rules.esi.alt && marker.alt !== undefined) {
    engine.trace?.(`<esi:include src="${marker.src}">: alt="${marker.alt}" ignored, as Varnish ignores it`);
    marker = { ...marker, alt: undefined };
  }
  const invalid = engine.rules.esi.invalidSrc?.(marker.src);
  if (invalid) {
    engine.trace?.(`<esi:include src="${marker.src}"> dropped as Varnish does: ${invalid}`);
    return Buffer.from(engine.note(marker.src, `dropped as Varnish does: ${invalid}`), 'utf8');
  }
  const { scope } = site;
  return engine.include(site, { marker }).then(({ bytes, served }) => {
    if (scope && !served && marker.onerror !== 'continue') {
      scope.failed = true;
      scope.reason ??= `include ${marker.src} failed`;
    }
    return bytes;
  });
}

const requests = new WeakMap<Engine['ctx'], EsiRequest>();

/** The request as ESI variables see it (built once per page). */
function esiRequestOf({ ctx }: Engine): EsiRequest {
  let request = requests.get(ctx);
  if (!request) {
    request = esiRequest(ctx.pageUrl, ctx.fragmentHeaders);
    requests.set(ctx, request);
  }
  return request;
}

function withEsiVariables(engine: Engine, marker: EsiInclude): EsiInclude {
  if (!marker.src.includes('$') && !marker.alt?.includes('$')) return marker;
  const request = esiRequestOf(engine);
  const resolved = { ...marker, src: interpolate(marker.src, request) };
  if (marker.alt !== undefined) resolved.alt = interpolate(marker.alt, request);
  engine.trace?.(`<esi:include src="${marker.src}"> → ${resolved.src}`);
  return resolved;
}
