import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A short plain-text answer of the gateway's own (a refusal, an internal error): UTF-8, with
 * its length, and no body for HEAD.
 */
export function sendText(res: ServerResponse, req: IncomingMessage, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(req.method === 'HEAD' ? undefined : text);
}
