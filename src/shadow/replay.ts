import type http from 'node:http';
import type { ResolvedConfig, ResolvedFragment } from '../config/types.js';
import { createFragmentMatcher, localUrlFor } from '../config/fragment-match.js';
import type { Agents } from '../http/agents.js';
import { upstreamUrlFor } from '../http/request-target.js';
import { fetchSide } from './fetch-side.js';
import { findPageFragments } from './page-fragments.js';
import type { RecordedRequest } from './recorded-requests.js';
import { SAFE_METHODS, type ShadowJob, type ShadowMonitor } from './shadow-monitor.js';

/**
 * `mfe-dev replay`: recorded requests played again against production and the local services,
 * at a chosen rate and concurrency. A request for a shadowed fragment's src is compared
 * directly; any other request is a page: production's answer is read for include markers (and
 * the elements of fragments production composed already), and each shadowed fragment found is
 * compared, as the gateway would in shadow mode. Only the path and query of a recorded URL are
 * used: every target comes from the config.
 */
export interface ReplayOptions {
  config: ResolvedConfig;
  requests: readonly RecordedRequest[];
  /** Fragments compared (each must have a `local` URL). */
  shadowed: ReadonlySet<string>;
  monitor: ShadowMonitor;
  agents: Agents;
  /** Requests started per second at most; undefined: as fast as `concurrency` allows. */
  rate?: number;
  /** Recorded requests in progress at once. @default 4 */
  concurrency?: number;
  /** Deadline of every request, in ms. @default 10000 */
  timeoutMs?: number;
  /** Told after each recorded request is done. */
  onProgress?: (progress: ReplayProgress) => void;
}

export interface ReplayProgress {
  done: number;
  total: number;
  comparisons: number;
}

export interface ReplaySummary {
  requests: number;
  /** Recorded requests that led to at least one comparison. */
  replayed: number;
  comparisons: number;
  /** Requests left out, by reason. */
  skipped: { method: number; noFragment: number; pageFailed: number };
}

/** The headers production's edge forwards with a fragment request, from a recorded request. */
export function forwardedHeaders(recorded: RecordedRequest, config: ResolvedConfig): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = {
    accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8',
    'accept-encoding': 'gzip, deflate, br',
    // The host the browser asked (HTTP/1 `host`, else the recorded URL's), as an edge forwards it.
    'x-forwarded-host': recorded.headers.host ?? hostOf(recorded.url) ?? new URL(config.upstream).host,
    'x-forwarded-proto': 'http',
  };
  for (const name of ['accept-language', 'user-agent', 'referer', 'cookie'] as const) {
    const value = recorded.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  return headers;
}

export async function replay(options: ReplayOptions): Promise<ReplaySummary> {
  const { requests, concurrency = 4, rate, onProgress } = options;
  const summary: ReplaySummary = { requests: requests.length, replayed: 0, comparisons: 0, skipped: { method: 0, noFragment: 0, pageFailed: 0 } };
  const started = performance.now();
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < requests.length) {
      const index = next++;
      if (rate) {
        const due = started + (index * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      const compared = await replayOne(options, requests[index], summary);
      summary.comparisons += compared;
      if (compared > 0) summary.replayed++;
      done++;
      onProgress?.({ done, total: requests.length, comparisons: summary.comparisons });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, requests.length)) }, worker));
  return summary;
}

/** Replays one recorded request; returns how many comparisons it made. */
async function replayOne(options: ReplayOptions, recorded: RecordedRequest, summary: ReplaySummary): Promise<number> {
  const { config, shadowed, monitor, agents, timeoutMs = 10_000 } = options;
  if (!SAFE_METHODS.has(recorded.method)) {
    summary.skipped.method++;
    return 0;
  }
  const upstream = new URL(config.upstream);
  // As the gateway builds production's URL: upstream's origin + the path (`//host/x` stays a path).
  const target = upstreamUrlFor(upstream.origin, pathAndQuery(recorded.url));
  if (!target) return (summary.skipped.pageFailed++, 0);
  const match = createFragmentMatcher(config);
  const headers = forwardedHeaders(recorded, config);
  const jobFor = (fragment: ResolvedFragment, prodUrl: URL, page: string | undefined, extract?: string): ShadowJob => ({
    fragment: fragment.name,
    method: recorded.method,
    prodUrl,
    localUrl: localUrlFor(fragment, extract ? withSearch(new URL(fragment.src, upstream), target.search) : prodUrl),
    headers,
    timeoutMs: fragment.timeout ?? timeoutMs,
    ...(page !== undefined && { page }),
    ...(extract !== undefined && { extract }),
  });
  const wanted = (fragment: ResolvedFragment | undefined): fragment is ResolvedFragment => !!fragment?.local && shadowed.has(fragment.name);

  // A fragment's own URL: compare it directly.
  const direct = match(target);
  if (direct) {
    if (!wanted(direct)) return (summary.skipped.noFragment++, 0);
    await monitor.run(jobFor(direct, target, undefined));
    return 1;
  }

  // A page: read production's answer for the shadowed fragments it holds.
  let body: Buffer;
  try {
    const page = await fetchSide({ url: target, headers: { ...headers, accept: recorded.headers.accept ?? 'text/html' }, timeoutMs, agents });
    // The gateway composes error pages too (a 404 page holds the header): so does replay, but a
    // 5xx page is production failing, not a page without fragments.
    if (page.status >= 500) return (summary.skipped.pageFailed++, 0);
    if (!/html/i.test(String(page.headers['content-type'] ?? ''))) return (summary.skipped.noFragment++, 0);
    body = Buffer.from(page.body, 'utf8');
  } catch {
    summary.skipped.pageFailed++;
    return 0;
  }
  const selectorFragments = [...config.fragments.values()].filter((f) => wanted(f) && f.selector);
  const found = findPageFragments(body, selectorFragments.map((f) => f.selector!));
  const jobs: ShadowJob[] = [];
  const page = target.pathname + target.search;
  for (const src of found.includes) {
    let url: URL;
    try {
      url = new URL(src, target);
    } catch {
      continue;
    }
    const fragment = match(url);
    if (wanted(fragment)) jobs.push(jobFor(fragment, url, page));
  }
  for (const fragment of selectorFragments) {
    if (found.elements.has(fragment.selector!)) jobs.push(jobFor(fragment, target, page, fragment.selector));
  }
  if (jobs.length === 0) return (summary.skipped.noFragment++, 0);
  await Promise.all(jobs.map((job) => monitor.run(job)));
  return jobs.length;
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

function pathAndQuery(url: string): string {
  try {
    // `new URL('http://h//evil/x').pathname` is `//evil/x`: still a path, joined to upstream by the caller.
    const parsed = new URL(url);
    return parsed.pathname + parsed.search;
  } catch {
    return url.startsWith('/') ? url : `/${url}`;
  }
}

function withSearch(url: URL, search: string): URL {
  url.search = search;
  return url;
}
