import type http from 'node:http';
import { listen, type TestServer } from '../helpers/servers.js';

/**
 * A small production site and a local header service for shadow-mode tests, on free ports.
 *
 * Production's header fragment carries noise, as real ones do: a CSRF token and a render time
 * that change on every request. Its pages include the header with SSI (`/`, `/products/*`), or
 * carry it already composed (`/about`). The local service renders the same header (its own token
 * and time), except where a test asks for a real change or for it to be slow.
 */
export interface ShadowSite {
  prod: TestServer;
  local: TestServer;
  /** Requests the local service received: URL and headers. */
  localRequests: Array<{ url: string; headers: http.IncomingHttpHeaders }>;
  /** Every request production received: URL and headers. */
  prodRequests: Array<{ url: string; headers: http.IncomingHttpHeaders }>;
  /** Requests production received for the header fragment. */
  prodFragmentRequests: Array<{ url: string; headers: http.IncomingHttpHeaders }>;
  /** What the local service does: answer like production, show a changed link text, or hold the answer. */
  localBehaviour: { change: boolean; delayMs: number; status: number };
  close(): Promise<void>;
}

let sequence = 0;
const token = () => `${Date.now().toString(36)}-${++sequence}-${Math.random().toString(36).slice(2)}`;
const time = () => new Date(Date.now() + sequence * 1000).toISOString();

export function headerHtml(options: { token: string; time: string; shopText?: string; query?: string }): string {
  return `<header class="site-header">
  <form action="/search"><input type="hidden" name="csrf" value="${options.token}"><input name="q"></form>
  <nav class="main"><a href="/">Home</a> <a href="/shop${options.query ?? ''}">${options.shopText ?? 'Shop'}</a></nav>
  <small data-rendered="${options.time}">Rendered at ${options.time}</small>
</header>`;
}

export async function startShadowSite(): Promise<ShadowSite> {
  const localRequests: ShadowSite['localRequests'] = [];
  const prodFragmentRequests: ShadowSite['prodFragmentRequests'] = [];
  const prodRequests: ShadowSite['prodRequests'] = [];
  const behaviour = { change: false, delayMs: 0, status: 200 };
  const pending = new Set<NodeJS.Timeout>();

  const prod = await listen((req, res) => {
    prodRequests.push({ url: req.url!, headers: req.headers });
    const url = new URL(req.url!, 'http://x');
    res.setHeader('content-type', 'text/html; charset=utf-8');
    if (url.pathname === '/gone') {
      // An error page that holds the header, as shops' 404 pages do.
      res.statusCode = 404;
      res.end(`<!doctype html><html><body><!--#include virtual="/fragments/header" --><main>Not found</main></body></html>`);
    } else if (url.pathname.startsWith('/fragments/header')) {
      prodFragmentRequests.push({ url: req.url!, headers: req.headers });
      res.setHeader('cache-control', 'private, max-age=0');
      res.end(headerHtml({ token: token(), time: time(), query: url.search }));
    } else if (url.pathname === '/about') {
      res.end(`<!doctype html><html><body>${headerHtml({ token: token(), time: time(), query: url.search })}<main>About us</main></body></html>`);
    } else if (url.pathname === '/' || url.pathname.startsWith('/products/')) {
      res.end(`<!doctype html><html><body><!--#include virtual="/fragments/header${url.search}" --><main>Page ${url.pathname}</main></body></html>`);
    } else if (url.pathname.endsWith('.css')) {
      res.setHeader('content-type', 'text/css');
      res.end('body{}');
    } else {
      res.statusCode = 404;
      res.end('not found');
    }
  });

  const local = await listen((req, res) => {
    localRequests.push({ url: req.url!, headers: req.headers });
    const url = new URL(req.url!, 'http://x');
    const answer = () => {
      res.statusCode = behaviour.status;
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.setHeader('cache-control', 'private, max-age=0');
      res.end(headerHtml({ token: token(), time: time(), shopText: behaviour.change ? 'Store' : 'Shop', query: url.search }));
    };
    if (behaviour.delayMs > 0) {
      const timer = setTimeout(() => {
        pending.delete(timer);
        answer();
      }, behaviour.delayMs);
      pending.add(timer);
    } else answer();
  });

  return {
    prod,
    local,
    localRequests,
    prodFragmentRequests,
    prodRequests,
    localBehaviour: behaviour,
    async close() {
      for (const timer of pending) clearTimeout(timer);
      await Promise.all([prod.close(), local.close()]);
    },
  };
}
