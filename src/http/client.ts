import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { Dispatcher } from 'undici';
import type { Agents } from './agents.js';
import { BACKEND_REQUEST_OPTIONS } from './backend-parser.js';
import { BodyDecodeError, BodyTooLargeError, CappedBody } from './capped-body.js';
import { canDecode } from './encodings.js';
import { describeNetworkError } from './network-error.js';
import { requestHeaderList, undiciHeaderList } from './raw-headers.js';

/**
 * The one outgoing HTTP client of the product: fragments (compose), both sides of a shadow
 * comparison, live reload's polls and the health probe ask with `httpGet`; the way to production
 * (proxy/upstream-proxy.ts) streams with `backendRequest`. Every failure is an `HttpFailure`
 * whose `reason` is written for the developer ("connection refused", "timed out after 3000 ms",
 * "HTTP 503").
 *
 * Whole-body GETs go through undici's dispatcher (about a third less CPU per request than
 * `http.request`: no ClientRequest, IncomingMessage or stream per request) on a keep-alive pool per
 * origin. Its parser is strict: a backend that ends lines with a bare `\n` (old CGI, hand-written
 * servers; nginx and Varnish accept them) fails there, so such an origin is remembered and asked
 * from then on with Node's client and its lenient parser (http/backend-parser.ts), the failed GET
 * asked again at once. undici is loaded after start-up (its first use starts loading it; until it
 * is there, Node's client answers).
 */
export class HttpFailure extends Error {
  constructor(
    readonly reason: string,
    /** The status, when the backend answered one that was not accepted (or its body failed). */
    readonly status?: number,
    /** `timeout` and `cancelled`: the caller gave up, not the backend; `too-large`: past `maxBytes`. */
    readonly kind: 'timeout' | 'cancelled' | 'too-large' | 'answer' = 'answer',
  ) {
    super(reason);
    this.name = 'HttpFailure';
  }
}

export interface HttpGet {
  url: URL;
  headers: OutgoingHttpHeaders;
  timeoutMs: number;
  /** The keep-alive pools to use; none: a connection of its own, closed after the answer. */
  agents?: Agents;
  /** Decompressed bytes the body may have; past it the request is closed. */
  maxBytes: number;
  /** Aborted when whoever waits went away: the request is cancelled and its socket closed. */
  signal?: AbortSignal;
  /** Statuses whose body is read (others: a bounded body is dropped, then `HTTP <status>` fails). @default 2xx */
  acceptStatus?: (status: number) => boolean;
  /** Resolve once the status and headers are in, with an empty body (the connection is closed). */
  headOnly?: boolean;
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Why a request was given up when whoever waited for it went away. */
export const CANCELLED = 'cancelled: the browser went away';
const isSuccess = (status: number) => status >= 200 && status < 300;

/** GET `url`: status, headers and the decompressed body, or an `HttpFailure`. */
export function httpGet(get: HttpGet): Promise<HttpAnswer> {
  if (get.signal?.aborted) return Promise.reject(new HttpFailure(CANCELLED, undefined, 'cancelled'));
  const dispatcher = get.agents && !get.url.username && !get.url.password && !get.agents.lenientOrigins.has(get.url.origin) ? undiciOf(get.agents) : undefined;
  if (!dispatcher) return new Promise((resolve, reject) => viaNode(new Exchange(get, resolve, reject)));
  return new Promise<HttpAnswer>((resolve, reject) => viaUndici(dispatcher, new Exchange(get, resolve, reject))).catch((error: unknown) => {
    if (!(error instanceof UnparsableResponse)) throw error;
    // A bare-`\n` backend: from now on (and this once again) asked with Node's lenient parser.
    get.agents!.lenientOrigins.add(get.url.origin);
    return new Promise<HttpAnswer>((resolve, reject) => viaNode(new Exchange(get, resolve, reject)));
  });
}

/** undici's parser could not read the response (internal: the GET is asked again with Node's client). */
class UnparsableResponse extends Error {}

/**
 * One exchange's state, whichever client carries it: the deadline, the caller's signal, which
 * statuses are read, the capped body and the single settlement. The client calls `start`,
 * `data`, `end` and `error`, and gives `abort` to close its connection.
 */
class Exchange {
  private settled = false;
  private readonly timer: NodeJS.Timeout;
  private body?: CappedBody;
  private status = 0;
  private headers: IncomingHttpHeaders = {};
  /** A status that is not accepted: its body is read (bounded) and dropped, then the request fails. */
  private refused?: HttpFailure;
  /** Close the connection (set by the client once it has one). */
  abort: (error: Error) => void = () => undefined;

