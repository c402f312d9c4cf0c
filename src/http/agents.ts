import http from 'node:http';
import https from 'node:https';
import type { Dispatcher } from 'undici';

/**
 * The keep-alive pools of one kind of target: Node's agents (`http:` and `https:`, for the
 * streamed requests to production and for backends undici cannot read) and undici's dispatcher
 * for whole-body GETs (made on first use by http/client.ts).
 */
export interface Agents {
  http: http.Agent;
  https: https.Agent;
  undici?: Dispatcher;
  /** Origins whose responses undici's strict parser could not read (bare `\n`): asked with Node's client. */
  lenientOrigins: Set<string>;
}

/**
 * Keep-alive agents shared by every request of a gateway to one kind of target. As many idle
 * connections are kept as may be busy at once: a composed page asks every fragment at the same
 * moment (10 pages of 10 fragments are 100 requests), and a connection closed because the idle
 * pool was smaller is a new TCP handshake on the next page.
 */
export function createAgents(): Agents {
  const options = { keepAlive: true, maxSockets: 256, maxFreeSockets: 256, scheduling: 'lifo' as const };
  return { http: new http.Agent(options), https: new https.Agent(options), lenientOrigins: new Set() };
}

/** Close every pooled socket (on shutdown). */
export function destroyAgents(agents: Agents): void {
  agents.http.destroy();
  agents.https.destroy();
  void agents.undici?.destroy().catch(() => undefined);
  agents.undici = undefined;
}
