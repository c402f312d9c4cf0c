/**
 * The bench's "production" and the developer's local fragment service, in a process of their
 * own (forked by run.js) so that serving them never competes with the gateway under test for its
 * event loop. Started with `fork('bench/fixture-server.js', [JSON.stringify({ run })])`; reports
 * `{ type: 'ready', production, local, productionNode, localNode }` (ports on 127.0.0.1) over IPC
 * and exits when the parent goes away. Each origin comes twice, with the same resources:
 *
 * - raw (`production`, `local`): just enough HTTP/1.1 for GETs on keep-alive connections, three
 *   headers per response (see `originServer`): the cheapest origin, so the gateway's own work
 *   shows.
 * - production-like (`productionNode`, `localNode`): Node's `http` server with the header sets a
 *   real origin sends (`Date`, `Connection`, `Keep-Alive`, `Content-Type`, `Content-Length`,
 *   `Cache-Control`; the pages also `Set-Cookie`, `ETag` and `Vary`), which every gateway must
 *   parse (see `nodeOriginServer`).
 *
 * production:  GET /page/{ssi,esi,tailor,precomposed}[-slow|-100]   the pages (see fixture-pages.js)
 *              GET /assets/app.js                                    a 30 KB script
 *              GET /page/big                                         50 MB, streamed with backpressure
 *              GET /fragments/fN[?delay=MS]                          fragment N, after MS ms
 * local:       GET /fragments/fN[?delay=MS]                          the local variant of fragment N
 */
import http from 'node:http';
import net from 'node:net';
import { bigPageChunks, BIG_PAGE, buildPages, fragmentBody, scriptAsset, SCRIPT_PATH } from './fixture-pages.js';

const { run } = JSON.parse(process.argv[2] ?? '{}');
if (!run) throw new Error('fixture-server: pass {"run": "..."} as the first argument');

const pages = buildPages(run);
/** @type {Map<string, Buffer>} */
const fragmentCache = new Map();
const MAX_FRAGMENT = 1000;

const HTML = 'text/html; charset=utf-8';

/**
 * A response: status line, headers and body in one Buffer (one write), cached per resource.
 * @param {number} status @param {Buffer} body @param {number} [contentLength] @param {string} [type]
 */
