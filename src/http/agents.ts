import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { GetPool } from './get-pool.js';

/**
 * A pair of keep-alive agents (one for `http:` targets, one for `https:`) for requests that stream
 * (the way to production, websockets), and the pool for whole-body GETs (fragments, shadow sides,
 * live reload's polls: http/get-pool.ts).
 */
export interface Agents {
  http: http.Agent;
  https: https.Agent;
  gets: GetPool;
}

/**
 * Where every socket to production and to local services reads into: one buffer for all of them.
 *
 * Without it Node allocates 64 KiB for each read of each socket (outside V8's heap, in malloc's
 * arena), keeps the bytes read in it, and frees it only when the young generation is next
 * collected; meanwhile its HTTP parser has copied what it keeps (a body chunk is a copy of its
 * own, headers become strings). Under the bench's load those read buffers were half the Buffers
 * alive at the peak (heaptrack) and grew malloc's arena from 4 to 33 MB. Reads are handled one at
 * a time on the event loop, so one buffer serves every socket (`onRead`).
 */
const READ_BUFFER_BYTES = 64 * 1024;
const readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
/** A request head that asks for an upgrade (not `Upgrade-Insecure-Requests`, which browsers send with every page). */
const UPGRADE_REQUEST = /\r\nupgrade:/i;

/**
 * A read on a socket of the agents. A socket carrying an HTTP exchange (it has Node's parser) gets
 * the bytes in place: the parser copies what it keeps before `emit` returns, and the buffer is
 * read into again only after that (the one exception, a parse error's `rawPacket`, points into
 * the buffer; nothing of ours reads it). A socket whose request asked for an upgrade (a
 * websocket) gets a copy: Node hands the bytes that came with the `101` after its head to the
 * upgrade's listener as a slice of what was read, and a proxy keeps them for later (http-proxy
 * `unshift`s them), by when another socket has read into the buffer. Anything else — a socket
 * handed over by an upgrade, bytes on an idle pooled connection — gets a copy of its own, through
 * the stream's own buffering, as Node would give it; `false` pauses reading as a full stream does.
 */
function onRead(this: Socket & { parser?: unknown; _httpMessage?: { _header?: string | null } | null }, bytes: number, buffer: Buffer): boolean {
  const chunk = buffer.subarray(0, bytes);
  if (this.parser) {
    const head = this._httpMessage?._header;
    this.emit('data', head && UPGRADE_REQUEST.test(head) ? Buffer.from(chunk) : chunk);
    return true;
  }
  return this.push(Buffer.from(chunk));
}

/**
 * Keep-alive agents shared by every request of a gateway to one kind of target. As many idle
 * connections are kept as may be busy at once: a composed page asks every fragment at the same
 * moment (10 pages of 10 fragments are 100 requests), and a connection closed because the idle
 * pool was smaller is a new TCP handshake on the next page. Their sockets read into one shared
 * buffer (`readBuffer`); TLS sockets too (Node's TLS layer decrypts into it).
 */
export function createAgents(): Agents {
  const options = {
    keepAlive: true,
    maxSockets: 256,
    maxFreeSockets: 256,
    scheduling: 'lifo' as const,
    onread: { buffer: readBuffer, callback: onRead },
  };
  return { http: new http.Agent(options), https: new https.Agent(options), gets: new GetPool(readBuffer) };
}

/** Close every pooled socket (on shutdown). */
export function destroyAgents(agents: Agents): void {
  agents.http.destroy();
  agents.https.destroy();
  agents.gets.destroy();
}
