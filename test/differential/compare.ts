/**
 * Runs generated cases through two targets (an edge and mfe-dev, or an edge and a second instance
 * of itself) and compares what a browser gets: status, Content-Type and body, byte for byte (and,
 * for Tailor, the `Link` header). Differences are minimized: parts, fragments, headers and the
 * query are dropped one by one while the two answers still differ.
 */
import { request } from '../helpers/servers.js';
import type { Target } from './edges.js';
import type { Case } from './generate.js';
import type { Doc, Origin } from './origin.js';

export interface Answer {
  status: number;
  type: string | undefined;
  body: string;
  link?: string;
  error?: string;
}

export interface Outcome {
  case: Case;
  same: boolean;
  a: Answer;
  b: Answer;
}

let attempt = 0;

/** Serves the case's documents under a folder of their own; returns the page's path. */
function serve(origin: Origin, c: Case): { path: string; folder: string } {
  const folder = `/c/${c.id}-${(attempt++).toString(36)}/`;
  const fill = (text: string) => text.replaceAll('{{P}}', folder).replaceAll('{{O}}', origin.url);
  for (const [name, doc] of Object.entries(c.docs)) {
    const headers = doc.headers && Object.fromEntries(Object.entries(doc.headers).map(([k, v]) => [k, fill(v)]));
    origin.docs.set(folder + name, { ...doc, parts: doc.parts.map(fill), headers });
  }
  return { path: `${folder}page${c.query ? `?${c.query}` : ''}`, folder };
}

function unserve(origin: Origin, folder: string): void {
  for (const path of [...origin.docs.keys()]) if (path.startsWith(folder)) origin.docs.delete(path);
}

async function ask(target: Target, path: string, headers: Record<string, string>, withLink: boolean): Promise<Answer> {
  try {
    const res = await request(target.url + path, { headers: { accept: 'text/html', ...headers, ...(target.host && { host: target.host }) }, timeout: 15_000 });
    const answer: Answer = { status: res.status, type: res.headers['content-type'], body: res.text };
    if (withLink) answer.link = [res.headers.link ?? []].flat().join(", ") || undefined;
    return answer;
  } catch (error) {
    return { status: 0, type: undefined, body: '', error: (error as Error).message };
  }
}

function sameAnswer(a: Answer, b: Answer): boolean {
  return !a.error && !b.error && a.status === b.status && a.type === b.type && a.body === b.body && a.link === b.link;
}

export async function runCase(origin: Origin, a: Target, b: Target, c: Case, withLink = false): Promise<Outcome> {
  const { path, folder } = serve(origin, c);
  try {
    const [answerA, answerB] = await Promise.all([ask(a, path, c.headers, withLink), ask(b, path, c.headers, withLink)]);
    // The folder differs per attempt: compare with it taken out.
    const strip = (x: Answer): Answer => ({ ...x, body: x.body.replaceAll(folder, '/c/ID/'), link: x.link?.replaceAll(folder, '/c/ID/') });
    const sa = strip(answerA);
    const sb = strip(answerB);
    return { case: c, same: sameAnswer(sa, sb), a: sa, b: sb };
  } finally {
    unserve(origin, folder);
  }
}

/** Runs `cases` `concurrency` at a time. */
export async function runAll(origin: Origin, a: Target, b: Target, cases: Case[], options: { concurrency?: number; withLink?: boolean } = {}): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(cases.length);
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const index = next++;
      outcomes[index] = await runCase(origin, a, b, cases[index], options.withLink);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  return outcomes;
}

