import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ComposeEvents } from '../compose/events.js';
import { httpGet } from '../http/client.js';
import type { Logger } from '../logger.js';

/**
 * Live reload: open pages that use a local fragment reload by themselves when that fragment's
 * HTML changes, or when the config reloads.
 *
 * The overlay script of each page listens to `/__mfe-dev/events?page=URL` (server-sent events).
 * For pages with open listeners, the local fragments they were composed with are asked for again
 * when the page starts listening (the stream then says `ready`) and every `intervalMs` after
 * that; when one answers differently from the time before (an edited template, a dev server
 * that came back after the page showed its error box), the pages using it get a `reload` event.
 * A service that stops answering is waited for rather than reloaded into an error box. Dev
 * servers' own HMR handles their modules; this covers the HTML they render, which no dev server
 * pushes into a page it did not serve. A fragment that differs on every request (a timestamp or a token in
 * it) would reload its pages forever: after a few changes in a row it is left alone, with a
 * warning that says so.
 */
export interface LiveReloadOptions {
  /** How often the local fragments of open pages are asked for. @default 1000 */
  intervalMs?: number;
}

interface Listener {
  page: string;
  res: ServerResponse;
}

interface Watched {
  hash: string | undefined;
  /** Changes seen on consecutive polls. */
  streak: number;
  inFlight: boolean;
}

/** Pages remembered (their local fragment URLs), newest last. */
const KEEP_PAGES = 200;
/** Changes in a row after which a fragment is taken to differ on every request. */
const FLAPPING = 3;
const POLL_TIMEOUT_MS = 3000;

export class LiveReload {
  private readonly pages = new Map<string, Array<{ name: string; url: string }>>();
  private readonly listeners = new Set<Listener>();
  private readonly watched = new Map<string, Watched>();
  private readonly ignored = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly intervalMs: number;

  constructor(events: ComposeEvents, private readonly logger: Logger, options: LiveReloadOptions = {}) {
    this.intervalMs = options.intervalMs ?? 1000;
    events.on('page:end', (page) => {
      const locals = page.fragments.filter((f) => f.mode === 'local' && f.name !== undefined).map((f) => ({ name: f.name!, url: f.url }));
      this.pages.delete(page.page.url);
      if (locals.length === 0) return;
      this.pages.set(page.page.url, locals);
      if (this.pages.size > KEEP_PAGES) this.pages.delete(this.pages.keys().next().value!);
    });
  }

  /** `GET /__mfe-dev/events?page=URL`: an event stream that says `reload` when the page should. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    const page = new URL(req.url ?? '/', 'http://gateway').searchParams.get('page') ?? '';
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 1000\n\n');
    const listener: Listener = { page, res };
    this.listeners.add(listener);
    // What the page's local fragments answer now is the baseline; `ready` says it is taken.
    const unseen = (this.pages.get(page) ?? []).filter((f) => !this.watched.get(f.url)?.hash && !this.ignored.has(f.url));
    void Promise.all(
      unseen.map(async (f) => {
        const hash = await fingerprint(f.url);
        const watched = this.watched.get(f.url);
        if (!watched) this.watched.set(f.url, { hash, streak: 0, inFlight: false });
        else watched.hash ??= hash;
      }),
    ).then(() => send(res, 'ready', {}));
    const stop = () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stopPolling();
    };
    req.on('close', stop);
    res.on('error', stop);
    this.startPolling();
  }

  /** Every open page reloads (the config changed what pages look like). */
  configReloaded(): void {
    this.ignored.clear();
    this.watched.clear();
    for (const listener of this.listeners) send(listener.res, 'reload', { reason: 'config' });
  }

  /** Sends `event` to every open stream (pages and the dev page), e.g. `state` (ui/state-events.ts). */
  broadcast(event: string, data: object): void {
    for (const listener of this.listeners) send(listener.res, event, data);
  }

