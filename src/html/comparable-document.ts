import { selectAll } from 'css-select';
import type { AnyNode, Element } from 'domhandler';
import { parseDocument } from 'htmlparser2';

/**
 * A fragment's HTML as a flat list of comparable lines: one per element (tag and sorted
 * attributes) and one per text run (whitespace collapsed). Formatting, attribute order and
 * comments never count; text, elements and attribute values do.
 *
 * Every line carries two paths:
 * - `key`, positional and stable (`div[1]/ul[1]/li[3]`, `…@href`, `…#text[2]`): what noise is
 *   learned and masked by, so a value that changes between two production answers is found again
 *   in the local one at the same place;
 * - `path`, readable (`div#main > ul.items > li:nth-of-type(3)`): what a person sees in a diff.
 */
export interface DocumentLine {
  kind: 'element' | 'text';
  /** Positional key of the element or text run (see above). */
  key: string;
  /** Readable CSS-like path of the element (of the parent element, for text). */
  path: string;
  depth: number;
  /** Tag name for elements; the normalised text for text runs. */
  name: string;
  /** Attributes, sorted by name, values whitespace-collapsed (elements only). */
  attributes: Array<[name: string, value: string]>;
}

/** What a user asked to leave out of comparisons for one fragment (compiled from the config). */
export interface DocumentIgnores {
  /** Elements matching these CSS selectors are dropped, subtree included. */
  selectors: readonly string[];
  /** Attribute names dropped everywhere; a trailing `*` matches a prefix (`data-track-*`). */
  attributes: readonly string[];
  /** Matches in text and attribute values are replaced by `…`. */
  text: readonly RegExp[];
}

export const NO_IGNORES: DocumentIgnores = { selectors: [], attributes: [], text: [] };

/** The placeholder for masked values (user text patterns and learned noise). */
export const MASK = '…';

export function parseForComparison(html: string, ignores: DocumentIgnores = NO_IGNORES): DocumentLine[] {
  const document = parseDocument(html, { decodeEntities: true });
  const dropped = new Set<AnyNode>();
  for (const selector of ignores.selectors) for (const element of selectAll(selector, document)) dropped.add(element);
  const dropAttribute = attributeFilter(ignores.attributes);
  const mask = (value: string) => ignores.text.reduce((text, pattern) => text.replace(pattern, MASK), value);

  const lines: DocumentLine[] = [];
  const walk = (nodes: AnyNode[], parentKey: string, parentPath: string, depth: number) => {
    const tagCounts = new Map<string, number>();
    const tagTotals = new Map<string, number>();
    for (const node of nodes) if (isElement(node) && !dropped.has(node)) tagTotals.set(node.name, (tagTotals.get(node.name) ?? 0) + 1);
    let textIndex = 0;
    for (const node of nodes) {
      if (dropped.has(node)) continue;
      if (node.type === 'text') {
        const text = mask(collapse(node.data));
        if (!text) continue;
        textIndex++;
        lines.push({ kind: 'text', key: `${parentKey}#text[${textIndex}]`, path: parentPath, depth, name: text, attributes: [] });
      } else if (isElement(node)) {
        const index = (tagCounts.get(node.name) ?? 0) + 1;
        tagCounts.set(node.name, index);
        const key = `${parentKey}/${node.name}[${index}]`;
        const step = readableStep(node, index, tagTotals.get(node.name) ?? 1);
        const path = parentPath ? `${parentPath} > ${step}` : step;
        const attributes = Object.entries(node.attribs)
          .filter(([name]) => !dropAttribute(name))
          .map(([name, value]): [string, string] => [name, mask(collapse(value))])
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        lines.push({ kind: 'element', key, path, depth, name: node.name, attributes });
        walk(node.children, key, path, depth + 1);
      }
    }
  };
  walk(document.children, '', '', 0);
  return lines;
}

function isElement(node: AnyNode): node is Element {
  return node.type === 'tag' || node.type === 'script' || node.type === 'style';
}

function collapse(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

/** `li:nth-of-type(3)`, `div#main`, `ul.items`: enough to find the element by eye. */
function readableStep(element: Element, index: number, total: number): string {
  const id = element.attribs.id;
  if (id && /^[\w-]+$/.test(id)) return `${element.name}#${id}`;
  const firstClass = (element.attribs.class ?? '').trim().split(/\s+/)[0];
  const cls = firstClass && /^[\w-]+$/.test(firstClass) ? `.${firstClass}` : '';
  return `${element.name}${cls}${total > 1 ? `:nth-of-type(${index})` : ''}`;
}

function attributeFilter(names: readonly string[]): (name: string) => boolean {
  if (names.length === 0) return () => false;
  const exact = new Set(names.filter((n) => !n.endsWith('*')).map((n) => n.toLowerCase()));
  const prefixes = names.filter((n) => n.endsWith('*')).map((n) => n.slice(0, -1).toLowerCase());
  return (name) => exact.has(name) || prefixes.some((prefix) => name.startsWith(prefix));
}

/** Attribute facts and text facts by positional key: what noise calibration compares. */
export function factsOf(lines: readonly DocumentLine[]): Map<string, string> {
  const facts = new Map<string, string>();
  for (const line of lines) {
    if (line.kind === 'text') facts.set(line.key, line.name);
    else {
      facts.set(line.key, line.name);
      for (const [name, value] of line.attributes) facts.set(`${line.key}@${name}`, value);
    }
  }
  return facts;
}

/** One line as text, for the diff: `<a class="nav" href="/">` or `"Hello"`, indented by depth. */
export function renderLine(line: DocumentLine, noise?: ReadonlySet<string>): string {
  const indent = '  '.repeat(line.depth);
  if (line.kind === 'text') return `${indent}"${noise?.has(line.key) ? MASK : line.name}"`;
  const attributes = line.attributes.map(([name, value]) => ` ${name}="${noise?.has(`${line.key}@${name}`) ? MASK : value}"`).join('');
  return `${indent}<${line.name}${attributes}>`;
}

/** The lines with noisy elements (and their subtrees), text runs and attributes left out. */
export function withoutNoise(lines: readonly DocumentLine[], noise: ReadonlySet<string>): DocumentLine[] {
  if (noise.size === 0) return lines.slice();
  const kept: DocumentLine[] = [];
  let droppedElement: string | undefined;
  for (const line of lines) {
    if (droppedElement !== undefined) {
      if (line.key.startsWith(droppedElement + '/') || line.key.startsWith(droppedElement + '#')) continue;
      droppedElement = undefined;
    }
    if (noise.has(line.key)) {
      if (line.kind === 'element') droppedElement = line.key;
      continue;
    }
    if (line.kind === 'element' && line.attributes.some(([name]) => noise.has(`${line.key}@${name}`))) {
      kept.push({ ...line, attributes: line.attributes.filter(([name]) => !noise.has(`${line.key}@${name}`)) });
    } else kept.push(line);
  }
  return kept;
}
