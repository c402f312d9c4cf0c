import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { HTTPParser } from '_http_common';
import { rememberLast } from '../remember-last.js';
import { flatHeaderList, unwritableHeader } from './raw-headers.js';

/**
 * Keep-alive connections for the product's whole-body GETs (fragments, shadow sides, live
 * reload's polls): HTTP/1.1 over `net`/`tls` sockets read by Node's own parser (llhttp from
 * `_http_common`, with the lenient flags its client uses for backends), one parser per
 * connection, the request head written as one string. A `Content-Length` body of up to 64 KiB is
 * read by the connection itself once the parser has read the head (`bodyLength`): its bytes go
 * from the read buffer to where the exchange keeps them, copied once (Node's parser would copy
 * each chunk into a Buffer of its own first).
 *
 * Why not `http.request` on an `http.Agent`: per GET, Node's client builds a `ClientRequest`
 * (an `OutgoingMessage` stream), an `IncomingMessage` (a `Readable`), its header object, the
 * agent's bookkeeping and several ticks; a composed page asks for ten or a hundred of them. Ten
 * GETs at a time of a 4 KB fragment from a Node origin: 55 → 25 µs CPU per GET (user 43 → 15),
 * 18k → 27k GETs/s (README, Performance). Streaming requests (the way to production, which
 * passes bodies on as they arrive) stay on Node's client.
 *
 * What Node's agent does that this does too: at most `MAX_SOCKETS` connections per origin
 * (the rest wait in order), idle connections that keep no process alive and are dropped when
 * the server closes them or when its `Keep-Alive: timeout` has passed, TLS with the server name
 * and Node's trust (NODE_EXTRA_CA_CERTS), 1xx answers skipped, a body delimited by the close,
 * the header object built by Node's rules (duplicates joined, `set-cookie` a list).
 */

/** What the pool carries: one exchange's callbacks (http/client.ts's `Exchange`). */
export interface Carried {
  readonly done: boolean;
  /** Set while a connection carries the exchange: destroying it ends the exchange's request. */
  connection?: { destroy(): void };
  /**
   * Status and headers; `length`, when the pool reads the body itself (a `Content-Length`): the
   * body's `data` chunks are then `transient`.
   */
  start(status: number, headers: IncomingHttpHeaders, length?: number): boolean;
  /**
   * A body chunk. `transient`: a view of the pool's read buffer, good only during the call (copy
   * what you keep); otherwise the chunk is the exchange's (Node's parser copied it).
   */
  data(chunk: Buffer, transient?: boolean): boolean;
  end(): void;
  fail(error: unknown): void;
}

export interface PooledGet {
  url: URL;
  headers: OutgoingHttpHeaders;
  exchange: Carried;
}

/** Connections per origin, as the agents (http/agents.ts). */
const MAX_SOCKETS = 256;
/** Idle connections kept per origin. */
const MAX_IDLE = 256;
/** Header pairs read per answer, as Node's client (`maxHeadersCount`' default); later ones are dropped. */
const MAX_HEADER_PAIRS = 2000;
/** The largest `Content-Length` body read without the parser (larger ones: what arrives, as it arrives). */
const MAX_OWN_BODY = 64 * 1024;
/** Waiting exchanges past which the ones that gave up are swept out. */
const SWEEP_WAITING = 1024;
/** How long before the server's announced keep-alive timeout an idle connection is given up. */
const KEEP_ALIVE_MARGIN_MS = 1000;

const { kOnHeaders, kOnHeadersComplete, kOnBody, kOnMessageComplete, kLenientAll, RESPONSE } = HTTPParser;
/** What `onHeaders` answers the parser: read the body; or stop after the head (as for an upgrade). */
const READ_BODY = 0;
const STOP_AFTER_HEAD = 2;
const EMPTY = Buffer.alloc(0);
/** The parser's async resource (Node's client gives one per request; nothing reads it here). */
const PARSER_RESOURCE = {};

export class GetPool {
  private readonly origins = new Map<string, Origin>();
  private closed = false;

  /**
   * @param readBuffer where every connection reads into (the agents' one shared buffer): the
   * parser copies what it keeps before the next read.
   */
  constructor(private readonly readBuffer: Buffer) {}

