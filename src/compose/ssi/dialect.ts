import type { Marker, ScanPart } from '../../html/scan-page.js';
import { decodeSourceText } from '../../html/marker-attributes.js';
import { escapeControlChars } from '../../http/control-chars.js';
import type { Dialect, Engine, IncludeFailure, OnResponse } from '../dialect.js';
import type { EdgeRules } from '../edge-rules.js';
import { SSI_ERROR_TEXT } from '../error-box.js';
import { onUpstream, type IncludeSite } from '../include-site.js';
import { evaluateDocument } from './document.js';
import type { SsiEnv } from './types.js';
import { SsiPageState, type SsiRequestInfo } from './variables.js';

/**
 * nginx's SSI as a dialect of the engine: `<!--#include virtual|file -->` markers, and every
 * other command evaluated by the document evaluator (document.ts) in document order; an include
 * production could not give leaves the `errmsg`.
 */

/** A command of nginx's SSI (after `<!--#` and any whitespace): the page speaks SSI, and nginx's filter changes its headers. */
const SSI_COMMAND_NAME = /^(?:include|echo|config|set|if|elif|else|endif|block|endblock)[\s-]/;
/** What `\s` matches in latin1 text: tab, LF, VT, FF, CR, space, no-break space. */
const isSpace = (b: number) => (b >= 0x09 && b <= 0x0d) || b === 0x20 || b === 0xa0;

/**
 * Whether `chunk` has `<!--#`, any whitespace, then a command name: looked at where `<!--#` is,
 * a few bytes at a time (the chunk is never made a string: it may be 64 KiB).
 */
function hasSsiCommand(chunk: Buffer): boolean {
  for (let at = chunk.indexOf('<!--#'); at !== -1; at = chunk.indexOf('<!--#', at + 5)) {
    let name = at + 5;
    while (name < chunk.length && isSpace(chunk[name])) name++;
    if (SSI_COMMAND_NAME.test(chunk.toString('latin1', name, name + 9))) return true;
  }
  return false;
}

const anyStatus = () => true;

type SsiMarker = Extract<Marker, { type: 'ssi' | 'ssi-command' }>;

export const ssiDialect: Dialect<SsiMarker> = {
  name: 'ssi',
  markers: ['ssi', 'ssi-command'],
  firstBytes(chunk: Buffer, rules: EdgeRules, mayHaveMarkers: boolean) {
    return { ssiHeaders: rules.ssi.headersOnEveryPage || (mayHaveMarkers && hasSsiCommand(chunk)) };
  },
  resolve(engine, site, marker, raw) {
    // A lone command outside a document (cannot happen: documents take them) stays as written.
    if (marker.type === 'ssi-command') return raw;
    return engine.include(site, { marker }).then((outcome) => outcome.bytes);
  },
  request({ ctx, rules }, _marker, onResponse) {
    return { headers: ctx.fragmentHeaders, acceptStatus: rules.ssi.anyStatus ? anyStatus : undefined, onResponse };
  },
  failure(engine, marker, reason): IncludeFailure {
    return { bytes: SSI_ERROR_TEXT + engine.note(marker.src, reason), fallback: 'error-text' };
  },
};

/**
 * What the SSI language needs from the engine for documents at `site` (the page: depth 0): the
 * page's shared SSI state, includes resolved like any other (modes, fallbacks, nesting), debug lines.
 */
export function ssiEnv(engine: Engine, site: IncludeSite): SsiEnv {
  const { ctx } = engine;
  ctx.ssi ??= new SsiPageState(ssiRequestInfo(engine));
  const { events, page } = ctx;
  return {
    page: ctx.ssi,
    unknownCommands: engine.rules.ssi.unknownCommands,
    include(uri, base, emptiness = false) {
      // SSI values are bytes (latin1): UTF-8 ones are read as UTF-8, as the scanner reads URLs.
      const marker = { type: 'ssi', src: decodeSourceText(uri), attribute: 'virtual' } as const;
      const at = onUpstream(base === site.base ? site : { ...site, base }, ctx.pageUrl);
      // (Only a `stub` asks whether the answer was declared empty: no hook and no step after for the others.)
      if (!emptiness) return engine.include(at, { marker });
      // `Content-Length: 0`: nginx outputs a stub's commands as written (its SSI filter never ran).
      let declaredEmpty = false;
      const onResponse: OnResponse = ({ headers }) => void (declaredEmpty = headers['content-length'] === '0');
      return engine.include(at, { marker, onResponse }).then((outcome) => ({ ...outcome, declaredEmpty }));
    },
    debug: events.listenerCount('directive') > 0 ? (line) => events.emit('directive', { page, dialect: 'ssi', text: escapeControlChars(line) }) : undefined,
  };
}

/** A fragment (or block) that speaks SSI: its commands evaluated in document order, its other markers by their dialects. */
export function composeSsiDocument(engine: Engine, parts: readonly ScanPart[], site: IncludeSite, upstream: IncludeSite): Promise<Buffer> {
  return evaluateDocument(ssiEnv(engine, site), site.base, (doc) => {
    for (const part of parts) {
      if (Buffer.isBuffer(part)) doc.content(part);
      else if (part.marker.type === 'ssi-command') doc.command(part.marker.command, part.raw);
      else doc.content(part.raw, () => engine.replace(upstream, part.marker, part.raw));
    }
  });
}

function ssiRequestInfo({ ctx }: Engine): SsiRequestInfo {
  return {
    method: ctx.page.method,
    protocol: ctx.pageProtocol ?? 'HTTP/1.1',
    requestUri: ctx.pageUrl.pathname + ctx.pageUrl.search,
    headers: ctx.pageHeaders ?? ctx.fragmentHeaders,
    host: ctx.pageUrl.hostname,
    scheme: ctx.pageUrl.protocol.slice(0, -1),
    remoteAddr: ctx.remoteAddress ?? '127.0.0.1',
  };
}
