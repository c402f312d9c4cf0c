import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Plugin } from 'http-proxy-middleware';

/**
 * How long a request to production may live, and who ends it. A request is production's for as
 * long as a browser waits for it: a browser that goes away (a closed tab, a cancelled
 * navigation, an HMR client that reconnects) cancels it, and its socket to production is closed
 * rather than left open for good (after the agent's socket limit, production would be out of
 * reach). A production that does not start answering within `pageTimeout` is given up too: the
 * browser gets a 504 page naming the URL.
 */

/** Production did not start answering in time (the proxy's error handler answers 504). */
export class PageTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`production did not start answering within ${timeoutMs} ms`);
    this.name = 'PageTimeoutError';
  }
}

/** The browser went away before production answered: nothing to report, nobody to tell. */
export class ClientGoneError extends Error {
  constructor() {
    super('the browser went away before production answered');
    this.name = 'ClientGoneError';
  }
}

/**
 * An http-proxy plugin that ends requests as above.
 * @param pageTimeoutMs the `pageTimeout` in force (read per request: a config reload applies)
 */
export function requestLifetime(pageTimeoutMs: () => number): Plugin {
  return (proxyServer) => {
    proxyServer.on('proxyReq', (proxyReq: ClientRequest, _req: IncomingMessage, res: ServerResponse) => {
      let answered = false;
      let timer: NodeJS.Timeout | undefined;
      // The clock starts once the request (and its body) is sent: a slow upload is not production's delay.
      proxyReq.once('finish', () => {
        const ms = pageTimeoutMs();
        if (!answered) timer = setTimeout(() => proxyReq.destroy(new PageTimeoutError(ms)), ms);
      });
      proxyReq.once('response', (proxyRes: IncomingMessage) => {
        answered = true;
        clearTimeout(timer);
        // A browser that leaves mid-body (an endless stream, a big file) lets go of production too.
        res.once('close', () => {
          if (!proxyRes.complete) proxyRes.destroy();
        });
      });
      proxyReq.once('close', () => clearTimeout(timer));
      res.once('close', () => {
        clearTimeout(timer);
        if (!answered && !res.writableFinished) proxyReq.destroy(new ClientGoneError());
      });
    });

    proxyServer.on('proxyReqWs', (proxyReq: ClientRequest, _req: IncomingMessage, socket: Socket) => {
      // Until production answers the upgrade, the browser's socket is read here, so its FIN is
      // seen (else the socket sits in CLOSE-WAIT); what it sent is handed back untouched.
      let answered = false;
      const early: Buffer[] = [];
      const hold = (chunk: Buffer) => void early.push(chunk);
      const ms = pageTimeoutMs();
      const timer = setTimeout(() => giveUp(new PageTimeoutError(ms)), ms);
      const giveUp = (error: Error) => {
        if (answered) return;
        answered = true;
        clearTimeout(timer);
        proxyReq.destroy(error);
        socket.destroy();
      };
      const onGone = () => giveUp(new ClientGoneError());
      const handOver = () => {
        if (answered) return;
        answered = true;
        clearTimeout(timer);
        socket.off('data', hold);
        socket.off('end', onGone);
        socket.off('close', onGone);
        socket.pause();
        for (const chunk of early.reverse()) socket.unshift(chunk);
      };
      socket.on('data', hold);
      socket.once('end', onGone);
      socket.once('close', onGone);
      proxyReq.once('upgrade', handOver);
      proxyReq.once('response', handOver);
    });
  };
}
