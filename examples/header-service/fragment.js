/**
 * A Vite plugin that serves the header as an HTML fragment at `/fragments/header` (and below it,
 * also under the configured `base`), the way a team's SSR route would: the template
 * `header.html` filled in per request, then passed through Vite's `transformIndexHtml`, which
 * adds Vite's client (hot module replacement) and resolves the module URLs against `base`.
 *
 * It greets the user from the `session` cookie (proof that the gateway forwards production cookies
 * to local fragments) and echoes what it was asked for as `data-*` attributes (path, query,
 * feature toggles) so tests can check what reached it. `%CSRF%` and `%RENDER_MS%` in the template
 * become a fresh token and render time on every request, as in real server-rendered fragments.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

const ROUTE = '/fragments/header';

/** @returns {import('vite').Plugin} */
export function headerFragment() {
  return {
    name: 'header-fragment',
    configureServer(server) {
      server.middlewares.use(async function headerFragmentRoute(req, res, next) {
        const url = new URL(req.url ?? '/', 'http://header-service');
        const base = server.config.base.replace(/\/$/, '');
        const pathname = base && url.pathname.startsWith(`${base}/`) ? url.pathname.slice(base.length) : url.pathname;
        if (pathname !== ROUTE && !pathname.startsWith(`${ROUTE}/`)) {
          if (url.pathname === '/') return send(res, 200, 'text/plain; charset=utf-8', `header service: GET ${ROUTE}, ${server.config.base}src/*\n`);
          return next();
        }
        try {
          const template = await fs.readFile(path.join(server.config.root, 'header.html'), 'utf8');
          const html = await server.transformIndexHtml(url.pathname, fill(template, req, url, pathname));
          send(res, 200, 'text/html; charset=utf-8', html);
        } catch (error) {
          next(error);
        }
      });
    },
  };
}

/**
 * @param {string} template
 * @param {import('node:http').IncomingMessage} req
 * @param {URL} url
 * @param {string} pathname the path without Vite's `base`
 */
function fill(template, req, url, pathname) {
  const user = readCookie(req.headers.cookie, 'session');
  const toggles = readCookie(req.headers.cookie, 'toguru') ?? header(req, 'x-toguru');
  const account = user
    ? `Welcome back, <span data-user>${escapeHtml(user)}</span> · <a href="/logout">Sign out</a>`
    : `<a href="/login">Sign in</a>`;
  const attributes = [
    `data-path="${escapeHtml(pathname)}"`,
    `data-query="${escapeHtml(url.search.slice(1))}"`,
    toggles ? `data-toguru="${escapeHtml(toggles)}"` : '',
  ].filter(Boolean);
  // What real server-rendered fragments carry, different on every render: a CSRF token and the
  // render time (a template may use `%CSRF%` and `%RENDER_MS%`).
  return template
    .replace('%ATTRIBUTES%', attributes.join(' '))
    .replace('%ACCOUNT%', account)
    .replaceAll('%CSRF%', randomBytes(16).toString('base64url'))
    .replaceAll('%RENDER_MS%', (Math.random() * 20).toFixed(1))
    .trimEnd();
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {string} type
 * @param {string} body
 */
function send(res, status, type, body) {
  const bytes = Buffer.from(body);
  res.writeHead(status, { 'content-type': type, 'content-length': bytes.length, 'cache-control': 'no-store', 'x-served-by': 'header-service' });
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
 * @param {import('node:http').IncomingMessage} req
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
