/**
 * The header team's local dev server: the fragment you are "working on" in the demo.
 *
 * It serves a redesigned header that looks nothing like production's, so you can see at a glance
 * which one a page got. It greets the user from the `session` cookie (proof that the gateway
 * forwards production cookies to local fragments) and echoes what it was asked for as `data-*`
 * attributes (path, query, feature toggles) so tests can check what reached it.
 * Run it alone with `node examples/header-service/server.js` (port 4402, or $PORT).
 *
 * Routes:
 *   GET /                          a short text index
 *   GET /fragments/header[/...]    the redesigned header
 *   GET /assets/header/header.js   its script
 *   GET /assets/header/header.css  its styles
 */
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listenOn } from '../listen.js';

const HEADER_JS = `// LOCAL header: proves the script came from your machine.
const header = document.querySelector('header[data-fragment="header"]');
if (header) header.dataset.hydrated = 'local';
console.info('[header] running the LOCAL build from the header service');
`;

const HEADER_CSS = `.header--redesign { display: grid; grid-template-columns: auto 1fr auto; align-items: center;
  gap: 1rem 2rem; padding: 1rem 2rem; background: linear-gradient(90deg, #2b1055, #7597de); color: #fff; }
.header--redesign a { color: #fff; }
.header__banner { grid-column: 1 / -1; margin: 0; padding: .25rem .75rem; border-radius: 1rem;
  background: #ffde59; color: #2b1055; font-weight: 700; justify-self: start; }
.header__logo { font-size: 1.5rem; font-weight: 800; letter-spacing: .05em; text-decoration: none; }
.header__nav { display: flex; gap: 1.5rem; }
`;

/**
 * Starts the header service. Port 0 (the default) picks a free port.
 * @param {{ port?: number, host?: string }} [options]
 * @returns {Promise<{ url: string, port: number, close(): Promise<void> }>}
 */
export async function startHeaderService({ port = 0, host = '127.0.0.1' } = {}) {
  return listenOn(http.createServer(handle), { port, host });
}

/**
 * @param {http.IncomingMessage} req
 * @param {http.ServerResponse} res
 */
function handle(req, res) {
  const url = new URL(req.url ?? '/', 'http://header-service');
  const { pathname } = url;

  if (pathname === '/fragments/header' || pathname.startsWith('/fragments/header/')) {
    return send(res, 200, 'text/html; charset=utf-8', headerHtml(req, url));
  }
  if (pathname === '/assets/header/header.js') return send(res, 200, 'text/javascript; charset=utf-8', HEADER_JS);
  if (pathname === '/assets/header/header.css') return send(res, 200, 'text/css; charset=utf-8', HEADER_CSS);
  if (pathname === '/') {
    return send(res, 200, 'text/plain; charset=utf-8', 'header service: GET /fragments/header, /assets/header/*\n');
  }
  send(res, 404, 'text/plain; charset=utf-8', `header service has nothing at ${pathname}\n`);
}

/**
 * The redesigned header.
 * @param {http.IncomingMessage} req
 * @param {URL} url
 */
function headerHtml(req, url) {
  const user = readCookie(req.headers.cookie, 'session');
  const toggles = readCookie(req.headers.cookie, 'toguru') ?? header(req, 'x-toguru');
  const account = user
    ? `Welcome back, <span data-user>${escapeHtml(user)}</span> · <a href="/logout">Sign out</a>`
    : `<a href="/login">Sign in</a>`;
  const attributes = [
    `data-path="${escapeHtml(url.pathname)}"`,
    `data-query="${escapeHtml(url.search.slice(1))}"`,
    toggles ? `data-toguru="${escapeHtml(toggles)}"` : '',
  ].filter(Boolean);
  return `<header data-fragment="header" class="header--redesign" ${attributes.join(' ')}>
  <link rel="stylesheet" href="/assets/header/header.css">
  <p class="header__banner">LOCAL header from your machine</p>
  <a class="header__logo" href="/">NORDWIND</a>
  <nav class="header__nav"><a href="/products/tent-2p">Tents</a> <a href="/search?q=sleeping">Sleep</a> <a href="/search?q=stove">Cook</a> <a href="/about">Our story</a></nav>
  <div class="header__account">${account}</div>
  <script type="module" src="/assets/header/header.js"></script>
</header>`;
}

/**
 * @param {http.ServerResponse} res
 * @param {number} status
 * @param {string} type
 * @param {string} body
 */
function send(res, status, type, body) {
  const bytes = Buffer.from(body);
  res.writeHead(status, {
    'content-type': type,
    'content-length': bytes.length,
    'cache-control': 'no-store',
    'x-served-by': 'header-service',
  });
  res.end(bytes);
}

/**
 * @param {string | undefined} cookieHeader
 * @param {string} name
 */
function readCookie(cookieHeader, name) {
  for (const pair of (cookieHeader ?? '').split(';')) {
    const index = pair.indexOf('=');
    if (index > 0 && pair.slice(0, index).trim() === name) {
      const value = pair.slice(index + 1).trim();
      try {
        return decodeURIComponent(value) || undefined;
      } catch {
        return value;
      }
    }
  }
  return undefined;
}

/**
 * @param {http.IncomingMessage} req
 * @param {string} name
 */
function header(req, name) {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** @param {string} value */
function escapeHtml(value) {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const service = await startHeaderService({ port: Number(process.env.PORT ?? 4402) });
  console.log(`Header service (your local fragment) is open on ${service.url}`);
}