  constructor(
    readonly get: HttpGet,
    private readonly resolve: (answer: HttpAnswer) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.timer = setTimeout(() => this.stop(new HttpFailure(`timed out after ${get.timeoutMs} ms`, undefined, 'timeout')), get.timeoutMs);
    get.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  private readonly onAbort = () => this.stop(new HttpFailure(CANCELLED, undefined, 'cancelled'));

  get done(): boolean {
    return this.settled;
  }

  /** Ends the exchange early, closing its connection: nothing keeps a socket open for an answer nobody waits for. */
  private stop(failure: HttpFailure): void {
    if (this.settled) return;
    this.fail(failure);
    this.abort(failure);
  }

  private settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    clearTimeout(this.timer);
    this.get.signal?.removeEventListener('abort', this.onAbort);
    return true;
  }

  fail(error: unknown): void {
    if (error instanceof UnparsableResponse) {
      if (this.settle()) this.reject(error);
      return;
    }
    if (this.settle()) this.reject(error instanceof HttpFailure ? error : new HttpFailure(describeNetworkError(error), this.status || undefined));
  }

  /** Status and headers are in: false when the body is not wanted (the client closes the connection). */
  start(status: number, headers: IncomingHttpHeaders): boolean {
    this.status = status;
    this.headers = headers;
    if (this.get.headOnly) {
      if (this.settle()) this.resolve({ status, headers, body: Buffer.alloc(0) });
      return false;
    }
    const encoding = headers['content-encoding'];
    if (!(this.get.acceptStatus ?? isSuccess)(status)) {
      const location = headers.location ? ` (redirect to ${headers.location})` : '';
      // Read (and drop) a bounded error body so the connection can be reused; never follow a redirect.
      this.refused = new HttpFailure(`HTTP ${status}${location}`, status);
      this.body = new CappedBody(undefined, this.get.maxBytes);
      return true;
    }
    if (!canDecode(encoding)) {
      this.fail(new HttpFailure(`unsupported content-encoding '${String(encoding).trim()}'`, status));
      return false;
    }
    this.body = new CappedBody(encoding as string | undefined, this.get.maxBytes);
    return true;
  }

  /** A body chunk: false once past the limit (the client closes the connection). */
  data(chunk: Buffer): boolean {
    if (this.settled || !this.body) return false;
    if (this.body.push(chunk)) return true;
    this.fail(this.refused ?? this.tooLarge());
    return false;
  }

  end(): void {
    if (this.settled || !this.body) return;
    if (this.refused) return this.fail(this.refused);
    const { status, headers } = this;
    this.body.finish().then(
      (body) => {
        if (this.settle()) this.resolve({ status, headers, body });
      },
      (error: unknown) => {
        if (error instanceof BodyTooLargeError) this.fail(this.tooLarge());
        else if (error instanceof BodyDecodeError) this.fail(new HttpFailure(error.message, status));
        else this.fail(error);
      },
    );
  }

