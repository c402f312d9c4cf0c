/**
 * The bench's "production" and the developer's local fragment service, in a process of their
 * own (forked by run.js) so that serving them never competes with the gateway under test for its
 * event loop. Started with `fork('bench/fixture-server.js', [JSON.stringify({ run })])`; reports
 * `{ type: 'ready', production, local }` (ports on 127.0.0.1) over IPC and exits when the parent
 * goes away. Both speak just enough HTTP/1.1 for GETs on keep-alive connections (see
 * `originServer`).
 *
 * production:  GET /page/{ssi,esi,tailor,precomposed}[-slow|-100]   the pages (see fixture-pages.js)
 *              GET /assets/app.js                                    a 30 KB script
 *              GET /page/big                                         50 MB, streamed with backpressure
 *              GET /fragments/fN[?delay=MS]                          fragment N, after MS ms
 * local:       GET /fragments/fN[?delay=MS]                          the local variant of fragment N
 */
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

const production = originServer('prod');
const local = originServer('local');

/** @param {net.Server} server */
const listen = (server) =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(/** @type {net.AddressInfo} */ (server.address()).port)));

const [productionPort, localPort] = await Promise.all([listen(production), listen(local)]);
process.send?.({ type: 'ready', production: productionPort, local: localPort });
process.on('disconnect', () => process.exit(0));
process.on('message', (message) => {
  if (message === 'exit') process.exit(0);
});
