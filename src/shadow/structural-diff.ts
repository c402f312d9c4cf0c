import { createRequire } from 'node:module';
import type * as JsDiff from 'diff';
import { renderLine, type DocumentLine } from '../html/comparable-document.js';

/**
 * A readable diff of two normalised documents: the changed elements with their path in the
 * document, production's lines beside the local ones. The longest-common-subsequence work is
 * jsdiff's (`diff` on npm: maintained since 2011, typed, no dependencies, and bounded by
 * `maxEditLength`, here sized by the documents' length, so a fragment rewritten from scratch
 * cannot stall the gateway).
 */
/**
 * jsdiff, loaded the first time a diff is wanted (shadow mode and its reports): a gateway that
 * never compares does not carry it (0.7 MB of heap, which the old generation may let double, and
 * 14 ms of start-up). Its CommonJS build, so that the first caller need not wait for an import.
 */
let jsdiff: typeof JsDiff | undefined;
export function jsDiff(): typeof JsDiff {
  return (jsdiff ??= createRequire(import.meta.url)('diff') as typeof JsDiff);
}

export interface DiffHunk {
  /** Where it happened: the readable path of the first changed element (or its parent for text). */
  path: string;
  /** What production has there (empty when the local service added something). */
  prod: string[];
  /** What the local service has instead (empty when it left something out). */
  local: string[];
  /** Unchanged lines just before the change (the same on both sides; at most `context`). */
  before?: string[];
  /** Unchanged lines just after it. */
  after?: string[];
  /** 1-based number of the hunk's first changed line in production's and the local normalised document (the `before` lines come just above). */
  prodLine?: number;
  localLine?: number;
}

export interface StructuralDiff {
  hunks: DiffHunk[];
  /** Hunks or lines left out to keep the diff readable (0 when complete). */
  omitted: number;
}

export interface DiffLimits {
  /** Hunks kept. @default 20 */
  maxHunks?: number;
  /** Lines kept per side of a hunk. @default 30 */
  maxLines?: number;
  /** Edit distance beyond which the documents are reported as entirely different. @default 500 */
  maxEditLength?: number;
  /**
   * Steps of the search (lines of both sides × edit length) after which the same happens: the
   * edit length allowed shrinks as the documents grow, so one diff costs at most ~35 ms here
   * and the answer does not depend on how busy the machine is. @default 1,000,000
   */
  maxWork?: number;
  /** Milliseconds after which the search gives up whatever its size (a last guard for the event loop). @default 1000 */
  timeoutMs?: number;
  /** Unchanged lines kept around each change, so the dev page can show where it is. @default 3 */
  context?: number;
}

export function diffDocuments(prod: readonly DocumentLine[], local: readonly DocumentLine[], limits: DiffLimits = {}): StructuralDiff {
  const { maxHunks = 20, maxLines = 30, maxEditLength = 500, maxWork = 1_000_000, timeoutMs = 1000, context = 3 } = limits;
  const prodText = prod.map((line) => renderLine(line));
  const localText = local.map((line) => renderLine(line));
  // Bounded by the work, not by the clock (a 50 ms timeout gave a loaded machine a different diff).
  const editLength = Math.max(1, Math.min(maxEditLength, Math.floor(maxWork / Math.max(1, prodText.length + localText.length))));
  const changes = jsDiff().diffArrays(prodText, localText, { maxEditLength: editLength, timeout: timeoutMs });

  const hunks: DiffHunk[] = [];
  let omitted = 0;
  const push = (hunk: DiffHunk): DiffHunk | undefined => {
    if (hunks.length >= maxHunks) return void omitted++;
    const cut = Math.max(0, hunk.prod.length - maxLines) + Math.max(0, hunk.local.length - maxLines);
    omitted += cut;
    const kept = { ...hunk, prod: hunk.prod.slice(0, maxLines), local: hunk.local.slice(0, maxLines) };
    hunks.push(kept);
    return kept;
  };

  if (!changes) {
    // Too different to align line by line: show both from the start.
    push({ path: prod[0]?.path ?? local[0]?.path ?? '(document)', prod: prodText, local: localText, before: [], after: [], prodLine: 1, localLine: 1 });
    return { hunks, omitted };
  }

  let prodIndex = 0;
  let localIndex = 0;
  let open: DiffHunk | undefined;
  /** The last hunk pushed, while the unchanged run after it is read (its `after` lines). */
  let previous: DiffHunk | undefined;
  /** The tail of the current unchanged run not given to `previous.after` (the next hunk's `before`). */
  let unchanged: string[] = [];
  const close = () => {
    previous = open && push(open);
    open = undefined;
  };
  const start = (path: string): DiffHunk => ({
    path,
    prod: [],
    local: [],
    before: unchanged.slice(Math.max(0, unchanged.length - context)),
    after: [],
    prodLine: prodIndex + 1,
    localLine: localIndex + 1,
  });
  for (const change of changes) {
    const count = change.value.length;
    if (!change.added && !change.removed) {
      close();
      const after = previous ? change.value.slice(0, context) : [];
      if (previous) previous.after = after;
      unchanged = change.value.slice(after.length);
      previous = undefined;
      prodIndex += count;
      localIndex += count;
      continue;
    }
    if (change.removed) {
      open ??= start(pathAt(prod, prodIndex, local, localIndex));
      open.prod.push(...change.value);
      prodIndex += count;
    } else {
      open ??= start(pathAt(local, localIndex, prod, prodIndex));
      open.local.push(...change.value);
      localIndex += count;
    }
    unchanged = [];
  }
  close();
  return { hunks, omitted };
}

function pathAt(lines: readonly DocumentLine[], index: number, other: readonly DocumentLine[], otherIndex: number): string {
  return lines[index]?.path || other[otherIndex]?.path || lines[index - 1]?.path || '(document)';
}

/** A diff as plain text lines: `@ path`, then `- prod` and `+ local` lines (terminal, reports). */
export function diffAsText(diff: StructuralDiff): string[] {
  const lines: string[] = [];
  for (const hunk of diff.hunks) {
    lines.push(`@ ${hunk.path || '(document)'}`);
    for (const line of hunk.prod) lines.push(`- ${line.trim()}`);
    for (const line of hunk.local) lines.push(`+ ${line.trim()}`);
  }
  if (diff.omitted) lines.push(`… ${diff.omitted} more`);
  return lines;
}
