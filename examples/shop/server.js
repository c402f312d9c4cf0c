/**
 * Nordwind Outdoor: a simulated production shop, the "upstream" of the demo and of the tests.
 *
 * It behaves like a real production site in the ways that matter to a gateway: pages with SSI,
 * ESI and Tailor include markers, a page that is already composed, gzip, security headers, a
 * session cookie set for the production domain, absolute redirects, a streaming response and a
 * websocket. Run it alone with `node examples/shop/server.js` (port 4401, or $PORT).
 *
 * Routes:
 *   GET  /                     home page, nginx SSI includes
 *   GET  /products/:sku        product page, ESI includes (tent-2p, sleeping-bag, stove)
 *   GET  /checkout             Tailor fragments; `toguru=new-checkout=true` cookie shows the new one
 *   GET  /about                composed by production already: no include markers
 *   GET  /search?q=            SSI page, gzip-compressed when the request accepts it
 *   GET  /login, POST /login   form; POST sets the `session` cookie and redirects to /account
 *   GET  /account              shows the signed-in user
 *   GET|POST /logout           clears the cookie, redirects home
 *   GET  /tents                301 to /products/tent-2p (a relative redirect)
 *   GET  /fragments/header|search|cart|cart-fallback|footer
 *   GET  /fragments/broken     always 503; /fragments/slow?ms=N answers after N ms (test fixtures)
 *   GET  /assets/site.css, /assets/logo.png, /assets/header/header.js
 *   GET  /api/stream           5 lines of text, one every 50 ms, chunked
 *   WS   /live                 echoes every message
 */
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { HEADER_JS, LOGO_PNG, SITE_CSS } from './assets.js';
import * as html from './pages.js';
import { listenOn } from '../listen.js';

/** The domain production sets its cookies on: a gateway on 127.0.0.1 has to rewrite it. */
export const COOKIE_DOMAIN = '.nordwind.example';

/** Sent with every page (not with fragments or assets), as the real shop does. */
export const SECURITY_HEADERS = {
  'strict-transport-security': 'max-age=31536000',
  'content-security-policy':
    "default-src 'self'; script-src 'self' https://cdn.nordwind.example; connect-src 'self'; img-src 'self' data:",
  'x-content-type-options': 'nosniff',
};

const HTML = 'text/html; charset=utf-8';
const CACHE = { 'cache-control': 'public, max-age=3600' };

/**
 * Starts the shop. Port 0 (the default) picks a free port.
 * @param {{ port?: number, host?: string }} [options]
 * @returns {Promise<{ url: string, port: number, close(): Promise<void> }>}
 */
export async function startShop({ port = 0, host = '127.0.0.1' } = {}) {
  /** The shop's own origin, e.g. `http://127.0.0.1:4401`; known once it listens. */
  let origin = '';
  const server = http.createServer((req, res) => {
    route(req, res, origin).catch((error) => {
      console.error('[shop]', error);
      if (res.headersSent) res.destroy();
      else send(res, 500, 'text/plain; charset=utf-8', 'Internal Server Error');
    });
  });
  const live = await attachLiveSocket(server);

  const listening = await listenOn(server, { port, host, onClose: () => live?.close() });
  origin = listening.url;
  return listening;
}

/**
 * @param {http.IncomingMessage} req
 * @param {http.ServerResponse} res
 * @param {string} origin
 */
async function route(req, res, origin) {
  const url = new URL(req.url ?? '/', origin);
  const { pathname } = url;
  const cookies = readCookies(req);
  const session = { user: cookies.session };
  const method = req.method ?? 'GET';

  if (pathname === '/login' && method === 'POST') return login(req, res, origin);
  if (pathname === '/logout' && (method === 'GET' || method === 'POST')) {
    res.writeHead(302, {
      location: `${origin}/`,
      'set-cookie': `session=; Domain=${COOKIE_DOMAIN}; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=None`,
      'content-length': 0,
    });
    return res.end();
  }
  if (method !== 'GET' && method !== 'HEAD') {
    return send(res, 405, 'text/plain; charset=utf-8', 'Method Not Allowed', { allow: 'GET, HEAD' });
  }

  if (pathname.startsWith('/fragments/')) return fragment(res, pathname.slice('/fragments/'.length), url, session);
  if (pathname === '/assets/site.css') return send(res, 200, 'text/css; charset=utf-8', SITE_CSS, CACHE);
  if (pathname === '/assets/logo.png') return send(res, 200, 'image/png', LOGO_PNG, CACHE);
  if (pathname === '/assets/header/header.js') return send(res, 200, 'text/javascript; charset=utf-8', HEADER_JS, CACHE);
  if (pathname === '/api/stream') return stream(res);

  const product = pathname.startsWith('/products/') ? html.findProduct(pathname.slice('/products/'.length)) : undefined;
  if (product) return page(res, 200, html.productPage(product));

  switch (pathname) {
    case '/':
      return page(res, 200, html.homePage());
    case '/checkout':
      return page(res, 200, html.checkoutPage({ newCheckout: /new-checkout=true/.test(cookies.toguru ?? '') }));
    case '/about':
      return page(res, 200, html.aboutPage(session));
    case '/search':
      return search(req, res, url.searchParams.get('q') ?? '');
    case '/login':
      return page(res, 200, html.loginPage());
    case '/account':
      return page(res, 200, html.accountPage(session));
    case '/tents':
      res.writeHead(301, { location: '/products/tent-2p', 'content-length': 0 });
      return res.end();
    default:
      return page(res, 404, html.notFoundPage(pathname));
  }
}

/**
 * `/fragments/NAME`. Fragments depend on the session, so they are never cached.
 * @param {http.ServerResponse} res
 * @param {string} name
 * @param {URL} url
 * @param {{ user?: string }} session
 */
