import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createAssetRewriter } from '../compose/asset-rewrite.js';
import { composePage } from '../compose/compose-page.js';
import type { ComposeEvents, PageInfo } from '../compose/events.js';
import type { ShadowFragment } from '../compose/page-context.js';
import { withoutSsiHeaders } from '../compose/ssi/headers.js';
import type { Agents } from '../http/agents.js';
import { canDecode } from '../http/encodings.js';
import { badTargetMessage, upstreamUrlFor } from '../http/request-target.js';
import { createDebugger, type Logger } from '../logger.js';
import { BODY_AND_VALIDATORS_CHANGE, BODY_CHANGES, gatewayResponseHeaders, passThrough } from '../proxy/pass-through.js';
import { fragmentRequestHeaders } from '../proxy/request-headers.js';
import { needsScriptNonce, scriptNonce } from '../proxy/csp.js';
import { rewriteResponseHeaders } from '../proxy/response-headers.js';
import { overlayTag } from '../ui/overlay-tag.js';
import { activeLocalFragments, looksLikeModuleRequest, moduleMissHint, suggestedPrefix } from './dev-server-hints.js';
import { getRequestContext } from './request-context.js';
import type { WarningCauses } from './warning-causes.js';

/**
 * The product's main decision, made once production has answered: is this a page to compose,
 * or bytes to pass through? HTML (not HEAD, not 204/304, not an attachment) in an encoding the
 * gateway can read is composed; everything else passes through untouched but for its headers.
 */
export interface PageResponderOptions {
  events: ComposeEvents;
  logger: Logger;
  /** Keep-alive agents for fragment requests. */
  fragmentAgents: Agents;
  nextPageId: () => number;
  /** Starts the comparison of a shadowed fragment (shadow/, in the background). */
  shadowFragment: ShadowFragment;
  /** Told each page about to be composed (the request log of `record`). */
  onPage?: (method: string, url: string, headers: IncomingMessage['headers']) => void;
  /** Told production answered (readiness) and which page a response composes (the request log). */
  onUpstreamAnswer?: (res: ServerResponse, page: PageInfo | undefined) => void;
  /** Warnings that go away with their cause (the module-404 hint). */
  warningCauses: WarningCauses;
}

const COMPOSABLE_TYPE = /^\s*(text\/html|application\/xhtml\+xml)\b/i;

const debug = createDebugger('mfe-dev:proxy');

