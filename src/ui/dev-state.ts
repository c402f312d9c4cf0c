import type { FragmentMode } from '../config/types.js';
import type { ComposeEvents, PageEnd, ShadowResult } from '../compose/events.js';
import type { Logger } from '../logger.js';
import { shareLink, type Selection } from '../overrides/index.js';
import type { GatewayState } from '../server/gateway-state.js';
import { probeHttp } from '../probe.js';
import { escapeControlChars } from '../http/control-chars.js';
import { describeError, MfeDevError } from '../errors.js';
import { maskValues } from '../config/masked-values.js';

/**
 * What the dev page and `/__mfe-dev/api/state` show: the browser's own modes and presets,
 * where each came from, the health of each local service, and what recently happened (pages,
 * shadow comparisons, warnings). Built from the compose events, so it matches the terminal.
 */
export interface DevStateJson {
  upstream: string;
  fragments: Array<{
    name: string;
    mode: FragmentMode;
    /** Where this browser's mode came from: query, header, cookie, cli, config or default. */
    source: string;
    src: string;
    selector: string | null;
    local: string | null;
    healthy: boolean | null;
    assets: string[];
    from: string;
  }>;
  presets: Array<{
    name: string;
    description: string | null;
    active: boolean;
    local: string[];
    prod: string[];
    shadow: string[];
    headers: Record<string, string>;
    cookies: Record<string, string>;
    from: string;
  }>;
  warnings: string[];
  /**
   * The last config reload that failed, until a good reload clears it: the gateway still serves
   * the config before it. `file` is the file the error is about, when the loader knows it.
   */
  configError: ConfigErrorJson | null;
  /** This browser's explicit `NAME=MODE` choices (its `mfe-dev` cookie). */
  browserPairs: Record<string, FragmentMode>;
  shareLink: string;
  recentPages: RecentPageJson[];
  shadow: Array<{ name: string; page: string; equal: boolean; summary: string; diff: string[]; error: string | null }>;
}

/** A composed page and its fragments' timings, in ms from the page's start (for the waterfall). */
export interface RecentPageJson {
  url: string;
  status: number;
  durationMs: number;
  /** When the page's head went to the browser; null when it never did. */
  firstByteMs: number | null;
  fragments: Array<{ name: string | null; mode: FragmentMode; startMs: number; durationMs: number; status: number; failed: boolean; reason: string | null; depth: number }>;
}

export interface ConfigErrorJson {
  message: string;
  file: string | null;
  /** When the reload failed (ISO 8601). */
  at: string;
}

const KEEP = 20;
const HEALTH_TTL_MS = 2000;

export class DevStateStore {
  /** Recent pages as they ended, with when each started (what the dev page shows is worked out when it asks). */
  private readonly pages: Array<{ end: PageEnd; at: number | undefined }> = [];
  /** Pages being composed: when each started (`performance.now()`). */
  private readonly open = new Map<number, number>();
  private readonly shadows = new Map<string, ShadowResult>();
  private readonly health = new Map<string, { at: number; value: Promise<boolean> }>();
  private configError: ConfigErrorJson | null = null;

  /**
   * `shared` (`mfe-dev serve`): the gateway serves many people, so nothing of one request is kept
   * for another: no recent pages, no shadow results (their pages and diffs hold other people's
   * content), and only the requesting browser's own warnings.
   */
  constructor(events: ComposeEvents, private readonly logger: Logger, private readonly shared = false) {
    if (shared) return;
    events.on('page:start', (page) => {
      this.open.set(page.id, performance.now());
      // Bounded whatever happens: a page whose end never comes is forgotten.
      if (this.open.size > 200) this.open.delete(this.open.keys().next().value!);
    });
    events.on('page:end', (page) => {
      const at = this.open.get(page.page.id);
      this.open.delete(page.page.id);
      if (!looksLikeADocument(page.page.url)) return;
      this.pages.push({ end: page, at });
      if (this.pages.length > KEEP) this.pages.shift();
    });
    events.on('shadow:result', (result) => {
      // The terminal line is shadow mode's own (one per change of a fragment's outcome).
      const key = `${result.name} ${result.prodUrl}`;
      this.shadows.delete(key);
      this.shadows.set(key, result);
      if (this.shadows.size > KEEP) this.shadows.delete(this.shadows.keys().next().value!);
    });
  }

