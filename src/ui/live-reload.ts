import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ComposeEvents } from '../compose/events.js';
import type { Agents } from '../http/agents.js';
import type { Logger } from '../logger.js';
import { differs, learnNoise, takeSnapshot, type Snapshot } from './fragment-snapshot.js';

export { comparableHtml } from './fragment-snapshot.js';

/**
 * Live reload: open pages that use a local fragment reload by themselves when that fragment's
 * template changes, when a service whose error box a page shows is back, or when the config
 * reloads.
 *
 * The overlay script of each page listens to `/__mfe-dev/events?page=URL&errors=NAMES`
 * (server-sent events; `errors` names the fragments the page shows an error box for). For pages
 * with open listeners, the local fragments they were composed with are asked twice when the page
 * starts listening (the stream then says `ready`): what differs between the two answers changes
 * on every render (a CSRF token, a nonce, a render time) and is noise, as shadow mode learns
 * production's. Every `intervalMs` after that each fragment is asked again; an answer that
 * differs from the last one beyond the noise is asked twice more (to learn noise that happened
 * to repeat), and if the difference holds, the pages using it get a `reload` event. A service that
 * stops answering is waited for rather than reloaded into an error box; once it answers, pages
 * that show its error box reload (at most once per recovery, so a page that fails for another
 * reason never loops).
 *
 * What is learned outlives the pages: noise, the count of changes in a row and the fragments left
 * alone are kept across reloads and tabs. A fragment that still differs on every request (its
 * structure changes with each render) is left alone after a few changes in a row, with a warning
 * that says so. Dev servers' own HMR handles their modules; this covers the HTML they render,
 * which no dev server pushes into a page it did not serve.
 */
export interface LiveReloadOptions {
  /** Keep-alive agents for the requests to local fragments. */
  agents: Agents;
  /** The same limits as the page's request for the fragment: its deadline and size cap. */
  limits: (fragment: string) => { timeoutMs: number; maxBytes: number };
  /** How often the local fragments of open pages are asked for. @default 1000 */
  intervalMs?: number;
}

interface Listener {
  page: string;
  res: ServerResponse;
  /** Fragments this page shows an error box for (it reloads when they are back). */
  errors: Set<string>;
}

interface Watched {
  name: string;
  /** The last answer taken as what the page shows (undefined while nobody watches). */
  baseline: Snapshot | undefined;
  /** Facts that differ between answers the template did not change. */
  noise: Set<string>;
  /** Changes seen on consecutive polls. */
  streak: number;
  /** When pages using it were last told to reload for a change (ms since the epoch; 0: never). */
  changedAt: number;
  /** A baseline or a poll under way. */
  busy: Promise<void> | undefined;
  /** When pages showing its error box were last reloaded, and whether it failed since. */
  recoveredAt: number;
  failedSince: boolean;
}

/** Pages remembered (their local fragment URLs), newest last. */
const KEEP_PAGES = 200;
/** Fragments whose learning is remembered (least recently used go first). */
const KEEP_WATCHED = 500;
/** Noise keys per fragment: past this its answers are too unstable to watch. */
const MAX_NOISE_KEYS = 5000;
/** Changes in a row after which a fragment is taken to differ on every request. */
const FLAPPING = 3;
/** Extra answers asked for when one differs, to tell noise that repeated from an edit. */
const CONFIRMATIONS = 2;
/** A page still showing an error box this soon after a recovery reload is not reloaded again. */
const RECOVERY_QUIET_MS = 30_000;

export class LiveReload {
  private readonly pages = new Map<string, Array<{ name: string; url: string }>>();
  private readonly listeners = new Set<Listener>();
  private readonly watched = new Map<string, Watched>();
  private readonly ignored = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly intervalMs: number;