  private tooLarge(): HttpFailure {
    return new HttpFailure(`larger than ${this.get.maxBytes} bytes once decompressed; not read further`, this.status, 'too-large');
  }
}

/** Node's client with the lenient parser (bare-`\n` backends, URLs with user info, no pool). */
function viaNode(exchange: Exchange): void {
  const { url, headers, agents } = exchange.get;
  const isHttps = url.protocol === 'https:';
  const agent = agents ? (isHttps ? agents.https : agents.http) : false;
  const client = isHttps ? https : http;
  // Options as Node uses them (no URL to convert, the headers as a flat list); a URL with user
  // info keeps the URL form, which turns it into an Authorization header.
  const request =
    url.username || url.password
      ? client.request(url, { method: 'GET', headers, agent, ...BACKEND_REQUEST_OPTIONS })
      : client.request({
          hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
          port: url.port || undefined,
          path: url.pathname + url.search,
          method: 'GET',
          headers: requestHeaderList(headers, url.host),
          agent,
          ...BACKEND_REQUEST_OPTIONS,
        });
  exchange.abort = () => request.destroy();
  request.on('error', (error) => exchange.fail(error));
  request.on('response', (response) => {
    if (!exchange.start(response.statusCode ?? 0, response.headers)) return void response.destroy();
    response.on('data', (chunk: Buffer) => {
      if (!exchange.data(chunk)) response.destroy();
    });
    response.on('error', (error) => exchange.fail(error));
    response.on('close', () => {
      if (!response.complete) exchange.fail(new Error('the connection closed before the body was complete'));
    });
    response.on('end', () => exchange.end());
  });
  request.end();
}

/** undici's dispatcher: a handler object per request, no streams. */
function viaUndici(dispatcher: Dispatcher, exchange: Exchange): void {
  const { url, headers } = exchange.get;
  let controller: Dispatcher.DispatchController | undefined;
  let cancelled: Error | undefined;
  exchange.abort = (error) => (controller ? controller.abort(error) : (cancelled = error));
  const handler: Dispatcher.DispatchHandler = {
    onRequestStart(ctrl) {
      controller = ctrl;
      if (cancelled) ctrl.abort(cancelled);
    },
    onResponseStart(ctrl, status, responseHeaders) {
      if (!exchange.start(status, asNodeHeaders(responseHeaders))) ctrl.abort(new HttpFailure('not read'));
    },
    onResponseData(ctrl, chunk) {
      if (!exchange.data(chunk)) ctrl.abort(new HttpFailure('not read'));
    },
    onResponseEnd() {
      exchange.end();
    },
    onResponseError(_ctrl, error) {
      // (undici's parser errors carry no usable code: their name says what they are.)
      exchange.fail(!exchange.done && error.name === 'HTTPParserError' ? new UnparsableResponse(error.message) : error);
    },
  };
  try {
    dispatcher.dispatch({ origin: url.origin, path: url.pathname + url.search, method: 'GET', headers: undiciHeaderList(headers) }, handler);
  } catch (error) {
    exchange.fail(error);
  }
}

/** undici's header object as Node's: `set-cookie` always a list, other repeated headers joined. */
function asNodeHeaders(headers: Record<string, string | string[] | undefined>): IncomingHttpHeaders {
  for (const name in headers) {
    const value = headers[name];
    if (name === 'set-cookie') {
      if (typeof value === 'string') headers[name] = [value];
    } else if (Array.isArray(value)) headers[name] = value.join(', ');
  }
  return headers as IncomingHttpHeaders;
}

type UndiciAgent = new (options: { connections: number }) => Dispatcher;
let UndiciAgentClass: UndiciAgent | undefined;
let loading: Promise<void> | undefined;

/** Load undici's dispatcher now (after start-up), so the first pages already use it. */
export function loadHttpClient(): Promise<void> {
  loading ??= import('undici/lib/dispatcher/agent.js' as string).then(
    (module: { default: UndiciAgent }) => void (UndiciAgentClass = module.default),
    () => undefined, // without it, Node's client answers everything
  );
  return loading;
}

/** The undici pool of these agents, made on first use; undefined until undici is loaded. */
function undiciOf(agents: Agents): Dispatcher | undefined {
  if (agents.undici) return agents.undici;
  if (!UndiciAgentClass) return void loadHttpClient();
  // As many connections per origin as the Node agents keep (a page asks all its fragments at once).
  return (agents.undici = new UndiciAgentClass({ connections: 256 }));
}

/**
 * A request to production or a local service through Node's client with the lenient parser,
 * for callers that stream a body either way (the upstream proxy): its errors become
 * `HttpFailure`s with `toHttpFailure`.
 */
export function backendRequest(options: https.RequestOptions & { protocol?: string }, onResponse: (response: http.IncomingMessage) => void): http.ClientRequest {
  return (options.protocol === 'https:' ? https : http).request({ ...options, ...BACKEND_REQUEST_OPTIONS }, onResponse);
}

/** Any error of a request, as the client's one failure type. */
export function toHttpFailure(error: unknown): HttpFailure {
  return error instanceof HttpFailure ? error : new HttpFailure(describeNetworkError(error));
}
