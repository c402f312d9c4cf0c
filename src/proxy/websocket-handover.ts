import http, { type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Offer a browser's websocket upgrade to one service and hand the connection over if it accepts.
 *
 * Unlike a blind proxy, this can fail without harm: until the service answers `101 Switching
 * Protocols`, nothing has been written to the browser, so the caller can offer the same upgrade
 * to the next candidate (another local dev server, then production). A service that ignores the
 * upgrade (Vite leaves sockets it does not want hanging) counts as a refusal after `timeoutMs`.
 */
export interface HandoverTarget {
  /** `http://127.0.0.1:5173`: where the upgrade is offered (from the config, never the request). */
  origin: string;
  /** Path and query to ask for. */
  path: string;
  /** When the browser's `Origin` is this (the gateway's own), the service is shown its own origin. */
  gatewayOrigin?: string;
}

export type HandoverResult =
  | { accepted: true }
  | { accepted: false; reason: string; status?: number };

const DEFAULT_TIMEOUT_MS = 2000;

export function offerUpgrade(
  req: IncomingMessage,
  socket: Socket,
  head: Buffer,
  target: HandoverTarget,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<HandoverResult> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve({ accepted: false, reason: 'the browser closed the connection' });
    const base = new URL(target.origin);
    const headers = { ...req.headers, host: base.host };
    if (target.gatewayOrigin && req.headers.origin?.toLowerCase() === target.gatewayOrigin.toLowerCase()) {
      // Dev servers check that a websocket comes from a page of their own (webpack-dev-server
      // refuses other host names): the page is the gateway's, which stands in for the service.
      headers.origin = base.origin;
    }
    let settled = false;
    const settle = (result: HandoverResult) => {
      if (settled) return;
      settled = true;
      socket.off('close', onBrowserClose);
      resolve(result);
    };
    const outgoing = http.request({
      hostname: base.hostname.replace(/^\[|\]$/g, ''),
      port: base.port || 80,
      method: 'GET',
      path: target.path,
      headers,
      agent: false,
      timeout: timeoutMs,
    });
    const onBrowserClose = () => {
      outgoing.destroy();
      settle({ accepted: false, reason: 'the browser closed the connection' });
    };
    socket.once('close', onBrowserClose);
    outgoing.on('timeout', () => {
      outgoing.destroy();
      settle({ accepted: false, reason: `no answer within ${timeoutMs} ms` });
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      settle({ accepted: false, reason: error.code === 'ECONNREFUSED' ? 'connection refused' : error.message });
    });
    outgoing.on('response', (response) => {
      response.resume();
      settle({ accepted: false, status: response.statusCode, reason: `answered ${response.statusCode}` });
    });
    outgoing.on('upgrade', (response, serviceSocket, serviceHead) => {
      if (settled || socket.destroyed) {
        serviceSocket.destroy();
        return settle({ accepted: false, reason: 'the browser closed the connection' });
      }
      settle({ accepted: true });
      serviceSocket.setTimeout(0);
      socket.setTimeout(0);
      socket.setNoDelay(true);
      serviceSocket.setNoDelay(true);
      const lines = [`HTTP/1.1 101 ${response.statusMessage || 'Switching Protocols'}`];
      for (let i = 0; i < response.rawHeaders.length; i += 2) lines.push(`${response.rawHeaders[i]}: ${response.rawHeaders[i + 1]}`);
      socket.write(lines.join('\r\n') + '\r\n\r\n');
      if (serviceHead.length) socket.write(serviceHead);
      if (head.length) serviceSocket.write(head);
      const closeBoth = () => {
        socket.destroy();
        serviceSocket.destroy();
      };
      socket.on('error', closeBoth);
      serviceSocket.on('error', closeBoth);
      socket.on('close', closeBoth);
      serviceSocket.on('close', closeBoth);
      serviceSocket.pipe(socket);
      socket.pipe(serviceSocket);
    });
    outgoing.end();
  });
}
