/**
 * `npm run bench:limits`: memory stays bounded when fragments are hostile (issue 8 item 9).
 * Not part of `npm test` (it asserts an RSS bound, which depends on the machine).
 *
 *   node bench/fragment-limits.js [--requests N] [--bomb-mb N]
 *
 * Production serves pages whose fragment is a gzip bomb (N MB of zeros in a few hundred KB) or an
 * endless body; a local service does the same. mfe-dev (from dist/, in this process, default
 * `maxFragmentSize` of 10 MiB) composes them, 8 at a time. RSS is sampled every 20 ms; the run fails
 * (exit 1) when the peak grows by more than 256 MB over the baseline, or a page lacks its error.
 */
import http from 'node:http';
import zlib from 'node:zlib';
import { createDevServer } from '../dist/index.js';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const requests = option('--requests', 200);
const bombMb = option('--bomb-mb', 512);
const LIMIT_MB = 256;
const mb = (bytes) => Math.round(bytes / 1024 / 1024);

const bomb = zlib.gzipSync(Buffer.alloc(bombMb * 1024 * 1024), { level: 1 });
function endless(res) {
  res.writeHead(200, { 'content-type': 'text/html' });
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const more = () => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once('drain', more);
  };
  res.on('error', () => undefined);
  more();
}
const page = (src) => `<!doctype html><html><body><p>before</p><esi:include src="${src}"/><p>after</p></body></html>`;
const serve = (handler) =>
  new Promise((resolve) => {
    const server = http.createServer(handler);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
const fragment = (req, res) => {
  if (req.url.includes('bomb')) return res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' }).end(bomb);
  endless(res);
};
const production = await serve((req, res) => {
  if (req.url.startsWith('/fragments/')) return fragment(req, res);
  res.writeHead(200, { 'content-type': 'text/html' }).end(page(req.url === '/local' ? '/fragments/mine/bomb' : req.url === '/local-endless' ? '/fragments/mine/endless' : req.url === '/endless' ? '/fragments/endless' : '/fragments/bomb'));
});
const local = await serve(fragment);
const base = (server) => `http://127.0.0.1:${server.address().port}`;
const gateway = await createDevServer({
  upstream: base(production),
  fragments: { mine: { src: '/fragments/mine', local: base(local) } },
  local: ['mine'],
  configFile: false,
  watch: false,
  logLevel: 'silent',
  port: 0,
});
await gateway.listen();

const get = (path) =>
  new Promise((resolve, reject) => {
    http.get(gateway.url + path, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve(text));
    }).on('error', reject);
  });

global.gc?.();
const baseline = process.memoryUsage().rss;
let peak = baseline;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
const paths = ['/bomb', '/endless', '/local', '/local-endless'];
const started = performance.now();
let failures = 0;
let next = 0;
await Promise.all(
  Array.from({ length: 8 }, async () => {
    while (next < requests) {
      const path = paths[next++ % paths.length];
      const text = await get(path);
      if (!/maxFragmentSize/.test(text) || !text.includes('<p>after</p>')) {
        failures++;
        console.error(`${path}: no size-limit error in the page:\n${text.slice(0, 300)}`);
      }
    }
  }),
);
clearInterval(sampler);
const seconds = (performance.now() - started) / 1000;
const after = process.memoryUsage().rss;
await gateway.close();
production.close();
local.close();
production.closeAllConnections();
local.closeAllConnections();

console.log(
  `${requests} pages with hostile fragments (gzip bomb ${bombMb} MB → ${Math.round(bomb.length / 1024)} KB, endless bodies; production and local) in ${seconds.toFixed(1)} s\n` +
    `RSS: baseline ${mb(baseline)} MB, peak ${mb(peak)} MB (+${mb(peak - baseline)} MB), after ${mb(after)} MB; limit +${LIMIT_MB} MB`,
);
if (failures > 0 || peak - baseline > LIMIT_MB * 1024 * 1024) {
  console.error(failures > 0 ? `${failures} page(s) without the error` : 'RSS grew past the limit');
  process.exit(1);
}
