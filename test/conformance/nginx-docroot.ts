import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../helpers/gateway.js';
import { listen, request, type TestResponse, type TestServer } from '../helpers/servers.js';

/**
 * Fixtures for the nginx-tests conformance tables: a "docroot" origin that serves the files an
 * nginx-tests script writes (`$t->write_file`) the way nginx's static module does (path
 * percent-decoded, `Last-Modified`, `ETag` and `Accept-Ranges` on every file, nginx's 404 page),
 * and a real mfe-dev gateway in front of it. The gateway plays nginx's `ssi on` location: the
 * response is what nginx's SSI module should have produced.
 */

export interface NginxCase {
  /** The nginx-tests file and the test's name, e.g. `ssi.t: 'echo no argument'`. */
  source: string;
  /** The request, as in the script (`http_get('/test1.html?test=')`). */
  request: string;
  headers?: http.OutgoingHttpHeaders;
  /** A request body (nginx-tests' `http_get_body`). */
  body?: string;
  /** What nginx-tests expects: a `like` on the response body, or a check of the whole response. */
  like?: RegExp;
  unlike?: RegExp;
  check?: (response: TestResponse) => void;
  /** Why the case cannot mean anything for mfe-dev (nginx-only features), when it is skipped. */
  skip?: string;
}

/** A file's body, or a function answering the request itself (a special location). */
export type DocrootEntry = string | Buffer | ((req: http.IncomingMessage, res: http.ServerResponse) => void);

const LAST_MODIFIED = 'Thu, 01 Jan 2026 00:00:00 GMT';

export async function startDocroot(files: Record<string, DocrootEntry>, before?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean): Promise<TestServer> {
  return listen((req, res) => {
    if (before?.(req, res)) return;
    const url = new URL(req.url ?? '/', 'http://docroot');
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      path = url.pathname;
    }
    const file = files[path.replace(/^\//, '')];
    if (typeof file === 'function') return file(req, res);
    if (file === undefined) {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n</body>\r\n</html>\r\n');
      return;
    }
    const body = Buffer.from(file);
    res.writeHead(200, {
      'content-type': path.endsWith('.html') ? 'text/html' : 'text/plain',
      'content-length': body.length,
      'last-modified': LAST_MODIFIED,
      etag: `"${body.length.toString(16)}-1"`,
      'accept-ranges': 'bytes',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
}

/**
 * One table: a docroot with `files`, a gateway in front, and one test per case. Skipped cases
 * are listed (with their reason) as skipped tests, so the counts show in every run.
 */
export function nginxTable(title: string, files: Record<string, DocrootEntry>, cases: readonly NginxCase[], before?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean): void {
  describe(title, () => {
    let docroot: TestServer;
    let gateway: Awaited<ReturnType<typeof startGateway>>;
    beforeAll(async () => {
      docroot = await startDocroot(files, before);
      // nginx's tests, so nginx's rules where edges differ.
      gateway = await startGateway({ upstream: docroot.url, overlay: false, edge: 'nginx' });
    });
    afterAll(async () => {
      await gateway?.close();
      await docroot?.close();
    });
    for (const row of cases) {
      const name = `${row.source} — GET ${row.request}`;
      if (row.skip) {
        it.skip(`${name} (skipped: ${row.skip})`, () => undefined);
        continue;
      }
      it(name, async () => {
        const response = await request(gateway.url + row.request, { headers: row.headers, body: row.body });
        if (row.like) expect(response.text).toMatch(row.like);
        if (row.unlike) expect(rawResponse(response)).not.toMatch(row.unlike);
        row.check?.(response);
      });
    }
  });
}

/** Status line and headers as text, then the body: what nginx-tests' regexes run on. */
export function rawResponse(response: TestResponse): string {
  const lines = [`HTTP/1.1 ${response.status}`];
  for (let i = 0; i < response.rawHeaders.length; i += 2) lines.push(`${response.rawHeaders[i]}: ${response.rawHeaders[i + 1]}`);
  return lines.join('\r\n') + '\r\n\r\n' + response.text;
}