  /** Send `get`; its exchange hears the answer, or `fail`. */
  send(get: PooledGet): void {
    const head = requestHead(get.url, get.headers);
    if (head instanceof Error) return get.exchange.fail(head);
    if (this.closed) return get.exchange.fail(shuttingDown());
    const { url } = get;
    const tlsOn = url.protocol === 'https:';
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const port = Number(url.port) || (tlsOn ? 443 : 80);
    const key = `${tlsOn ? 's' : ''}${host}:${port}`;
    let origin = this.origins.get(key);
    if (!origin) {
      origin = new Origin(this, key, host, port, tlsOn, this.readBuffer);
      this.origins.set(key, origin);
    }
    origin.send(head, get.exchange);
  }

  /** An origin with no connection and nobody waiting is forgotten. */
  forget(origin: Origin): void {
    if (this.origins.get(origin.key) === origin) this.origins.delete(origin.key);
  }

  /** Close every connection (on shutdown); later GETs fail. */
  destroy(): void {
    this.closed = true;
    for (const origin of [...this.origins.values()]) origin.destroy();
    this.origins.clear();
  }
}

class Origin {
  /** Idle connections, most recently used last (taken from the end: warm ones first, as `lifo`). */
  private readonly idle: Connection[] = [];
  private readonly waiting: { head: string; exchange: Carried }[] = [];
  /** Every connection open to the origin, idle or carrying. */
  private readonly connections = new Set<Connection>();

  constructor(
    private readonly pool: GetPool,
    readonly key: string,
    readonly host: string,
    readonly port: number,
    readonly tls: boolean,
    readonly readBuffer: Buffer,
  ) {}

  /** Carry `exchange` on an idle connection (unless `fresh`), a new one, or when one is free. */
  send(head: string, exchange: Carried, fresh = false): void {
    const now = Date.now();
    let connection: Connection | undefined;
    while (!fresh && (connection = this.idle.pop())) {
      if (connection.usable(now)) break;
      connection.destroy();
    }
    if (!connection) {
      if (this.connections.size >= MAX_SOCKETS) return this.wait(head, exchange);
      connection = new Connection(this);
      this.connections.add(connection);
    }
    connection.carry(head, exchange);
  }

  /**
   * Wait for a connection. Exchanges that gave up while waiting (timed out, cancelled) are
   * skipped when their turn comes, and swept out now and then: an origin that keeps every
   * connection busy past the fragments' deadline does not grow the queue without end.
   */
  private wait(head: string, exchange: Carried): void {
    const waiting = this.waiting;
    if (waiting.length >= SWEEP_WAITING && waiting.length % SWEEP_WAITING === 0) {
      let kept = 0;
      for (const entry of waiting) if (!entry.exchange.done) waiting[kept++] = entry;
      waiting.length = kept;
    }
    waiting.push({ head, exchange });
  }

  /** A connection finished its answer and can carry another. */
  release(connection: Connection): void {
    let next;
    while ((next = this.waiting.shift())) {
      if (!next.exchange.done) return connection.carry(next.head, next.exchange);
    }
    if (this.idle.length >= MAX_IDLE) return connection.destroy();
    connection.rest();
    this.idle.push(connection);
  }

  /**
   * A connection closed (whatever it was doing): room for `again` (its exchange, asked again on
   * a new connection) or for one that waits.
   */
  closed(connection: Connection, again?: { head: string; exchange: Carried }): void {
    this.connections.delete(connection);
    const at = this.idle.lastIndexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
    if (again) return this.send(again.head, again.exchange, true);
    let next;
    while ((next = this.waiting.shift())) {
      if (!next.exchange.done) return this.send(next.head, next.exchange);
    }
    if (this.connections.size === 0) this.pool.forget(this);
  }

  /** Shutdown: whoever waits fails, every connection closes (an exchange it carries fails). */
  destroy(): void {
    for (const { exchange } of this.waiting.splice(0)) exchange.fail(shuttingDown());
    for (const connection of [...this.connections]) connection.destroy(shuttingDown());
  }
}

/** The parser's error worded as Node's client words it ("Parse Error: Header overflow"). */
function parseError(error: Error & { reason?: unknown }): Error {
  if (typeof error.reason === 'string') error.message = `Parse Error: ${error.reason}`;
  return error;
}