async function fragment(res, name, url, session) {
  /** @param {string} body */
  const ok = (body) => send(res, 200, HTML, body, { 'cache-control': 'private, no-cache' });
  switch (name) {
    case 'header':
      return ok(html.headerFragment(session));
    case 'search':
      return ok(html.searchFragment(url.searchParams.get('q') ?? ''));
    case 'cart': {
      const sku = url.searchParams.get('sku');
      const product = sku ? html.findProduct(sku) : undefined;
      if (sku && !product) return send(res, 404, HTML, `<!-- cart: unknown sku ${html.escapeHtml(sku)} -->`);
      return ok(html.cartFragment(session, product));
    }
    case 'cart-fallback':
      return ok(html.cartFallbackFragment());
    case 'footer':
      return ok(html.footerFragment());
    case 'broken':
      return send(res, 503, 'text/plain; charset=utf-8', 'Service Unavailable');
    case 'slow': {
      const ms = Math.min(Number(url.searchParams.get('ms')) || 2000, 10_000);
      await new Promise((resolve) => setTimeout(resolve, ms));
      return res.destroyed ? undefined : ok(`<div data-fragment="slow">answered after ${ms} ms</div>`);
    }
    default:
      return send(res, 404, HTML, `<!-- no fragment named ${html.escapeHtml(name)} -->`);
  }
}

/**
 * `POST /login` with a form body `user=NAME`: sets the session cookie on the production domain
 * and redirects to the account page with an absolute URL on the shop's own origin.
 * @param {http.IncomingMessage} req
 * @param {http.ServerResponse} res
 * @param {string} origin
 */
async function login(req, res, origin) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const user = (new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('user') ?? '').trim().slice(0, 40);
  if (!user) return page(res, 400, html.loginPage('Please tell us your name.'));
  res.writeHead(302, {
    location: `${origin}/account`,
    'set-cookie': `session=${encodeURIComponent(user)}; Domain=${COOKIE_DOMAIN}; Path=/; Secure; HttpOnly; SameSite=None`,
    'content-length': 0,
  });
  res.end();
}

/**
 * `/search?q=`: gzip-compressed when the request accepts it, like most production pages.
 * @param {http.IncomingMessage} req
 * @param {http.ServerResponse} res
 * @param {string} query
 */
function search(req, res, query) {
  const body = Buffer.from(html.searchPage(query));
  if (!acceptsGzip(req.headers['accept-encoding'])) return page(res, 200, body, { vary: 'Accept-Encoding' });
  page(res, 200, gzipSync(body), { vary: 'Accept-Encoding', 'content-encoding': 'gzip' });
}

/** @param {string | undefined} header */
function acceptsGzip(header = '') {
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return (coding === 'gzip' || coding === '*') && (!q || Number(q.slice(2)) > 0);
  });
}

/**
 * `/api/stream`: five lines, one every 50 ms, with no content-length (chunked).
 * @param {http.ServerResponse} res
 */
function stream(res) {
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.flushHeaders();
  let line = 0;
  const timer = setInterval(() => {
    line += 1;
    res.write(`line ${line} of 5\n`);
    if (line === 5) {
      clearInterval(timer);
      res.end();
    }
  }, 50);
  res.on('close', () => clearInterval(timer));
}

/**
 * The websocket `/live`, an echo. `ws` is a devDependency, so it is loaded lazily: without it
 * the shop still serves everything else and answers `/live` upgrades with 501.
 * @param {http.Server} server
 */
async function attachLiveSocket(server) {
  /** @type {import('ws').WebSocketServer | undefined} */
  let wss;
  try {
    const { WebSocketServer } = await import('ws');
    wss = new WebSocketServer({ noServer: true });
    wss.on('connection', (socket) => {
      socket.on('error', () => socket.terminate());
      socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
    });
  } catch {
    wss = undefined;
  }
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const { pathname } = new URL(req.url ?? '/', 'http://shop');
    if (pathname !== '/live' || !wss) {
      const status = pathname === '/live' ? '501 Not Implemented' : '404 Not Found';
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    const live = wss;
    live.handleUpgrade(req, socket, head, (client) => live.emit('connection', client, req));
  });
  return {
    close() {
      for (const client of wss?.clients ?? []) client.terminate();
      wss?.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/**
 * @param {http.ServerResponse} res
 * @param {number} status
 * @param {string} type
 * @param {string | Buffer} body
 * @param {http.OutgoingHttpHeaders} [headers]
 */
function send(res, status, type, body, headers = {}) {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { 'content-type': type, 'content-length': bytes.length, ...headers });
  res.end(bytes);
}

/**
 * An HTML page, with the shop's security headers.
 * @param {http.ServerResponse} res
 * @param {number} status
 * @param {string | Buffer} body
 * @param {http.OutgoingHttpHeaders} [headers]
 */
function page(res, status, body, headers = {}) {
  send(res, status, HTML, body, { ...SECURITY_HEADERS, 'cache-control': 'private, no-cache', ...headers });
}

/**
 * @param {http.IncomingMessage} req
 * @returns {Record<string, string | undefined>}
 */
function readCookies(req) {
  /** @type {Record<string, string>} */
  const cookies = {};
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const index = pair.indexOf('=');
    if (index < 0) continue;
    const name = pair.slice(0, index).trim();
    const value = pair.slice(index + 1).trim();
    if (!(name in cookies)) cookies[name] = safeDecode(value);
  }
  return cookies;
}

/** @param {string} value */
function safeDecode(value) {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const shop = await startShop({ port: Number(process.env.PORT ?? 4401) });
  console.log(`Nordwind Outdoor (simulated production) is open on ${shop.url}`);
}