  close(): void {
    this.stopPolling();
    for (const listener of this.listeners) listener.res.destroy();
    this.listeners.clear();
  }

  private startPolling(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.poll(), this.intervalMs);
    this.timer.unref();
  }

  private stopPolling(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    // Nobody watches: the next listener takes a fresh baseline.
    this.watched.clear();
  }

  private poll(): void {
    const urls = new Map<string, string>();
    for (const listener of this.listeners) {
      for (const fragment of this.pages.get(listener.page) ?? []) {
        if (!this.ignored.has(fragment.url)) urls.set(fragment.url, fragment.name);
      }
    }
    for (const [url, name] of urls) {
      const watched = this.watched.get(url) ?? { hash: undefined, streak: 0, inFlight: false };
      this.watched.set(url, watched);
      if (watched.inFlight) continue;
      watched.inFlight = true;
      void fingerprint(url).then((hash) => {
        watched.inFlight = false;
        // A service that stops answering (a dev server restarting) is waited for, not reloaded
        // into an error box; once it answers, the page reloads if the answer is new (or the page
        // was composed while it was down).
        if (isFailure(hash) && watched.hash !== undefined) return;
        const changed = watched.hash !== undefined && watched.hash !== hash;
        watched.hash = hash;
        watched.streak = changed ? watched.streak + 1 : 0;
        if (!changed) return;
        if (watched.streak >= FLAPPING) {
          this.ignored.add(url);
          this.logger.warnOnce(
            `live reload is off for fragment '${name}': ${url} answered differently on ${FLAPPING} requests in a row (a timestamp, a token or a random id in its HTML?). Reload the page by hand after editing it.`,
          );
          return;
        }
        for (const listener of this.listeners) {
          if (this.pages.get(listener.page)?.some((f) => f.url === url)) send(listener.res, 'reload', { reason: 'fragment', fragment: name });
        }
      });
    }
  }
}

function send(res: ServerResponse, event: string, data: object): void {
  if (!res.writableEnded) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/**
 * Cache-busting timestamps dev servers put in module URLs after a hot update (Vite serves
 * `src="/src/header.js?t=1795703245023"` once header.js was edited): the module changed, which
 * its HMR handles, not the HTML. Left in, every hot update would also reload the page.
 */
const TIMESTAMP = String.raw`t=\d{13}(?=["'&#\s>])`;
const LEADING_TIMESTAMP = new RegExp(String.raw`\?${TIMESTAMP}(&(amp;)?)?`, 'g');
const OTHER_TIMESTAMP = new RegExp(String.raw`&(amp;)?${TIMESTAMP}`, 'g');

/** The HTML as live reload compares it: without those timestamps (`a.js?t=1…&v=2` → `a.js?v=2`). */
export function comparableHtml(html: string): string {
  return html.replace(LEADING_TIMESTAMP, (_match, rest: string | undefined) => (rest ? '?' : '')).replace(OTHER_TIMESTAMP, '');
}

const FAILED = 'failed: ';
/** No answer, or a 5xx: the service is down or restarting. */
const isFailure = (hash: string) => hash.startsWith(FAILED);

/** Bodies past this are a failure to poll, not a page to compare. */
const POLL_MAX_BYTES = 16 * 1024 * 1024;

/** A digest of what the URL answers now: status and body, or the failure. */
function fingerprint(url: string): Promise<string> {
  return httpGet({ url: new URL(url), headers: { accept: 'text/html' }, timeoutMs: POLL_TIMEOUT_MS, maxBytes: POLL_MAX_BYTES, acceptStatus: () => true }).then(
    ({ status, body }) => {
      if (status >= 500) return `${FAILED}HTTP ${status}`;
      return createHash('sha1').update(`${status}\n${comparableHtml(body.toString('latin1'))}`, 'latin1').digest('hex');
    },
    (error: Error & { reason?: string }) => `${FAILED}${error.reason ?? error.message}`,
  );
}