function response(status, body, contentLength = body.length, type = HTML) {
  const head = `HTTP/1.1 ${status} ${status === 200 ? 'OK' : 'Not Found'}\r\nContent-Type: ${type}\r\nContent-Length: ${contentLength}\r\nCache-Control: no-store\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

const notFound = response(404, Buffer.from('not found\n'));
/** @type {Map<string, Buffer>} */
const pageResponses = new Map(Object.entries(pages).map(([path, body]) => [path, response(200, body)]));
const script = scriptAsset(run);
pageResponses.set(SCRIPT_PATH, response(200, script, script.length, 'text/javascript; charset=utf-8'));

/**
 * The answer to one GET: a ready response, one after a delay, or the streamed big page.
 * @param {'prod' | 'local'} variant @param {string} path @param {string} query
 * @returns {{ data: Buffer, delayMs?: number } | { stream: Iterable<Buffer>, head: Buffer }}
 */
function answer(variant, path, query) {
  const match = /^\/fragments\/f(\d+)$/.exec(path);
  if (match && Number(match[1]) < MAX_FRAGMENT) {
    const key = `${variant}:${match[1]}`;
    let data = fragmentCache.get(key);
    if (!data) fragmentCache.set(key, (data = response(200, fragmentBody(run, variant, Number(match[1])))));
    const delay = /(?:^|&)delay=(\d+)/.exec(query);
    return { data, delayMs: delay ? Number(delay[1]) : 0 };
  }
  if (variant === 'local') return { data: notFound };
  if (path === BIG_PAGE.path) return { head: response(200, Buffer.alloc(0), BIG_PAGE.bytes), stream: bigPageChunks() };
  return { data: pageResponses.get(path) ?? notFound };
}

/**
 * A minimal HTTP/1.1 server for GETs on keep-alive connections: precomputed responses, one write
 * each, in request order. The origin should cost as little CPU as possible, since on a 2-core
 * machine it shares the cores with the gateway under test and the load generator; node:http
 * costs about three times as much per request.
 * @param {'prod' | 'local'} variant
 */
function originServer(variant) {
  return net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    let pending = '';
    /** Responses are sent in request order; `busy` while one waits (delay) or streams. */
    let busy = false;
    /** @type {{ path: string, query: string, close: boolean }[]} */
    const queue = [];
    const next = () => {
      while (!busy && queue.length > 0 && !socket.destroyed) {
        const request = /** @type {{ path: string, query: string, close: boolean }} */ (queue.shift());
        const result = answer(variant, request.path, request.query);
        const done = () => (request.close ? socket.end() : undefined);
        if ('stream' in result) {
          busy = true;
          socket.write(result.head);
          const chunks = result.stream[Symbol.iterator]();
          const pump = () => {
            while (!socket.destroyed) {
              const chunk = chunks.next();
              if (chunk.done) return void ((busy = false), done(), next());
              if (!socket.write(chunk.value)) return void socket.once('drain', pump);
            }
          };
          pump();
        } else if (result.delayMs) {
          busy = true;
          setTimeout(() => {
            busy = false;
            if (!socket.destroyed) socket.write(result.data);
            done();
            next();
          }, result.delayMs);
        } else {
          socket.write(result.data);
          done();
        }
      }
    };
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1');
      let end;
      while ((end = pending.indexOf('\r\n\r\n')) >= 0) {
        const head = pending.slice(0, end);
        pending = pending.slice(end + 4);
        const lineEnd = head.indexOf('\r\n');
        const line = lineEnd < 0 ? head : head.slice(0, lineEnd);
        const [, target = '/', version = 'HTTP/1.1'] = line.split(' ');
        const q = target.indexOf('?');
        const close = /\r\nconnection:[ \t]*close/i.test(head) || (version === 'HTTP/1.0' && !/\r\nconnection:[ \t]*keep-alive/i.test(head));
        queue.push({ path: q < 0 ? target : target.slice(0, q), query: q < 0 ? '' : target.slice(q + 1), close });
      }
      next();
    });
  });
}

/**
 * Header sets as a production origin sends them (Node's server adds `Date`, `Connection:
 * keep-alive` and `Keep-Alive: timeout=60`): pages are personalised (a session cookie, `Vary`,
 * an `ETag`, not cacheable), fragments and assets cacheable.
 */
const PAGE_HEADERS = (length) => [
  ['Content-Type', HTML],
  ['Content-Length', String(length)],
  ['Cache-Control', 'private, no-cache'],
  ['Vary', 'Accept-Encoding, Cookie'],
  ['ETag', `W/"${run}-${length.toString(16)}"`],
  ['Set-Cookie', `session=${run}; Path=/; HttpOnly; SameSite=Lax; Max-Age=3600`],
];
const FRAGMENT_HEADERS = (length, type = HTML) => [
  ['Content-Type', type],
  ['Content-Length', String(length)],
  ['Cache-Control', 'public, max-age=60'],
];

/**
 * The production-like origin: Node's `http` server answering the same resources as
 * `originServer`, with real header sets (the header lists are built once per resource).
 * @param {'prod' | 'local'} variant
 */
function nodeOriginServer(variant) {
  /** @type {Map<string, { headers: string[][], body: Buffer }>} */
  const ready = new Map();
  const resource = (path) => {
    let found = ready.get(path);
    if (found) return found;
    const match = /^\/fragments\/f(\d+)$/.exec(path);
    if (match && Number(match[1]) < MAX_FRAGMENT) {
      const body = fragmentBody(run, variant, Number(match[1]));
      found = { headers: FRAGMENT_HEADERS(body.length), body };
    } else if (variant === 'prod' && path === SCRIPT_PATH) {
      found = { headers: FRAGMENT_HEADERS(script.length, 'text/javascript; charset=utf-8'), body: script };
    } else if (variant === 'prod' && pages[path]) {
      found = { headers: PAGE_HEADERS(pages[path].length), body: pages[path] };
    } else return undefined;
    ready.set(path, found);
    return found;
  };
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    if (variant === 'prod' && path === BIG_PAGE.path) {
      res.writeHead(200, PAGE_HEADERS(BIG_PAGE.bytes).flat());
      const chunks = bigPageChunks()[Symbol.iterator]();
      const pump = () => {
        while (!res.destroyed) {
          const chunk = chunks.next();
          if (chunk.done) return void res.end();
          if (!res.write(chunk.value)) return void res.once('drain', pump);
        }
      };
      return pump();
    }
    const found = resource(path);
    if (!found) {
      res.writeHead(404, FRAGMENT_HEADERS(10).flat());
      return void res.end('not found\n');
    }
    const delay = q < 0 ? undefined : /(?:^|&)delay=(\d+)/.exec(target.slice(q + 1));
    const send = () => {
      res.writeHead(200, found.headers.flat());
      res.end(found.body);
    };
    if (delay) setTimeout(send, Number(delay[1]));
    else send();
  });
  server.headersTimeout = 65_000;
  return server;
}

const production = originServer('prod');
const local = originServer('local');
const productionNode = nodeOriginServer('prod');
const localNode = nodeOriginServer('local');

/** @param {net.Server} server */
const listen = (server) =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(/** @type {net.AddressInfo} */ (server.address()).port)));

const [productionPort, localPort, productionNodePort, localNodePort] = await Promise.all([production, local, productionNode, localNode].map(listen));
process.send?.({ type: 'ready', production: productionPort, local: localPort, productionNode: productionNodePort, localNode: localNodePort });
process.on('disconnect', () => process.exit(0));
process.on('message', (message) => {
  if (message === 'exit') process.exit(0);
});