export function createPageResponder(options: PageResponderOptions) {
  // A module or stylesheet production does not have, while a fragment is local: most likely a
  // file of the local dev server that `assets` does not route. Said once per path prefix, until
  // a request under that prefix is answered (server/warning-causes.ts).
  const hintMissingModule = (req: IncomingMessage, status: number) => {
    const url = req.url ?? '/';
    const context = getRequestContext(req)!;
    if (!looksLikeModuleRequest(url, req.headers)) return;
    const locals = activeLocalFragments(context.state.config, context.selection.modes);
    if (locals.length === 0) return;
    options.warningCauses.assetMissing(suggestedPrefix(url, locals), moduleMissHint(req.method ?? 'GET', url, status, locals));
  };
  return function respondToPage(upstream: IncomingMessage, req: IncomingMessage, res: ServerResponse): void {
    const context = getRequestContext(req);
    if (!context) {
      // Cannot happen: every proxied request went through the overrides step first.
      res.destroy();
      return;
    }
    const { state, selection } = context;
    const status = upstream.statusCode ?? 502;
    // The nonce page scripts run by: production's, or one of the gateway's where production locks
    // scripts by hash or 'strict-dynamic' alone (proxy/csp.ts); the overlay and local fragments' scripts carry it.
    // Node joins repeated policy headers with ',', as one header of several policies is written.
    const policies = upstream.headers['content-security-policy'];
    const enforced = Array.isArray(policies) ? policies.join(', ') : policies;
    const existing = scriptNonce(enforced);
    const addScriptNonce = needsScriptNonce(enforced) ? (existing ?? randomBytes(16).toString('base64')) : undefined;
    const nonce = existing ?? addScriptNonce;
    const headerContext = {
      addScriptNonce,
      upstreamOrigin: state.upstreamOrigin,
      gatewayOrigin: context.gatewayOrigin,
      localOrigins: state.localOrigins,
      assetOrigins: state.assetOrigins,
      secureGateway: state.secure,
    };
    const contentType = upstream.headers['content-type'];
    // What a GET of this page gets composed; a HEAD is answered with the headers that GET sends.
    const composedOnGet =
      COMPOSABLE_TYPE.test(contentType ?? '') &&
      status !== 204 &&
      status !== 304 &&
      !/^\s*attachment/i.test(upstream.headers['content-disposition'] ?? '');

    const composable = composedOnGet && req.method !== 'HEAD';
    const decodable = canDecode(upstream.headers['content-encoding']);
    if (composedOnGet && decodable && req.method === 'HEAD') {
      passThrough(upstream, res, headHeaders(upstream, headerContext, selection.setCookies, context.headers.overridden, state.config.edge));
      return;
    }
    if (composable && !decodable) {
      options.logger.warnOnce(
        `${req.url}: production sent HTML with content-encoding '${upstream.headers['content-encoding']}', which mfe-dev cannot decode; it is passed through without composing.`,
      );
    }
    debug?.(`${req.method} ${req.url} ← ${status} ${contentType ?? '(no type)'}${upstream.headers['content-encoding'] ? ` ${upstream.headers['content-encoding']}` : ''}: ${composable ? 'compose' : 'pass through'}`);
    if (status === 404 && context.headers.overridden) hintMissingModule(req, status);
    if (!composable || !decodable) {
      options.onUpstreamAnswer?.(res, undefined);
      passThrough(upstream, res, gatewayResponseHeaders(upstream, headerContext, selection.setCookies));
      return;
    }

    const { overridden } = context.headers;
    const headers = gatewayResponseHeaders(upstream, headerContext, selection.setCookies, overridden ? BODY_AND_VALIDATORS_CHANGE : BODY_CHANGES);
    const pageUrl = upstreamUrlFor(state.upstreamOrigin, req.url ?? '/');
    if (!pageUrl) {
      // Checked when the request arrived (step 1 of the request path); kept as a guard.
      res.writeHead(400, { 'content-type': 'text/plain' }).end(badTargetMessage(state.upstreamOrigin));
      upstream.destroy();
      return;
    }
    options.onPage?.(req.method ?? 'GET', req.url ?? '/', req.headers);
    const rewriter = createAssetRewriter(state.config, selection.modes);
    // The overlay is for pages with a `local` or `shadow` fragment (a preview alone is production-like).
    const showOverlay = state.config.overlay && [...selection.modes.values()].some((mode) => mode === 'local' || mode === 'shadow');
    const page: PageInfo = { id: options.nextPageId(), url: context.originalUrl, method: req.method ?? 'GET' };
    options.onUpstreamAnswer?.(res, page);
    void composePage({
      upstream,
      res,
      page,
      pageUrl,
      matchFragment: state.matchFragment,
      modes: selection.modes,
      fragmentHeaders: fragmentRequestHeaders(req.headers, context.headers, req.headers.host ?? ''),
      agents: options.fragmentAgents,
      events: options.events,
      shadowFragment: options.shadowFragment,
      includePolicy: state.includePolicy,
      maxFragmentBytes: state.config.maxFragmentSize,
      maxMarkerBytes: state.config.maxMarkerSize,
      warn: (message) => options.logger.warnOnce(message, { key: 'maxMarkerSize' }),
      edge: state.config.edge,
      diagnostics: state.config.diagnostics,
      // Prepared in place before the page request left: what production received.
      pageHeaders: req.headers,
      remoteAddress: req.socket.remoteAddress,
      pageProtocol: `HTTP/${req.httpVersion}`,
      presetCookieNames: Object.keys(selection.cookies),
      traceFragment: context.trace?.fragmentTraceparent,
      presetHeaderNames: Object.keys(selection.headers).map((name) => name.toLowerCase()),
      headers,
      selectorFragments: state.selectorFragments.filter((f) => (selection.modes.get(f.name) ?? 'prod') !== 'prod'),
      overlayTag: showOverlay ? overlayTag(nonce) : undefined,
      scriptNonce: nonce,
      rewriteAsset: rewriter?.rewrite,
      assetPrefixes: rewriter?.prefixes,
      trailers: req.httpVersionMajor === 1 && req.httpVersionMinor >= 1,
      adaptHeaders: (raw) => rewriteResponseHeaders(raw, headerContext),
    });
  };
}

/**
 * HEAD of a page a GET would compose: the headers that GET sends (no production
 * `Content-Length` / `Content-Encoding`, which describe production's body, not the composed one;
 * validators dropped where GET drops them).
 */
function headHeaders(
  upstream: IncomingMessage,
  context: Parameters<typeof gatewayResponseHeaders>[1],
  setCookies: readonly string[],
  overridden: boolean,
  edge: string | undefined,
): string[] {
  const composed = gatewayResponseHeaders(upstream, context, setCookies, overridden ? BODY_AND_VALIDATORS_CHANGE : BODY_CHANGES);
  // With `edge: 'nginx'` every composed page loses its validators (nginx's SSI filter); a page
  // whose SSI is only seen in its body cannot be told from its head.
  // (No `Trailer`: Node sends a HEAD answer without a chunked body, where a trailer cannot be.)
  return edge === 'nginx' ? withoutSsiHeaders(composed) : composed;
}