  /** A config reload failed (`error`), or a good one cleared the last failure (`null`). */
  setConfigError(error: unknown): void {
    if (error === null) {
      this.configError = null;
      return;
    }
    const file = error instanceof MfeDevError && error.file ? error.file : null;
    this.configError = { message: escapeControlChars(describeError(error), { keepNewlines: true }), file, at: new Date().toISOString() };
  }

  async snapshot(state: GatewayState, selection: Selection, gatewayOrigin: string): Promise<DevStateJson> {
    const { config } = state;
    const fragments = await Promise.all(
      [...config.fragments.values()].map(async (f) => ({
        name: f.name,
        mode: selection.modes.get(f.name) ?? 'prod',
        source: selection.sources.get(f.name) ?? 'default',
        src: f.src,
        selector: f.selector ?? null,
        local: f.local ?? null,
        healthy: f.local ? await this.isHealthy(f.local) : null,
        assets: f.assets,
        from: describeProvenance(f.from),
      })),
    );
    const active = new Set(selection.presets.map((p) => p.name));
    return {
      upstream: config.upstream,
      fragments,
      presets: [...config.presets.values()].map((p) => ({
        name: p.name,
        description: p.description ?? null,
        active: active.has(p.name),
        local: p.local,
        prod: p.prod,
        shadow: p.shadow,
        headers: maskValues(p.headers),
        cookies: maskValues(p.cookies),
        from: describeProvenance(p.from),
      })),
      warnings: this.shared ? selection.warnings : [...new Set([...selection.warnings, ...this.logger.recentWarnings()])],
      configError: this.configError,
      browserPairs: Object.fromEntries(selection.browserPairs),
      shareLink: shareLink(gatewayOrigin + '/', {
        modes: Object.fromEntries(fragments.filter((f) => f.mode !== 'prod').map((f) => [f.name, f.mode])),
        presets: selection.presets.map((p) => p.name),
      }),
      recentPages: this.pages
        .slice()
        .reverse()
        .map(({ end: p, at }) => ({
          url: escapeControlChars(p.page.url),
          status: p.status,
          durationMs: Math.round(p.durationMs),
          firstByteMs: p.firstByteMs === undefined ? null : round1(p.firstByteMs),
          fragments: p.fragments.map((f) => ({
            name: f.name ?? null,
            mode: f.mode,
            // From when its request left (nothing kept per fragment while the page is
            // composed); else from its end and duration.
            startMs: round1(at !== undefined && f.startedAt !== undefined ? Math.max(0, f.startedAt - at) : Math.max(0, p.durationMs - f.durationMs)),
            durationMs: Math.round(f.durationMs),
            status: f.status,
            failed: f.failed,
            reason: f.reason === undefined ? null : escapeControlChars(f.reason),
            depth: f.depth,
          })),
        })),
      shadow: [...this.shadows.values()].reverse().map((s) => ({
        name: s.name,
        page: s.page.url,
        equal: s.equal,
        summary: escapeControlChars(s.summary),
        // Fragment bytes, production's and local's: shown, never acted on by a terminal reading the API.
        diff: s.diff.map((line) => escapeControlChars(line)),
        error: s.error === undefined ? null : escapeControlChars(s.error),
      })),
    };
  }

  /** Is anything answering HTTP at the local service's origin? Cached briefly. */
  isHealthy(local: string): Promise<boolean> {
    const origin = new URL(local).origin;
    const cached = this.health.get(origin);
    if (cached && Date.now() - cached.at < HEALTH_TTL_MS) return cached.value;
    const value = probeHttp(origin + '/', 1000).then((result) => result.ok);
    this.health.set(origin, { at: Date.now(), value });
    return value;
  }
}

export function describeProvenance(from: { file: string; package?: string }): string {
  return from.package ? `${from.package} (${from.file})` : from.file;
}

/**
 * Recent pages list what a developer navigated to: a path with a file extension other than
 * .html (production's HTML 404 for `/favicon.ico` or a `.js.map`) is not one.
 */
function looksLikeADocument(url: string): boolean {
  const end = url.search(/[?#]/);
  const path = end === -1 ? url : url.slice(0, end);
  const last = path.slice(path.lastIndexOf('/') + 1);
  const dot = last.lastIndexOf('.');
  return dot <= 0 || /^\.(html?|xhtml|shtml|php|aspx?|jsp)$/i.test(last.slice(dot));
}

function round1(ms: number): number {
  return Math.round(ms * 10) / 10;
}
