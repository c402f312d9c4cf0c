import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { ResolvedFragment } from '../config/types.js';
import { createDecoder } from '../http/encodings.js';
import type { RawHeaders } from '../http/raw-headers.js';
import { charsetFromContentType, sniffMetaCharset } from '../html/charset.js';
import { PageScanner, type Marker, type ScanOptions } from '../html/scan-page.js';
import type { PageStart } from './dialect.js';
import { createEngine, DIALECTS, reasonOf } from './engine.js';
import type { EdgeRules } from './edge-rules.js';
import type { PageEnd } from './events.js';
import { pageSite } from './include-site.js';
import { OrderedWriter } from './ordered-writer.js';
import { createPageContext, type PageContextOptions } from './page-context.js';
import { SsiDocument } from './ssi/document.js';
import { ssiEnv } from './ssi/dialect.js';
import { withoutSsiHeaders } from './ssi/headers.js';
import { asyncFragments, includeTailor } from './tailor/dialect.js';
import { firstScript, fragmentAssets, pipeRuntime, preloadHeader } from './tailor/pipe.js';
import { fragmentTimings, serverTimingEntries, type FragmentTiming } from './server-timing.js';

/**
 * The streaming page path: production's HTML flows through the scanner as it arrives; untouched
 * bytes leave at once, every fragment is requested the moment its marker is seen, and the
 * writer emits parts in document order. Nothing of the page is ever re-serialised.
 */
export interface ComposePageOptions extends PageContextOptions {
  upstream: IncomingMessage;
  res: ServerResponse;
  /** Response headers already made to work on the gateway (no length or encoding). */
  headers: RawHeaders;
  /** Non-prod fragments that have a selector: their elements are found in composed pages. */
  selectorFragments: readonly ResolvedFragment[];
  /** The overlay tag to put before `</body>` (given the page's fragment timings so far), when the overlay is on for this page. */
  overlayTag?: (timings: FragmentTiming[]) => string;
  /** Rewrites asset URLs and import maps of local client-side fragments (undefined: none). */
  rewriteAsset?: (marker: Extract<Marker, { type: 'asset-url' | 'importmap' }>, raw: Buffer) => Buffer;
  assetPrefixes?: readonly string[];
  /** Bytes held for an open marker before they are sent on as text (`maxMarkerSize`). */
  maxMarkerBytes?: number;
  /** Told a warning for the terminal and the dev page (printed once per distinct text). */
  warn?: (message: string) => void;
  /** Whether the client can receive trailers (HTTP/1.1). */
  trailers: boolean;
  /**
   * Makes headers a fragment gives the page (a Tailor primary fragment's `Location` and
   * `Set-Cookie`) work on the gateway, by the same rules as the page's own headers.
   */
  adaptHeaders?: (raw: readonly string[]) => RawHeaders;
}

const EMPTY = Buffer.alloc(0);

/** What the page's first bytes tell the dialects (each one is asked). */
function pageStart(chunk: Buffer, rules: EdgeRules, mayHaveMarkers: boolean): PageStart {
  const start: PageStart = {};
  for (const dialect of DIALECTS) Object.assign(start, dialect.firstBytes?.(chunk, rules, mayHaveMarkers));
  return start;
}

