import type { IncomingMessage } from 'node:http';
import type { GatewayState } from './gateway-state.js';
import type { Selection } from '../overrides/index.js';
import type { RequestHeaderContext } from '../proxy/request-headers.js';
import type { RequestTrace } from './tracing.js';

/** What the gateway decided about one browser request, carried from middleware to proxy. */
export interface RequestContext {
  state: GatewayState;
  selection: Selection;
  /** `http://HOST:PORT` (`https://` over TLS) as the browser addressed the gateway. */
  gatewayOrigin: string;
  headers: RequestHeaderContext;
  /** The URL as the browser sent it (before override parameters were stripped). */
  originalUrl: string;
  /** In serve: this request's trace (fragment requests get spans of their own). */
  trace?: RequestTrace;
}

const CONTEXT = Symbol('mfe-dev.request');

export function setRequestContext(req: IncomingMessage, context: RequestContext): void {
  (req as IncomingMessage & { [CONTEXT]?: RequestContext })[CONTEXT] = context;
}

export function getRequestContext(req: IncomingMessage): RequestContext | undefined {
  return (req as IncomingMessage & { [CONTEXT]?: RequestContext })[CONTEXT];
}