/** Smaller versions of a case, one removal each. */
function* shrink(c: Case): Generator<Case> {
  for (const [name, doc] of Object.entries(c.docs)) {
    // Unchunked, a document is sent in one write: its lines can go one by one.
    const lines = doc.parts.join('').split(/(?<=\n)/);
    if (!doc.chunked && lines.length > doc.parts.length) yield { ...c, docs: { ...c.docs, [name]: { ...doc, parts: lines } } };
    if (doc.parts.length > 1) {
      yield { ...c, docs: { ...c.docs, [name]: { ...doc, parts: [doc.parts.join('')] } } };
    }
    for (let i = 0; i < doc.parts.length; i++) {
      // The page keeps its first and last part (its skeleton): a page reduced to nothing
      // differs for reasons of its own.
      if (name === 'page' && (i === 0 || i === doc.parts.length - 1)) continue;
      const parts = doc.parts.filter((_, j) => j !== i);
      if (parts.length === 0) continue;
      yield { ...c, docs: { ...c.docs, [name]: { ...doc, parts } as Doc } };
    }
    if (doc.chunked) yield { ...c, docs: { ...c.docs, [name]: { ...doc, chunked: false } } };
  }
  for (const header of Object.keys(c.headers)) {
    const headers = { ...c.headers };
    delete headers[header];
    yield { ...c, headers };
  }
  if (c.query) yield { ...c, query: '' };
}

/** The smallest case found (within `budget` runs) whose answers still differ. */
export async function minimize(origin: Origin, a: Target, b: Target, outcome: Outcome, budget = 150, withLink = false): Promise<Outcome> {
  let best = outcome;
  let runs = 0;
  let progress = true;
  while (progress && runs < budget) {
    progress = false;
    for (const smaller of shrink(best.case)) {
      if (runs++ >= budget) break;
      const tried = await runCase(origin, a, b, smaller, withLink);
      if (!tried.same) {
        best = tried;
        progress = true;
        break;
      }
    }
  }
  return best;
}

export interface FeatureCount {
  identical: number;
  total: number;
}

export function byFeature(outcomes: Outcome[]): Map<string, FeatureCount> {
  const table = new Map<string, FeatureCount>();
  for (const o of outcomes) {
    const row = table.get(o.case.feature) ?? { identical: 0, total: 0 };
    row.total++;
    if (o.same) row.identical++;
    table.set(o.case.feature, row);
  }
  return table;
}

export function formatTable(outcomes: Outcome[], a: string, b: string): string {
  const lines = [`${a} vs ${b}`, 'feature'.padEnd(16) + 'identical/total'];
  for (const [feature, { identical, total }] of byFeature(outcomes)) lines.push(`${feature.padEnd(16)}${identical}/${total}`);
  const same = outcomes.filter((o) => o.same).length;
  lines.push(`${'all'.padEnd(16)}${same}/${outcomes.length} (${((100 * same) / Math.max(1, outcomes.length)).toFixed(1)}%)`);
  return lines.join('\n');
}

/** A difference as a person reads it: the case's documents, then both answers. */
export function describe(outcome: Outcome, a: string, b: string): string {
  const c = outcome.case;
  const lines = [`case ${c.id} [${c.feature}]  GET /c/ID/page${c.query ? `?${c.query}` : ''}  ${JSON.stringify(c.headers)}`];
  const all = Object.values(c.docs).flatMap((doc) => doc.parts).join('') + Object.values(c.docs).map((doc) => JSON.stringify(doc.headers ?? {})).join('');
  for (const [name, doc] of Object.entries(c.docs)) {
    // Only the documents something still refers to.
    if (name !== 'page' && !new RegExp(`\\{\\{P\\}\\}${name}(?![\\w])`).test(all)) continue;
    const head = `${doc.status}${doc.type === undefined ? ' (no type)' : ` ${doc.type}`}${doc.headers && Object.keys(doc.headers).length ? ` ${JSON.stringify(doc.headers)}` : ''}${doc.chunked ? ' chunked' : ''}`;
    lines.push(`  ${name}: ${head}: ${JSON.stringify(doc.parts)}`);
  }
  for (const [label, x] of [[a, outcome.a], [b, outcome.b]] as const) {
    lines.push(`  ${label.padEnd(16)} ${x.error ? `error: ${x.error}` : `${x.status} ${x.type ?? '(no type)'}${x.link !== undefined ? ` link: ${x.link}` : ''}: ${JSON.stringify(x.body)}`}`);
  }
  return lines.join('\n');
}
