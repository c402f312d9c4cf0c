import { createRequire } from 'node:module';
import type * as JsDiff from 'diff';
import { escapeHtml as e } from '../html/escape-html.js';
import type { DiffHunk, StructuralDiff } from '../shadow/structural-diff.js';

/** jsdiff's CommonJS build, loaded at the first report (as shadow/structural-diff.ts loads it: the same module). */
let jsdiff: typeof JsDiff | undefined;

/**
 * A shadow difference as two columns, production on the left and the local service on the
 * right, as code review tools draw it: each change with a few unchanged lines around it (grey),
 * production's changed lines red, the local ones green, and within a changed line the words that
 * differ marked (`<del>`/`<ins>`, by jsdiff's word diff, which the comparison already uses). Line
 * numbers are positions in the normalised documents the comparison read (one element, attribute
 * set or text per line), not in the raw HTML.
 *
 * Server-rendered HTML only: no script, no `style` attribute (colours are classes of
 * {@link SIDE_BY_SIDE_CSS}), every text escaped. Bounded: the diff itself holds at most 20 changes
 * of 30 lines a side (shadow/structural-diff.ts), a line is cut at {@link MAX_LINE_CHARS}, and
 * word marking stops after {@link WordBudget}'s pairs per page, so a page of fifty recent
 * differences renders in milliseconds.
 */
export const MAX_LINE_CHARS = 400;
/** Lines longer than this are marked as a whole, not word by word. */
const MAX_WORD_DIFF_CHARS = 300;

/** How many line pairs may still be marked word by word while one page renders. */
export interface WordBudget {
  pairs: number;
}

export const SIDE_BY_SIDE_CSS = `
table.sxs{border-collapse:collapse;width:100%;table-layout:fixed;margin:.4rem 0;font:12px/1.45 ui-monospace,SFMono-Regular,Menlo,monospace}
table.sxs col.ln{width:3.2em}table.sxs th{font:600 11px system-ui,sans-serif;color:#666;text-align:left;padding:.2rem .4rem;border-bottom:1px solid #e2e4e8}
table.sxs td{vertical-align:top;padding:0 .4rem;white-space:pre-wrap;word-break:break-all}
table.sxs td.ln{color:#999;text-align:right;user-select:none;border-right:1px solid #eee}
table.sxs tr.path td{background:#f3f5f9;color:#4a6a98;font-style:italic;padding:.15rem .4rem}
table.sxs td.ctx{color:#666}table.sxs td.del{background:#fdecec}table.sxs td.ins{background:#e8f7ee}table.sxs td.none{background:#f7f7f7}
table.sxs tr.del-row td.ln,table.sxs tr.chg td.ln{color:#b55}
table.sxs .muted{color:#666}table.sxs del{background:#f5b5b5;text-decoration:none;border-radius:2px}table.sxs ins{background:#9fdcb5;text-decoration:none;border-radius:2px}
`;

/** The diff's changes as one side-by-side table (an empty string when there are none). */
export function renderSideBySide(diff: StructuralDiff, budget: WordBudget = { pairs: 200 }): string {
  if (diff.hunks.length === 0) return '';
  const body = diff.hunks.map((hunk) => renderHunk(hunk, budget)).join('');
  const omitted = diff.omitted ? `<p class="muted"><small>${diff.omitted} more line(s) or change(s) left out</small></p>` : '';
  return `<table class="sxs" data-side-by-side><colgroup><col class="ln"><col><col class="ln"><col></colgroup><tr><th></th><th>production</th><th></th><th>local</th></tr>${body}</table>${omitted}`;
}

function renderHunk(hunk: DiffHunk, budget: WordBudget): string {
  const rows: string[] = [`<tr class="path"><td colspan="4">${e(hunk.path || '(document)')}</td></tr>`];
  const before = hunk.before ?? [];
  let prodNo = hunk.prodLine === undefined ? undefined : hunk.prodLine - before.length;
  let localNo = hunk.localLine === undefined ? undefined : hunk.localLine - before.length;
  const next = (n: number | undefined) => (n === undefined ? undefined : n + 1);
  const context = (line: string) => {
    rows.push(`<tr class="ctx-row">${cell(prodNo, 'ctx', text(line))}${cell(localNo, 'ctx', text(line))}</tr>`);
    prodNo = next(prodNo);
    localNo = next(localNo);
  };
  before.forEach(context);
  const pairs = Math.max(hunk.prod.length, hunk.local.length);
  for (let i = 0; i < pairs; i++) {
    const prod = hunk.prod[i];
    const local = hunk.local[i];
    let left = prod === undefined ? cell(undefined, 'none', '') : cell(prodNo, 'del', text(prod));
    let right = local === undefined ? cell(undefined, 'none', '') : cell(localNo, 'ins', text(local));
    if (prod !== undefined && local !== undefined) {
      const marked = markWords(prod, local, budget);
      if (marked) {
        left = cell(prodNo, 'del', marked.prod);
        right = cell(localNo, 'ins', marked.local);
      }
    }
    const kind = prod !== undefined && local !== undefined ? 'chg' : prod !== undefined ? 'del-row' : 'ins-row';
    rows.push(`<tr class="${kind}" data-changed>${left}${right}</tr>`);
    if (prod !== undefined) prodNo = next(prodNo);
    if (local !== undefined) localNo = next(localNo);
  }
  (hunk.after ?? []).forEach(context);
  return rows.join('');
}

function cell(lineNumber: number | undefined, kind: 'ctx' | 'del' | 'ins' | 'none', html: string): string {
  return `<td class="ln">${lineNumber ?? ''}</td><td class="${kind}">${html}</td>`;
}

/** A line as escaped text, cut at {@link MAX_LINE_CHARS}. */
function text(line: string): string {
  return line.length > MAX_LINE_CHARS ? `${e(line.slice(0, MAX_LINE_CHARS))}<span class="muted">… (${line.length - MAX_LINE_CHARS} more characters)</span>` : e(line);
}

/** The words that differ between two paired lines, marked on each side; undefined past the budget or for long lines. */
function markWords(prod: string, local: string, budget: WordBudget): { prod: string; local: string } | undefined {
  if (budget.pairs <= 0 || prod.length > MAX_WORD_DIFF_CHARS || local.length > MAX_WORD_DIFF_CHARS) return undefined;
  budget.pairs--;
  const parts = (jsdiff ??= createRequire(import.meta.url)('diff') as typeof JsDiff).diffWordsWithSpace(prod, local);
  // Lines that share nothing but spaces: marking every word says nothing more than the colour.
  if (!parts.some((p) => !p.added && !p.removed && p.value.trim() !== '')) return undefined;
  let left = '';
  let right = '';
  for (const part of parts) {
    const value = e(part.value);
    if (part.removed) left += `<del>${value}</del>`;
    else if (part.added) right += `<ins>${value}</ins>`;
    else {
      left += value;
      right += value;
    }
  }
  return { prod: left, local: right };
}
