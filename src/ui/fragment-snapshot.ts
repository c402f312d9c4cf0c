import { createHash } from 'node:crypto';
import type { Agents } from '../http/agents.js';
import { fetchFragment, FragmentFetchError } from '../compose/fetch-fragment.js';
import { factsOf, parseForComparison } from '../html/comparable-document.js';

/**
 * What live reload knows of one answer of a local fragment: its status and its document as
 * positional facts (`header[1]/input[1]@value` → the token), the same facts shadow mode learns
 * production's noise from. Two answers taken a moment apart tell which facts change on every
 * render (a CSRF token, a nonce, "rendered in 3 ms"); what the developer changes in the template
 * is what differs beyond those.
 *
 * The request is a fragment request: the same size cap (`maxFragmentSize`) and the same deadline
 * for the whole exchange (the fragment's `timeout`) as the page's own request for it.
 */
export interface Snapshot {
  /** Why there was no usable answer (no connection, a timeout, a 5xx, too large); else undefined. */
  failure?: string;
  /** A digest of the raw answer: equal digests need no closer look. */
  digest: string;
  /** Status and document facts by positional key. */
  facts: ReadonlyMap<string, string>;
}

export interface SnapshotRequest {
  url: string;
  agents: Agents;
  timeoutMs: number;
  maxBytes: number;
}

/**
 * Documents up to this size are compared fact by fact; a larger one only by its digest (a
 * whole-body fact), so a template that big with a token in it is left alone after a few changes.
 */
const PARSE_LIMIT = 1024 * 1024;

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

export async function takeSnapshot({ url, agents, timeoutMs, maxBytes }: SnapshotRequest): Promise<Snapshot> {
  try {
    const answer = await fetchFragment({
      url: new URL(url),
      headers: { accept: 'text/html' },
      timeoutMs,
      agents,
      maxBytes,
      // A 4xx is an answer the page shows; a 5xx means the service is down or broken.
      acceptStatus: (status) => status < 500,
    });
    const html = comparableHtml(answer.body.toString('utf8'));
    const digest = createHash('sha1').update(`${answer.status}\n${html}`).digest('hex');
    const facts = html.length <= PARSE_LIMIT ? factsOf(parseForComparison(html)) : new Map([['body', digest]]);
    facts.set('status', String(answer.status));
    return { digest, facts };
  } catch (error) {
    const failure = error instanceof FragmentFetchError ? error.reason : String(error);
    return { failure, digest: `failed: ${failure}`, facts: new Map() };
  }
}

/**
 * Adds to `noise` the facts that differ between two answers; false once `noise` is full. Only
 * values are learned: two answers with different facts (an element more or less) teach nothing,
 * since one of them may be a render that never repeats — a template read while an editor was
 * writing it in place — and learning from it would hide the edit, and every later edit there.
 */
export function learnNoise(a: Snapshot, b: Snapshot, noise: Set<string>, maxKeys: number): boolean {
  if (a.failure || b.failure || a.digest === b.digest) return true;
  if (a.facts.size !== b.facts.size) return true;
  for (const key of a.facts.keys()) if (!b.facts.has(key)) return true;
  const add = (key: string) => {
    if (noise.has(key)) return true;
    if (noise.size >= maxKeys) return false;
    noise.add(key);
    return true;
  };
  for (const [key, value] of a.facts) if (b.facts.get(key) !== value && !add(key)) return false;
  return true;
}

/** Whether two answers differ in anything but `noise` (a failure differs from an answer). */
export function differs(a: Snapshot, b: Snapshot, noise: ReadonlySet<string>): boolean {
  if (a.digest === b.digest) return false;
  if (a.failure || b.failure) return true;
  for (const [key, value] of a.facts) if (!noise.has(key) && b.facts.get(key) !== value) return true;
  for (const key of b.facts.keys()) if (!noise.has(key) && !a.facts.has(key)) return true;
  return false;
}