function shuttingDown(): Error {
  return new Error('the gateway is shutting down');
}

/** An error like Node's client's for a connection that closed before any answer. */
function hangUp(): Error {
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}

class Connection {
  private readonly socket: net.Socket;
  private readonly parser = new HTTPParser();
  private exchange?: Carried;
  /** Headers of the answer being read that came before its end (more than 32 of them). */
  private headerParts: string[] = [];
  /** Whether the answer being read has begun (its status line and headers are in). */
  private answered = false;
  /** The answer is informational (1xx): skipped, its exchange waits for the real one. */
  private informational = false;
  /** The answer read lets the connection carry another (HTTP/1.1 keep-alive, no `close`). */
  private keepAlive = false;
  /** Until when an idle connection may be reused (the server's `Keep-Alive: timeout`). */
  private usableUntil = Infinity;
  private gone = false;
  /** The request head being carried, and how many exchanges this connection has carried. */
  private head = '';
  private carried = 0;
  /** Whether any byte came back since the request was written. */
  private heard = false;
  /** Why the connection was closed by this side (shutdown): what the exchange it carries fails with. */
  private closedBy?: Error;
  /**
   * Bytes of a `Content-Length` body still to come, read here rather than by the parser: Node's
   * parser copies every body chunk into memory of its own (a Buffer per chunk, freed by a later
   * scavenge: at a loaded 100-fragment page's peak, half the process's malloc'd bytes), where
   * the exchange can copy the bytes once, from the read buffer to where they are kept.
   */
  private bodyLeft = 0;

  constructor(private readonly origin: Origin) {
    const parser = this.parser;
    parser.initialize(RESPONSE, PARSER_RESOURCE, 0, kLenientAll);
    parser[kOnHeaders] = (headers: string[]) => void this.headerParts.push(...headers);
    parser[kOnHeadersComplete] = (_major: number, _minor: number, headers: string[] | undefined, _method: unknown, _url: unknown, status: number, _message: string, upgrade: boolean, keepAlive: boolean) =>
      this.onHeaders(headers, status, upgrade, keepAlive);
    parser[kOnBody] = (chunk: Buffer) => this.onBody(chunk);
    parser[kOnMessageComplete] = () => this.onComplete();
    const onread = { buffer: origin.readBuffer, callback: (bytes: number, buffer: Buffer) => this.onRead(buffer.subarray(0, bytes)) };
    const options = { host: origin.host, port: origin.port, noDelay: true, keepAlive: true, keepAliveInitialDelay: 1000, onread };
    this.socket = origin.tls ? tls.connect({ ...options, servername: net.isIP(origin.host) ? undefined : origin.host }) : net.connect(options);
    this.socket.on('error', (error) => this.close(error));
    this.socket.on('end', () => this.onEnd());
    this.socket.on('close', () => this.close(hangUp()));
  }

  usable(now: number): boolean {
    return !this.gone && !this.socket.destroyed && this.socket.writable && now < this.usableUntil;
  }

  carry(head: string, exchange: Carried): void {
    this.exchange = exchange;
    this.answered = false;
    this.head = head;
    this.carried++;
    this.heard = false;
    exchange.connection = this;
    this.socket.ref();
    this.socket.write(head, 'latin1');
  }

  /** Idle in the pool: keeps no process alive. */
  rest(): void {
    this.socket.unref();
  }

  /** Close the connection; an exchange it carries fails with `reason` (by default as a reset). */
  destroy(reason?: Error): void {
    this.closedBy ??= reason;
    this.socket.destroy();
  }

  private onRead(bytes: Buffer): boolean {
    if (this.exchange) this.heard = true;
    let rest = bytes;
    while (rest.length > 0 && !this.gone) {
      if (this.bodyLeft > 0) {
        rest = this.readBody(rest);
        continue;
      }
      const parsed = this.parser.execute(rest);
      if (parsed instanceof Error) {
        this.close(parseError(parsed));
        break;
      }
      // The parser stopped after a head whose body is read here (`onHeaders`): the rest is body.
      if (this.bodyLeft === 0 || parsed >= rest.length) break;
      rest = rest.subarray(parsed);
    }
    return true;
  }

