/**
 * The least a Node gateway can do: a reverse proxy in a dozen lines of Node's own `http` (a
 * server, `http.request` on a keep-alive agent, the answer piped back), in a process of its own.
 * The bench loads it beside mfe-dev's pass-through and nginx's plain proxy, and times its first
 * byte beside theirs: what is left between mfe-dev and it is mfe-dev's own work; what is between
 * it and nginx is what running in Node costs. It composes nothing and rewrites nothing.
 *
 * Started with `fork('bench/node-proxy.js', [JSON.stringify({ upstream })])`; reports
 * `{ type: 'ready', url }` over IPC and exits when the parent goes away or sends 'exit'.
 */
import http from 'node:http';

const { upstream } = JSON.parse(process.argv[2] ?? '{}');
if (!upstream) throw new Error('node-proxy: pass {"upstream": "http://…"} as the first argument');
const target = new URL(upstream);
// As many kept-alive connections as nginx's `upstream { keepalive 32; }` may keep, and more in use.
const agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 32 });

const server = http.createServer((req, res) => {
  const outgoing = http.request(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host }, agent },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
      answer.pipe(res);
    },
  );
  outgoing.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(outgoing);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  process.send?.({ type: 'ready', url: `http://127.0.0.1:${address.port}` });
});
process.on('message', (message) => message === 'exit' && process.exit(0));
process.on('disconnect', () => process.exit(0));
