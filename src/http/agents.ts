import http from 'node:http';
import https from 'node:https';

/** A pair of keep-alive agents: one for `http:` targets, one for `https:`. */
export interface Agents {
  http: http.Agent;
  https: https.Agent;
}

/**
 * Keep-alive agents shared by every request of a gateway to one kind of target. As many idle
 * connections are kept as may be busy at once: a composed page asks every fragment at the same
 * moment (10 pages of 10 fragments are 100 requests), and a connection closed because the idle
 * pool was smaller is a new TCP handshake on the next page.
 */
export function createAgents(): Agents {
  const options = { keepAlive: true, maxSockets: 256, maxFreeSockets: 256, scheduling: 'lifo' as const };
  return { http: new http.Agent(options), https: new https.Agent(options) };
}

/** Close every pooled socket (on shutdown). */
export function destroyAgents(agents: Agents): void {
  agents.http.destroy();
  agents.https.destroy();
}