  /** Hands the body's bytes at the start of `bytes` on; returns what follows them. */
  private readBody(bytes: Buffer): Buffer {
    const taken = Math.min(this.bodyLeft, bytes.length);
    this.bodyLeft -= taken;
    if (this.exchange && !this.exchange.data(bytes.subarray(0, taken), true)) {
      this.drop();
      return EMPTY;
    }
    if (this.bodyLeft === 0) {
      // The parser stopped as after an upgrade: a fresh start for the next answer.
      this.parser.initialize(RESPONSE, PARSER_RESOURCE, 0, kLenientAll);
      this.onComplete();
    }
    return bytes.subarray(taken);
  }

  private onHeaders(headers: string[] | undefined, status: number, upgrade: boolean, keepAlive: boolean): number {
    const exchange = this.exchange;
    let raw = headers ?? [];
    if (this.headerParts.length) {
      raw = headers ? [...this.headerParts, ...headers] : this.headerParts;
      this.headerParts = [];
    }
    // Bytes nobody asked for (on an idle connection), or a protocol switch nobody asked for.
    if (!exchange || upgrade || status === 101) {
      this.close(new Error(`unexpected HTTP ${status} answer`));
      return 1;
    }
    this.informational = status >= 100 && status < 200;
    if (this.informational) return 1;
    this.answered = true;
    this.keepAlive = keepAlive;
    const object = headerObject(raw);
    this.usableUntil = keepAliveUntil(object['keep-alive']);
    const length = bodyLength(status, raw);
    if (!exchange.start(status, object, length)) {
      this.drop();
      return READ_BODY;
    }
    if (length === undefined) return READ_BODY;
    this.bodyLeft = length;
    return STOP_AFTER_HEAD;
  }

  private onBody(chunk: Buffer): void {
    if (this.exchange && !this.exchange.data(chunk)) this.drop();
  }

  /** The exchange wants no more of this answer (it has settled): the connection closes. */
  private drop(): void {
    if (this.exchange) this.exchange.connection = undefined;
    this.exchange = undefined;
    this.close();
  }

  private onComplete(): void {
    // (The parser's own end of an answer whose body is read here: not the end yet.)
    if (this.bodyLeft > 0) return;
    if (this.informational) {
      this.informational = false;
      return;
    }
    const exchange = this.exchange;
    if (!exchange) return;
    this.exchange = undefined;
    exchange.connection = undefined;
    exchange.end();
    if (this.keepAlive && !this.gone) this.origin.release(this);
    else this.close();
  }

  /** The server closed its side: an answer delimited by the close is complete now. */
  private onEnd(): void {
    if (this.bodyLeft > 0) return this.close();
    if (this.exchange && this.answered) {
      const result = this.parser.finish();
      if (result instanceof Error) return this.close(parseError(result));
    }
    this.close();
  }

  /**
   * Close the connection; the exchange it carried, if any, fails with `error` — unless the
   * connection had carried others before and nothing came back for this one: the server closed
   * a connection it kept idle just as the request went out (its keep-alive timeout, without a
   * `Keep-Alive` header to say when). A GET asks again, once, on a new connection.
   */
  private close(error?: Error): void {
    const exchange = this.exchange;
    this.exchange = undefined;
    const again = exchange !== undefined && !exchange.done && !this.heard && this.carried > 1 && !this.closedBy;
    if (exchange) {
      exchange.connection = undefined;
      if (!again) exchange.fail(this.closedBy ?? (this.answered ? new Error('the connection closed before the body was complete') : (error ?? hangUp())));
    }
    if (this.gone) return;
    this.gone = true;
    this.socket.destroy();
    // The parser may be on the stack (this runs from its callbacks): freed once it has returned.
    setImmediate(() => this.parser.close());
    this.origin.closed(this, again ? { head: this.head, exchange: exchange! } : undefined);
  }
}

/**
 * A request head: `GET path HTTP/1.1`, the headers as they are (names keep their case, in their
 * order), then `Host` unless they name one (as Node's client writes them), `Connection: keep-alive` unless they say otherwise. The header block of a
 * headers object is made once (a page's fragments share one object).
 */
