import type { AnyNode } from 'domhandler';
import type { ShadowComparison } from '../compose/page-context.js';
import type { ShadowResult } from '../compose/events.js';

/**
 * Shadow mode: production's fragment is served, the local one is fetched too, and the two are
 * compared as documents rather than as bytes, so formatting, attribute order and whitespace do
 * not count as differences while text, elements and attribute values do.
 */

type Cheerio = typeof import('cheerio');
let cheerio: Promise<Cheerio> | undefined;
/** cheerio is only needed once something is shadowed: load it then, not at start-up. */
const loadCheerio = () => (cheerio ??= import('cheerio'));

/** One line per element, text run and comment, attributes sorted, whitespace collapsed. */
export async function normaliseFragment(html: string): Promise<string[]> {
  const $ = (await loadCheerio()).load(html, null, false);
  const lines: string[] = [];
  const walk = (nodes: AnyNode[], indent: string) => {
    for (const node of nodes) {
      if (node.type === 'text') {
        const text = node.data.replace(/\s+/g, ' ').trim();
        if (text) lines.push(`${indent}"${text}"`);
      } else if (node.type === 'tag' || node.type === 'script' || node.type === 'style') {
        const attributes = Object.entries(node.attribs)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([name, value]) => ` ${name}="${value.replace(/\s+/g, ' ').trim()}"`)
          .join('');
        lines.push(`${indent}<${node.name}${attributes}>`);
        walk(node.children, indent + '  ');
      }
    }
  };
  walk($.root()[0].children as AnyNode[], '');
  return lines;
}

/** The differing lines of two normalised fragments, `-` production and `+` local (at most `limit`). */
export function diffLines(prod: string[], local: string[], limit = 12): string[] {
  // Trim the common head and tail, then show what is left of each side: enough to see
  // what changed without a full LCS over large fragments.
  let start = 0;
  while (start < prod.length && start < local.length && prod[start] === local[start]) start++;
  let endProd = prod.length;
  let endLocal = local.length;
  while (endProd > start && endLocal > start && prod[endProd - 1] === local[endLocal - 1]) {
    endProd--;
    endLocal--;
  }
  // Both sides get a share of the lines shown: what production has and what local has instead.
  const removed = prod.slice(start, endProd).map((l) => `- ${l}`);
  const added = local.slice(start, endLocal).map((l) => `+ ${l}`);
  const total = removed.length + added.length;
  if (total <= limit) return [...removed, ...added];
  const keepRemoved = Math.min(removed.length, Math.max(Math.ceil(limit / 2), limit - added.length));
  const keepAdded = Math.min(added.length, limit - keepRemoved);
  return [...removed.slice(0, keepRemoved), ...added.slice(0, keepAdded), `… ${total - keepRemoved - keepAdded} more lines`];
}

/** Compare a shadowed fragment's two answers: the result the dev page shows (`shadow:result`). */
export async function compareShadow({ page, name, prodUrl, localUrl, charset, prod, local }: ShadowComparison): Promise<ShadowResult> {
  const base = { page, name, prodUrl, localUrl };
  if (prod.status === 'rejected' || local.status === 'rejected') {
    const error = prod.status === 'rejected' ? `production failed: ${String(prod.reason?.message ?? prod.reason)}` : `local failed: ${String((local as PromiseRejectedResult).reason?.message ?? (local as PromiseRejectedResult).reason)}`;
    return { ...base, equal: false, summary: error, diff: [], error };
  }
  const decode = (buf: Buffer) => new TextDecoder(charset ?? 'utf-8').decode(buf);
  const [prodLines, localLines] = await Promise.all([normaliseFragment(decode(prod.value)), normaliseFragment(decode(local.value))]);
  const diff = diffLines(prodLines, localLines);
  const equal = diff.length === 0;
  const summary = equal ? 'same as production' : `${diff.filter((l) => l.startsWith('- ')).length} production line(s) differ from ${diff.filter((l) => l.startsWith('+ ')).length} local line(s)`;
  return { ...base, equal, summary, diff };
}
