import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { Agents } from './agents.js';
import { BACKEND_REQUEST_OPTIONS } from './backend-parser.js';
import { BodyDecodeError, BodyTooLargeError, CappedBody, type BodyStore } from './capped-body.js';
import { canDecode } from './encodings.js';
import { describeNetworkError } from './network-error.js';
import { requestHeaderList } from './raw-headers.js';

/**
 * The one outgoing HTTP client of the product: fragments (compose), both sides of a shadow
 * comparison, live reload's polls and the health probe ask with `httpGet`; the way to production
 * (proxy/upstream-proxy.ts) streams with `backendRequest`. Every failure is an `HttpFailure`
 * whose `reason` is written for the developer ("connection refused", "timed out after 3000 ms",
 * "HTTP 503"). All of them read backends with Node's parser in its lenient mode
 * (http/backend-parser.ts): a backend that ends lines with a bare `\n` is read as nginx and
 * Varnish read it, whoever asks.
 *
 * A GET on the keep-alive pools goes through `Agents.gets` (http/get-pool.ts: Node's parser on
 * pooled sockets, without a `ClientRequest` and `IncomingMessage` per GET: half the CPU per
 * fragment); one without pools (the probe) through Node's client on a connection of its own.
 * (undici's dispatcher was measured for whole-body GETs too: a quarter less CPU per request
 * alone, but more CPU per composed page, and its parser rejects bare-`\n` backends; see the
 * README's Performance section.)
 */