  constructor(
    events: ComposeEvents,
    private readonly logger: Logger,
    private readonly options: LiveReloadOptions,
  ) {
    this.intervalMs = options.intervalMs ?? 1000;
    events.on('page:end', (page) => {
      const locals = page.fragments.filter((f) => f.mode === 'local' && f.name !== undefined).map((f) => ({ name: f.name!, url: f.url }));
      this.pages.delete(page.page.url);
      if (locals.length === 0) return;
      this.pages.set(page.page.url, locals);
      if (this.pages.size > KEEP_PAGES) this.pages.delete(this.pages.keys().next().value!);
    });
  }

  /**
   * `GET /__mfe-dev/events?page=URL&errors=NAMES&at=MS`: an event stream that says `reload` when
   * the page should. `at` is when the page was asked for: if one of its local fragments changed
   * since (a `reload` the page missed), it reloads at once.
   */
  handle(req: IncomingMessage, res: ServerResponse): void {
    const query = new URL(req.url ?? '/', 'http://gateway').searchParams;
    const page = query.get('page') ?? '';
    const errors = new Set((query.get('errors') ?? '').split(',').filter(Boolean).slice(0, 100));
    // Absent or malformed: no page time, nothing to compare.
    const askedAt = Number(query.get('at') || NaN);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 1000\n\n');
    const listener: Listener = { page, res, errors };
    this.listeners.add(listener);
    // What the page's local fragments answer now is the baseline; `ready` says it is taken.
    const fragments = (this.pages.get(page) ?? []).filter((f) => !this.ignored.has(f.url));
    void Promise.all(fragments.map((f) => this.baseline(f.url, f.name))).then(() => {
      send(res, 'ready', {});
      const missed = fragments.find((f) => (this.watched.get(f.url)?.changedAt ?? 0) > askedAt);
      if (missed) return send(res, 'reload', { reason: 'fragment', fragment: missed.name });
      for (const f of fragments) this.reloadRecovered(f.url, true);
    });
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
    // Nobody watches: the next listener takes a fresh baseline. Noise, streaks and the
    // fragments left alone are kept (a reloading page comes straight back).
    for (const watched of this.watched.values()) watched.baseline = undefined;
  }

  private entry(url: string, name: string): Watched {
    let watched = this.watched.get(url);
    if (watched) this.watched.delete(url);
    else watched = { name, baseline: undefined, noise: new Set(), streak: 0, changedAt: 0, busy: undefined, recoveredAt: 0, failedSince: false };
    // Most recently used last, so the oldest is the first to go.
    this.watched.set(url, watched);
    if (this.watched.size > KEEP_WATCHED) this.watched.delete(this.watched.keys().next().value!);
    return watched;
  }

  private snapshot(url: string, name: string): Promise<Snapshot> {
    return takeSnapshot({ url, agents: this.options.agents, ...this.options.limits(name) });
  }

  /** Takes the baseline (two answers: what differs between them is noise) unless there is one. */
  private async baseline(url: string, name: string): Promise<void> {
    const watched = this.entry(url, name);
    while (watched.busy) await watched.busy;
    if (watched.baseline) return;
    await this.exclusively(watched, async () => {
      const first = await this.snapshot(url, name);
      if (first.failure) {
        watched.failedSince = true;
        return;
      }
      const second = await this.snapshot(url, name);
      if (!learnNoise(first, second, watched.noise, MAX_NOISE_KEYS)) return this.leaveAlone(url, watched);
      watched.baseline = second.failure ? first : second;
    });
  }

  private async exclusively(watched: Watched, work: () => Promise<void>): Promise<void> {
    const busy = work().finally(() => (watched.busy = undefined));
    watched.busy = busy;
    await busy;
  }

  private poll(): void {
    const urls = new Map<string, string>();
    for (const listener of this.listeners) {
      for (const fragment of this.pages.get(listener.page) ?? []) {
        if (!this.ignored.has(fragment.url)) urls.set(fragment.url, fragment.name);
      }
    }
    for (const [url, name] of urls) {
      const watched = this.entry(url, name);
      if (watched.busy) continue;
      void this.exclusively(watched, () => this.check(url, watched));
    }
  }