function requestHead(url: URL, headers: OutgoingHttpHeaders): string | Error {
  const block = headerBlock(headers);
  if (block instanceof Error) return block;
  const path = url.pathname + url.search;
  const host = block.hasHost ? '' : `Host: ${url.host}\r\n`;
  const auth = url.username || url.password ? `Authorization: Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}\r\n` : '';
  return `GET ${path} HTTP/1.1\r\n${block.text}${host}${auth}${block.hasConnection ? '' : 'Connection: keep-alive\r\n'}\r\n`;
}

const blocks = new WeakMap<OutgoingHttpHeaders, { text: string; hasHost: boolean; hasConnection: boolean } | Error>();

function headerBlock(headers: OutgoingHttpHeaders): { text: string; hasHost: boolean; hasConnection: boolean } | Error {
  let block = blocks.get(headers);
  if (!block) {
    const raw = flatHeaderList(headers);
    const bad = unwritableHeader(raw);
    if (bad) block = new Error(`the request has ${bad}`);
    else {
      let text = '';
      let hasHost = false;
      let hasConnection = false;
      for (let i = 0; i < raw.length; i += 2) {
        text += `${raw[i]}: ${raw[i + 1]}\r\n`;
        const lower = raw[i].toLowerCase();
        if (lower === 'host') hasHost = true;
        else if (lower === 'connection') hasConnection = true;
      }
      block = { text, hasHost, hasConnection };
    }
    blocks.set(headers, block);
  }
  return block;
}

/** Headers whose repeats Node's `IncomingMessage` drops (the first one counts). */
const SINGLE = new Set([
  'content-type', 'content-length', 'user-agent', 'referer', 'host', 'authorization', 'proxy-authorization', 'if-modified-since',
  'if-unmodified-since', 'from', 'location', 'max-forwards', 'retry-after', 'etag', 'last-modified', 'server', 'age', 'expires',
]);

/** A flat header list as Node's `IncomingMessage.headers`: lower-case names, repeats joined by its rules. */
function headerObject(raw: readonly string[]): IncomingHttpHeaders {
  const headers: Record<string, string | string[]> = {};
  const pairs = Math.min(raw.length, MAX_HEADER_PAIRS * 2);
  for (let i = 0; i < pairs; i += 2) {
    const name = raw[i].toLowerCase();
    const value = raw[i + 1];
    if (name === '__proto__') continue;
    const had = headers[name];
    if (name === 'set-cookie') {
      if (had === undefined) headers[name] = [value];
      else (had as string[]).push(value);
    } else if (had === undefined) headers[name] = value;
    else if (!SINGLE.has(name)) headers[name] = `${had as string}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
  return headers;
}

/**
 * The length of a body the connection reads itself: one `Content-Length` of digits, above 0 and
 * at most `MAX_OWN_BODY`, no `Transfer-Encoding`, a status that has a body. Anything else (chunked,
 * close-delimited, repeated or odd lengths) is the parser's, whose lenient rules decide.
 */
function bodyLength(status: number, raw: readonly string[]): number | undefined {
  if (status === 204 || status === 304) return undefined;
  let length: number | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length === 14 && name.toLowerCase() === 'content-length') {
      if (length !== undefined || !/^[0-9]{1,15}$/.test(raw[i + 1])) return undefined;
      length = Number(raw[i + 1]);
    } else if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') return undefined;
  }
  return length !== undefined && length > 0 && length <= MAX_OWN_BODY ? length : undefined;
}

/** Until when a connection whose answer said `Keep-Alive: timeout=N` may be reused (as Node's agent: a second before). */
function keepAliveUntil(keepAlive: string | string[] | undefined): number {
  return typeof keepAlive === 'string' ? Date.now() + keepAliveMs(keepAlive) - KEEP_ALIVE_MARGIN_MS : Infinity;
}

/** The timeout a `Keep-Alive` header names, in ms (an origin says the same on every answer: read once). */
const keepAliveMs = rememberLast((keepAlive) => {
  const seconds = /(?:^|[,\s])timeout=(\d+)/i.exec(keepAlive)?.[1];
  return seconds === undefined ? Infinity : Number(seconds) * 1000;
});
