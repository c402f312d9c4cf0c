import http from 'node:http';
import https from 'node:https';

/** A pair of keep-alive agents: one for `http:` targets, one for `https:`. */
export interface Agents {
  http: http.Agent;
  https: https.Agent;
}

/** Keep-alive agents shared by every request of a gateway to one kind of target. */
export function createAgents(): Agents {
  const options = { keepAlive: true, maxSockets: 256, maxFreeSockets: 64, scheduling: 'lifo' as const };
  return { http: new http.Agent(options), https: new https.Agent(options) };
}

/** Close every pooled socket (on shutdown). */
export function destroyAgents(agents: Agents): void {
  agents.http.destroy();
  agents.https.destroy();
}
