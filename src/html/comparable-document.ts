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
  /**
   * The fragment's `assets` prefixes: URLs under them name the fragment's own files, which a dev
   * server and a build spell differently (`/assets/header/src/header.js?t=…` against
   * `/assets/header/header.3f2a91.js`); they are compared by file name without build hash.
   */
  assetPrefixes?: readonly string[];
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
  const assetPrefixes = ignores.assetPrefixes ?? [];
  const attributeValue = (name: string, value: string) => mask(collapse(URL_ATTRIBUTES.has(name) ? assetFile(value, assetPrefixes) : value));

  const lines: DocumentLine[] = [];
  const walk = (nodes: AnyNode[], parentKey: string, parentPath: string, depth: number) => {
    const tagCounts = new Map<string, number>();
    const tagTotals = new Map<string, number>();
    for (const node of nodes) if (isElement(node) && !dropped.has(node) && !isDevServerClient(node)) tagTotals.set(node.name, (tagTotals.get(node.name) ?? 0) + 1);
    let textIndex = 0;
    for (const node of nodes) {
      if (dropped.has(node) || isDevServerClient(node)) continue;
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
          .map(([name, value]): [string, string] => [name, attributeValue(name, value)])
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        lines.push({ kind: 'element', key, path, depth, name: node.name, attributes });
        walk(node.children, key, path, depth + 1);
      }
    }
  };
  walk(document.children, '', '', 0);
  return lines;
}

/** Attributes whose value is a URL that may name one of the fragment's files. */
const URL_ATTRIBUTES = new Set(['src', 'href', 'data-src', 'poster']);

/**
 * What dev servers add to the HTML they serve and a production build never has: Vite's client
 * (`/@vite/client`, also under a `base`) and React refresh preamble, webpack-dev-server's and
 * webpack-hot-middleware's clients, Next's development scripts.
 */
const DEV_CLIENT = /\/@vite\/client|\/@react-refresh|webpack-dev-server\/client|\/__webpack_hmr|webpack-hot-middleware|\/_next\/static\/development\/|\/_next\/static\/chunks\/(?:react-refresh|webpack)\.js/;

function isDevServerClient(node: AnyNode): boolean {
  if (node.type !== 'script') return false;
  const element = node as Element;
  if (element.attribs.src !== undefined) return DEV_CLIENT.test(element.attribs.src);
  const first = element.children[0];
  return first?.type === 'text' && DEV_CLIENT.test((first as { data: string }).data.slice(0, 2000));
}

/** A build hash before the extension: `.3f2a91`, `-BQx3kP9a`, `.8c2d4e71` (hex, or with a digit). */
const BUILD_HASH = /[.-](?:[0-9a-f]{6,}|(?=[A-Za-z0-9_]*\d)[A-Za-z0-9_]{8,})(?=\.[A-Za-z0-9]+$)/;

/**
 * A URL under one of the fragment's asset prefixes, as the file it names: the prefix and the
 * file name without folders, build hash, query or fragment (`/assets/header/src/header.js?t=1`
 * and `/assets/header/header.3f2a91.js` are both `/assets/header/…/header.js`). Other values are
 * returned as they are.
 */
export function assetFile(value: string, prefixes: readonly string[]): string {
  if (prefixes.length === 0) return value;
  let path = value.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path) || path.startsWith('//')) {
    try {
      path = new URL(path, 'http://x').pathname;
    } catch {
      return value;
    }
  }
  const prefix = prefixes.find((p) => path.startsWith(p));
  if (prefix === undefined) return value;
  const file = path.slice(prefix.length).split(/[?#]/)[0].split('/').pop() ?? '';
  return `${prefix}…/${file.replace(BUILD_HASH, '')}`;
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