export class HttpFailure extends Error {
  constructor(
    readonly reason: string,
    /** The status, when the backend answered one that was not accepted (or its body failed). */
    readonly status?: number,
    /** `timeout` and `cancelled`: the caller gave up, not the backend; `too-large`: past `maxBytes`. */
    readonly kind: 'timeout' | 'cancelled' | 'too-large' | 'answer' = 'answer',
    /** The start of the body a backend sent with a refused status (at most `ERROR_BODY_BYTES`, decoded), for the developer's error box. */
    readonly body?: string,
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
  /** Where a body of known length is read into (a page's arena), if anywhere. */
  store?: BodyStore;
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** How much of a refused answer's body is kept (`HttpFailure.body`). */
export const ERROR_BODY_BYTES = 64 * 1024;

/** Why a request was given up when whoever waited for it went away. */
export const CANCELLED = 'cancelled: the browser went away';
const isSuccess = (status: number) => status >= 200 && status < 300;

/** GET `url`: status, headers and the decompressed body, or an `HttpFailure`. */
export function httpGet(get: HttpGet): Promise<HttpAnswer> {
  if (get.signal?.aborted) return Promise.reject(new HttpFailure(CANCELLED, undefined, 'cancelled'));
  return new Promise((resolve, reject) => {
    const exchange = new Exchange(get, resolve, reject);
    if (get.agents) get.agents.gets.send({ url: get.url, headers: get.headers, exchange });
    else send(exchange);
  });
}

/**
 * The exchanges waiting on each signal (a page's: every fragment of the page waits on it), with
 * one `abort` listener per signal rather than one per exchange (an `EventTarget` listener is an
 * object or two and a list insertion: about 1 % of a 100-fragment page's CPU, by the profile).
 * An exchange leaves its set when it settles; the set goes with its signal.
 */
const waitingOn = new WeakMap<AbortSignal, Set<Exchange>>();

function waitFor(signal: AbortSignal, exchange: Exchange): void {
  let waiting = waitingOn.get(signal);
  if (!waiting) {
    const set = (waiting = new Set());
    waitingOn.set(signal, set);
    signal.addEventListener(
      'abort',
      () => {
        for (const each of set) each.cancel();
        set.clear();
      },
      { once: true },
    );
  }
  waiting.add(exchange);
}

/**
 * One exchange's state, whichever client carries it: the deadline, the caller's signal, which
 * statuses are read, the capped body and the single settlement. The client calls `start`,
 * `data`, `end` and `error`, and gives `connection` to close it by.
 */
class Exchange {
  private settled = false;
  private readonly timer: NodeJS.Timeout;
  private body?: CappedBody;
  private status = 0;
  private headers: IncomingHttpHeaders = {};
  /** A status that is not accepted: its body is read (bounded) and dropped, then the request fails. */
  private refused?: HttpFailure;
  /** Whether the refused answer's body can be decoded (and so shown). */
  private refusedReadable = false;
  /**
   * The request to destroy when the exchange ends early (set by the client; dropped once
   * settled). A field, not a closure over the request: see `send`.
   */
  connection?: { destroy(): void };
  /** Called once the exchange is settled (the client drops its way back to it). */
  onSettled: () => void = () => undefined;

  constructor(
    readonly get: HttpGet,
    private readonly resolve: (answer: HttpAnswer) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.timer = setTimeout(() => this.stop(new HttpFailure(`timed out after ${get.timeoutMs} ms`, undefined, 'timeout')), get.timeoutMs);
    if (get.signal) waitFor(get.signal, this);
  }

  /** Whoever waited went away (its signal aborted). */
  cancel(): void {
    this.stop(new HttpFailure(CANCELLED, undefined, 'cancelled'));
  }

  get done(): boolean {
    return this.settled;
  }

  /** Ends the exchange early, closing its connection: nothing keeps a socket open for an answer nobody waits for. */
  private stop(failure: HttpFailure): void {
    if (this.settled) return;
    const connection = this.connection;
    this.fail(failure);
    connection?.destroy();
  }

  private settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    clearTimeout(this.timer);
    if (this.get.signal) waitingOn.get(this.get.signal)?.delete(this);
    this.connection = undefined;
    this.onSettled();
    return true;
  }

  fail(error: unknown): void {
    if (this.settle()) this.reject(error instanceof HttpFailure ? error : new HttpFailure(describeNetworkError(error), this.status || undefined));
  }

  /** Status and headers are in: false when the body is not wanted (the client closes the connection). */
  start(status: number, headers: IncomingHttpHeaders, length?: number): boolean {
    this.status = status;
    this.headers = headers;
    if (this.get.headOnly) {
      if (this.settle()) this.resolve({ status, headers, body: Buffer.alloc(0) });
      return false;
    }
    const encoding = headers['content-encoding'];
    if (!(this.get.acceptStatus ?? isSuccess)(status)) {
      const location = headers.location ? ` (redirect to ${headers.location})` : '';
      // Read a bounded error body (the connection can be reused, and its start tells the developer
      // what broke); never follow a redirect.
      this.refused = new HttpFailure(`HTTP ${status}${location}`, status);
      this.refusedReadable = canDecode(encoding);
      this.body = new CappedBody(this.refusedReadable ? (encoding as string | undefined) : undefined, this.get.maxBytes, length);
      return true;
    }
    if (!canDecode(encoding)) {
      this.fail(new HttpFailure(`unsupported content-encoding '${String(encoding).trim()}'`, status));
      return false;
    }
    this.body = new CappedBody(encoding as string | undefined, this.get.maxBytes, length, this.get.store);
    return true;
  }

  /** A body chunk (`transient`: copy it, see get-pool.ts): false once past the limit (the client closes the connection). */
  data(chunk: Buffer, transient?: boolean): boolean {
    if (this.settled || !this.body) return false;
    if (this.body.push(chunk, transient)) return true;
    this.fail(this.refused ?? this.tooLarge());
    return false;
  }

  end(): void {
    if (this.settled || !this.body) return;
    const { refused } = this;
    if (refused) {
      if (!this.refusedReadable) return this.fail(refused);
      return void this.body.finish().then(
        (body) => this.fail(new HttpFailure(refused.reason, refused.status, refused.kind, body.subarray(0, ERROR_BODY_BYTES).toString('utf8'))),
        () => this.fail(refused),
      );
    }
    const { status, headers } = this;
    // An uncompressed body (most are) is whole now: no promise, no turn of the event loop.
    const now = this.body.finishNow();
    if (now) {
      if (this.settle()) this.resolve({ status, headers, body: now });
      return;
    }
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

/** One GET through Node's client with the lenient parser, on a connection of its own (closed after the answer). */
function send(exchange: Exchange): void {
  const { url, headers } = exchange.get;
  const isHttps = url.protocol === 'https:';
  const client = isHttps ? https : http;
  // Options as Node uses them (no URL to convert, the headers as a flat list); a URL with user
  // info keeps the URL form, which turns it into an Authorization header.
  const request =
    url.username || url.password
      ? client.request(url, { method: 'GET', headers, agent: false, ...BACKEND_REQUEST_OPTIONS })
      : client.request({
          hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
          port: url.port || undefined,
          path: url.pathname + url.search,
          method: 'GET',
          headers: requestHeaderList(headers, url.host),
          agent: false,
          ...BACKEND_REQUEST_OPTIONS,
        });
  // Nothing of a settled exchange stays reachable from its request and response, nor the request
  // from the exchange: Node leaves a kept-alive socket's parser pointing at its last response
  // until the socket's next request. With a closure over `request` here, each fragment's request,
  // response and exchange outlived the young generation (3× the bytes surviving each scavenge,
  // promoted, then collected by full GCs: the third more CPU per composed page of issue 18).
  let current: Exchange | undefined = exchange;
  exchange.onSettled = () => void (current = undefined);
  exchange.connection = request;
  request.on('error', (error) => current?.fail(error));
  request.on('response', (response) => {
    if (!current?.start(response.statusCode ?? 0, response.headers)) return void response.destroy();
    response.on('data', (chunk: Buffer) => {
      if (!current?.data(chunk)) response.destroy();
    });
    response.on('error', (error) => current?.fail(error));
    response.on('close', () => {
      if (!response.complete) current?.fail(new Error('the connection closed before the body was complete'));
    });
    response.on('end', () => current?.end());
  });
  request.end();
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