  private async check(url: string, watched: Watched): Promise<void> {
    const answer = await this.snapshot(url, watched.name);
    // A service that stops answering (a dev server restarting) is waited for, not reloaded
    // into an error box; once it answers, the pages that show its error box reload.
    if (answer.failure) {
      watched.failedSince = true;
      return;
    }
    const before = watched.baseline;
    watched.baseline = answer;
    if (!before) return this.reloadRecovered(url);
    if (!differs(before, answer, watched.noise)) {
      watched.streak = 0;
      return this.reloadRecovered(url);
    }
    // Different: ask again, and learn what differs between the new answers as noise. The last
    // answer decides and is the next baseline: the first one may be a render that never repeats
    // (the template read while an editor was writing it).
    const known = new Set(watched.noise);
    const answers = [answer];
    for (let i = 0; i < CONFIRMATIONS; i++) {
      const again = await this.snapshot(url, watched.name);
      if (!learnNoise(answer, again, watched.noise, MAX_NOISE_KEYS)) return this.leaveAlone(url, watched);
      if (!again.failure) answers.push(again);
    }
    const last = answers[answers.length - 1];
    // An edit saved while this check was asking looks like a value that changed between its
    // answers; it is not noise: it held from the baseline through the first answer, then changed
    // once and kept its new value. Learned as noise, that text would never reload a page again.
    for (const key of watched.noise) if (!known.has(key) && changedOnce(key, before, answers)) watched.noise.delete(key);
    watched.baseline = last;
    if (!differs(before, last, watched.noise)) {
      watched.streak = 0;
      return this.reloadRecovered(url);
    }
    watched.streak++;
    if (watched.streak >= FLAPPING) return this.leaveAlone(url, watched);
    watched.changedAt = Date.now();
    for (const listener of this.listeners) {
      if (this.pages.get(listener.page)?.some((f) => f.url === url)) send(listener.res, 'reload', { reason: 'fragment', fragment: watched.name });
    }
  }

  /**
   * The service answers: pages that show its error box reload, once per recovery. A page that
   * starts listening with a box while the service answers reloads too, unless one just did
   * (its box has another cause: a 404, a timeout on the page's request).
   */
  private reloadRecovered(url: string, connecting = false): void {
    const watched = this.watched.get(url);
    if (!watched?.baseline) return;
    const showing = [...this.listeners].filter((l) => l.errors.has(watched.name) && this.pages.get(l.page)?.some((f) => f.url === url) !== false);
    if (showing.length === 0) return;
    if (!watched.failedSince && !(connecting && Date.now() - watched.recoveredAt > RECOVERY_QUIET_MS)) return;
    watched.failedSince = false;
    watched.recoveredAt = Date.now();
    for (const listener of showing) {
      listener.errors.delete(watched.name);
      send(listener.res, 'reload', { reason: 'recovered', fragment: watched.name });
    }
  }

  private leaveAlone(url: string, watched: Watched): void {
    this.ignored.add(url);
    watched.baseline = undefined;
    this.logger.warnOnce(
      `live reload is off for fragment '${watched.name}': ${url} answered differently on ${FLAPPING} requests in a row, beyond the values that change on every render (its structure changes with each request?). Reload the page by hand after editing it.`,
    );
  }
}

/**
 * Whether `key` held one value from `before` through the first of `answers`, then took another
 * once and kept it to the last answer: the mark of an edit saved between two answers (noise, a
 * token or a render time, changes again, or had already changed in the first answer).
 */
function changedOnce(key: string, before: Snapshot, answers: readonly Snapshot[]): boolean {
  const old = before.facts.get(key);
  const now = answers[answers.length - 1].facts.get(key);
  if (answers[0].facts.get(key) !== old || now === old) return false;
  const first = answers.findIndex((snapshot) => snapshot.facts.get(key) !== old);
  return answers.slice(first).every((snapshot) => snapshot.facts.get(key) === now);
}

function send(res: ServerResponse, event: string, data: object): void {
  if (!res.writableEnded) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}