export function composePage(options: ComposePageOptions): Promise<void> {
  const { upstream, res } = options;
  const ctx = createPageContext(options);
  const selectorByKey = new Map(options.selectorFragments.map((f) => [f.selector!, f]));
  ctx.selectorFragments = selectorByKey;
  const engine = createEngine(ctx);
  const site = pageSite(ctx.pageUrl);
  ctx.events.emit('page:start', ctx.page);
  const started = performance.now();
  /** When the page's head went to the browser (its first byte), for the dev page's waterfall. */
  let firstByteAt: number | undefined;
  let status = upstream.statusCode ?? 200;
  let statusMessage = upstream.statusMessage;
  /** What the first chunk told the dialects (Tailor's primary fragment, SSI's headers, Varnish's XML check). */
  let start: PageStart = { ssiHeaders: ctx.rules.ssi.headersOnEveryPage };
  let primarySeen = false;
  const decoder = createDecoder(upstream.headers['content-encoding']);
  const body: Readable = decoder ? upstream.pipe(decoder) : upstream;
  ctx.charset = charsetFromContentType(upstream.headers['content-type']);
  let charsetKnown = ctx.charset !== undefined;
  let headerTiming = 0;
  /** The page's SSI document, from its first SSI command on: everything after it goes through it. */
  let ssi: SsiDocument | undefined;
  /** Tailor: headers the primary fragment gives the page (Location, Set-Cookie). */
  const primaryHeaders: string[] = [];
  /** Tailor's page runtime (`edge: 'tailor'`): whether it is still to be written, and the page's preload `Link`. */
  let pipePending = ctx.rules.tailorPipe;
  let tailorLink: string | undefined;

  const writer = new OrderedWriter(res, {
    beforeFirstWrite: () => {
      const headers = [...(start.ssiHeaders ? withoutSsiHeaders(options.headers) : options.headers), ...primaryHeaders];
      const known = serverTimingEntries(ctx.results);
      headerTiming = ctx.results.length;
      if (known) headers.push('Server-Timing', known);
      if (tailorLink) headers.push('Link', tailorLink);
      if (options.trailers) headers.push('Trailer', 'Server-Timing');
      res.writeHead(status, statusMessage, headers);
      firstByteAt = performance.now();
    },
    onBackpressure: (paused) => (paused ? body.pause() : body.resume()),
    arena: ctx.arena,
  });

  const scanOptions: ScanOptions = {
    selectors: [...selectorByKey.keys()],
    assetPrefixes: options.assetPrefixes,
    // Tailor writes async fragments before </body>.
    bodyEnd: options.overlayTag !== undefined || ctx.rules.tailorPipe,
    maxHeldBytes: options.maxMarkerBytes,
    ...ctx.rules.scan,
  };
  /**
   * The page as nginx's SSI filter reads it, from its first command on. Made here, not in the
   * marker callback: a closure made there would keep that callback's `raw` (a view of the
   * page's first read with a command) for the whole page, promoted to the old generation.
   */
  function pageSsiDocument(): SsiDocument {
    return new SsiDocument(ssiEnv(engine, site), ctx.pageUrl, (part, held) => writer.push(track(part), held), true, track);
  }

  /** Tailor writes its runtime before the page's first `<script>` or `<fragment>`. */
  function pipeBefore(chunk: Buffer): void {
    const at = firstScript(chunk);
    if (at === -1) return void writer.push(chunk);
    pipePending = false;
    writer.push(chunk.subarray(0, at));
    writer.push(pipeRuntime(ctx.pageUrl.host));
    writer.push(chunk.subarray(at));
  }

  const scanner = new PageScanner(scanOptions, {
    gaveUp: (marker) => {
      // A fragment's element too big to hold: production's stays, and the developer is told why
      // (in words from the config only, so the warning is given once, whatever the page).
      const fragment = marker.type === 'element' ? selectorByKey.get(marker.selector) : undefined;
      if (!fragment) return;
      options.warn?.(
        `The element of fragment '${fragment.name}' (selector ${fragment.selector}) in a page was larger than maxMarkerSize (${options.maxMarkerBytes} bytes), so production's element was kept there. Raise maxMarkerSize in the config to replace it.`,
      );
    },
    bytes: (chunk) => (ssi ? ssi.content(chunk) : pipePending ? pipeBefore(chunk) : writer.push(chunk)),
    marker: (marker, raw) => {
      if (marker.type === 'tailor' && ctx.rules.tailorPipe) {
        tailorLink ??= preloadHeader(ctx.pageUrl.host);
        if (pipePending) {
          pipePending = false;
          writer.push(pipeRuntime(ctx.pageUrl.host));
        }
      }
      if (marker.type === 'tailor' && marker.primary && !primarySeen && !writer.hasStarted) {
        primarySeen = true;
        writer.push(track(resolvePrimary(marker, raw)));
        return;
      }
      // The bytes before the first fragment leave before any fragment request is even built.
      if (!writer.hasStarted && !start.holdForPrimary) writer.flush(true);
      if (marker.type === 'ssi-command') {
        ssi ??= pageSsiDocument();
        ssi.command(marker.command, raw);
      } else if (ssi) {
        ssi.content(raw, () => replacePageMarker(marker, raw));
      } else {
        writer.push(replacePageMarker(marker, raw));
      }
    },
  });

  /**
   * Tailor's primary fragment: nothing is written until it is resolved; if neither it nor its
   * fallback could be had from production, the page is a 500, as Tailor answers.
   */
  function resolvePrimary(marker: Extract<Marker, { type: 'tailor' }>, raw: Buffer): Promise<Buffer> {
    let decided!: () => void;
    writer.holdUntil(new Promise<void>((resolve) => (decided = resolve)));
    return includeTailor(engine, site, {
      marker,
      raw,
      // Its status, Location and Set-Cookie become the page's, as Tailor answers.
      onResponse: (response) => {
        if (primaryHeaders.length > 0 || writer.hasStarted) return;
        status = response.status;
        statusMessage = undefined;
        if (ctx.rules.tailorPipe) tailorLink = preloadHeader(ctx.pageUrl.host, fragmentAssets(response.headers));
        const location = response.headers.location;
        const given: string[] = [];
        if (location) given.push('Location', location);
        for (const cookie of response.headers['set-cookie'] ?? []) given.push('Set-Cookie', cookie);
        primaryHeaders.push(...(options.adaptHeaders ? options.adaptHeaders(given) : given));
      },
    }).then(({ bytes, served }) => {
      if (!served) {
        status = 500;
        statusMessage = undefined;
      }
      decided();
      return bytes;
    });
  }

  /** Fragments of this page still in flight: the overlay's decision waits for them. */
  const inFlight: Promise<Buffer>[] = [];
  function track(part: Buffer | Promise<Buffer>): Buffer | Promise<Buffer> {
    if (!Buffer.isBuffer(part)) inFlight.push(part);
    return part;
  }

  /**
   * The overlay goes in only when this page really has a local or shadowed fragment (an
   * include, an element, a client-side asset): a page without one stays byte for byte
   * production's. Nested includes are known once the fragments before `</body>` are resolved,
   * which the writer waits for anyway.
   */
  /** Tailor's async fragments (in the order they finished), then the overlay. */
  function asyncThenOverlay(): Buffer | Promise<Buffer> {
    const fragments = asyncFragments(ctx);
    if (fragments.pending.length === 0) return overlayAtBodyEnd();
    return Promise.all(fragments.pending).then(async () => Buffer.concat([...fragments.done, await overlayAtBodyEnd()]));
  }

  function overlayAtBodyEnd(): Buffer | Promise<Buffer> {
    const tag = () => (ctx.overridden && options.overlayTag ? Buffer.from(options.overlayTag(fragmentTimings(ctx.results, started)), 'latin1') : EMPTY);
    // `</body>` after an `include … set=` is evaluated in a place the SSI document kept, which
    // settles only after it: waiting for that place would wait for ourselves.
    const pending = ssi ? inFlight.filter((part) => !ssi!.isKeptPlace(part)) : inFlight;
    if (pending.length === 0) return tag();
    return Promise.allSettled(pending).then(tag);
  }

  function replacePageMarker(marker: Marker, raw: Buffer): Buffer | Promise<Buffer> {
    switch (marker.type) {
      case 'body-end':
        return ctx.rules.tailorPipe ? asyncThenOverlay() : overlayAtBodyEnd();
      case 'asset-url':
      case 'importmap': {
        const rewritten = options.rewriteAsset ? options.rewriteAsset(marker, raw) : raw;
        if (rewritten !== raw) ctx.overridden = true;
        return rewritten;
      }
      default:
        return track(engine.replace(site, marker, raw));
    }
  }

  return new Promise<void>((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      const end: PageEnd = { page: ctx.page, status, durationMs: performance.now() - started, fragments: ctx.results };
      if (firstByteAt !== undefined) end.firstByteMs = firstByteAt - started;
      ctx.events.emit('page:end', end);
      resolve();
    };
    res.on('close', () => {
      if (!res.writableFinished) {
        // The browser went away: stop reading production's page, cancel its fragment requests.
        ctx.cancel.abort();
        writer.abort();
        upstream.destroy();
        finish();
      }
    });
    let first = true;
    body.on('data', (chunk: Buffer) => {
      if (first) {
        first = false;
        start = pageStart(chunk, ctx.rules, scanner.mayHaveMarkers(chunk));
      }
      if (start.untouched) {
        writer.push(chunk);
        writer.flush();
        return;
      }
      if (!charsetKnown) {
        ctx.charset = sniffMetaCharset(chunk);
        charsetKnown = true;
      }
      scanner.write(chunk);
      writer.flush();
    });
    // Production cut the page short (the decompressor would otherwise wait forever).
    upstream.on('error', () => undefined);
    upstream.on('close', () => {
      if (!upstream.complete && !body.destroyed) body.destroy(new Error('production closed the connection before the page was complete'));
    });
    body.on('error', (error) => {
      // Whatever fragments are still in flight, this response is answered here.
      ctx.cancel.abort();
      writer.abort();
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`mfe-dev: could not read the page from production: ${reasonOf(error)}\n`);
      } else {
        res.destroy(error);
      }
      finish();
    });
    body.on('end', () => {
      scanner.end();
      void writer.end().then(() => {
        if (!res.headersSent) {
          writer.flush();
          res.writeHead(status, statusMessage, [...options.headers]);
        }
        // A trailer only with content: unconfigured includes have no entry.
        const late = serverTimingEntries(ctx.results.slice(headerTiming));
        if (options.trailers && late) res.addTrailers({ 'Server-Timing': late });
        res.end(() => {
          // Every byte of the page has left the process: the slabs it waited in are free.
          if (res.writableFinished) ctx.arena.release();
          finish();
        });
      });
    });
  });
}
