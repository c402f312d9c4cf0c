/**
 * The one origin every edge under test sits in front of: a real HTTP server on 127.0.0.1 that
 * serves the documents (pages and fragments) of the generated cases, registered by path.
 *
 * A document's body is sent in its `parts`, one write each, a few ms apart when `chunked` (so a
 * marker split across parts reaches the edge in two reads); otherwise in one write with a
 * `Content-Length`. `{{h:NAME}}` in a body is replaced by the request's header NAME (`-` when
 * absent): fragments that echo the request headers the edge sent them.
 */
import type http from 'node:http';
import { listen, type TestServer } from '../helpers/servers.js';

export interface Doc {
  status: number;
  /** The Content-Type header; undefined sends none. */
  type?: string;
  parts: string[];
  chunked?: boolean;
  headers?: Record<string, string>;
  /** Close the connection without an answer (a fragment the edge cannot fetch). */
  reset?: boolean;
}

export interface Origin extends TestServer {
  docs: Map<string, Doc>;
}

const ECHO = /\{\{h:([a-z0-9-]+)\}\}/g;

function render(text: string, req: http.IncomingMessage): string {
  return text.replace(ECHO, (_, name: string) => {
    const value = req.headers[name];
    return value === undefined ? '-' : Array.isArray(value) ? value.join(', ') : value;
  });
}

export async function startOrigin(): Promise<Origin> {
  const docs = new Map<string, Doc>();
  const server = await listen((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const doc = docs.get(path);
    if (!doc) {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<p>no such document</p>');
      return;
    }
    if (doc.reset) {
      req.socket.destroy();
      return;
    }
    const headers: Record<string, string> = { ...doc.headers };
    if (doc.type !== undefined) headers['content-type'] = doc.type;
    const parts = doc.parts.map((part) => Buffer.from(render(part, req)));
    if (!doc.chunked) {
      const body = Buffer.concat(parts);
      headers['content-length'] = String(body.length);
      res.writeHead(doc.status, headers);
      res.end(body);
      return;
    }
    res.writeHead(doc.status, headers);
    let index = 0;
    const next = () => {
      if (res.destroyed) return;
      if (index >= parts.length) return void res.end();
      res.write(parts[index++]);
      setTimeout(next, 3);
    };
    next();
  });
  return Object.assign(server, { docs });
}
