/**
 * The structure of an ESI block (`<esi:choose>`, `<esi:try>`, `<esi:vars>` …) as byte offsets:
 * which `esi:*` elements it holds, nested how, with their attributes as written. Everything
 * that is not an `esi:*` tag is content; it is never parsed here, so the bytes of a branch can
 * be handed on untouched. Works on latin1 text (one char per byte) and knows nothing about
 * what the elements mean.
 *
 * Like the page scanner, a plain HTML comment hides what it contains (`<!-- <esi:when> -->` is
 * not an element), while `<!--esi … -->` is transparent: its content is ESI markup.
 */
export interface EsiElement {
  /** Lower-case local name: `when`, `otherwise`, `attempt`, `include` … */
  name: string;
  /** Attribute names lower-cased, values as written (not decoded); the first of a name wins. */
  attributes: Record<string, string>;
  /** Offset of the `<` of the open tag. */
  start: number;
  /** Offset just after the open tag's `>`. */
  contentStart: number;
  /** Offset of the `<` of the close tag (= contentStart when self-closing or never closed). */
  contentEnd: number;
  /** Offset just after the close tag's `>` (= contentStart when self-closing or never closed). */
  end: number;
  selfClosing: boolean;
  children: EsiElement[];
}

const ESI_TAG = /<(\/?)esi:([a-z_]+)/gi;
const ATTRIBUTE = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]*)))?/g;

/**
 * The `esi:*` elements of `text[from, to)`, as a tree. A close tag with no open element of its
 * name is ignored; an element never closed ends where its parent does (it keeps no content).
 */
export function parseEsiElements(text: string, from = 0, to = text.length): EsiElement[] {
  const roots: EsiElement[] = [];
  const stack: EsiElement[] = [];
  let at = from;
  while (at < to) {
    const lt = text.indexOf('<', at);
    if (lt === -1 || lt >= to) break;
    if (text.startsWith('<!--', lt) && !/^<!--esi/i.test(text.slice(lt, lt + 7))) {
      const close = text.indexOf('-->', lt + 4);
      at = close === -1 || close + 3 > to ? to : close + 3;
      continue;
    }
    ESI_TAG.lastIndex = lt;
    const match = ESI_TAG.exec(text);
    if (!match || match.index !== lt) {
      at = lt + 1;
      continue;
    }
    const nameEnd = lt + match[0].length;
    const gt = tagEnd(text, nameEnd, to);
    if (gt === -1) break; // an unterminated tag is content
    const name = match[2].toLowerCase();
    if (match[1] === '/') {
      let open = stack.length - 1;
      while (open >= 0 && stack[open].name !== name) open--;
      if (open >= 0) {
        const element = stack[open];
        // Elements opened inside it and never closed end here with it, empty.
        for (const unclosed of stack.splice(open)) if (unclosed !== element) collapse(unclosed);
        element.contentEnd = lt;
        element.end = gt + 1;
      }
      at = gt + 1;
      continue;
    }
    const selfClosing = text.charCodeAt(gt - 1) === 0x2f;
    const element: EsiElement = {
      name,
      attributes: parseAttributes(text.slice(nameEnd, selfClosing ? gt - 1 : gt)),
      start: lt,
      contentStart: gt + 1,
      contentEnd: gt + 1,
      end: gt + 1,
      selfClosing,
      children: [],
    };
    (stack.length > 0 ? stack[stack.length - 1].children : roots).push(element);
    if (!selfClosing) {
      element.end = -1; // open until its close tag
      stack.push(element);
    }
    at = gt + 1;
  }
  for (const unclosed of stack) collapse(unclosed);
  return roots;
}

function collapse(element: EsiElement): void {
  element.contentEnd = element.contentStart;
  element.end = element.contentStart;
  element.children = [];
}

/** The `>` ending a tag whose name ends at `from`, skipping quoted values; -1 if none before `to`. */
function tagEnd(text: string, from: number, to: number): number {
  let quote = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) {
      // Only a quote that starts a value opens one (`a="x"`), as the page scanner reads tags.
      let j = i - 1;
      while (j > from && /\s/.test(text[j])) j--;
      if (text.charCodeAt(j) === 0x3d) quote = c;
    } else if (c === 0x3e) return i;
  }
  return -1;
}

function parseAttributes(source: string): Record<string, string> {
  const attributes: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const match of source.matchAll(ATTRIBUTE)) {
    const name = match[1].toLowerCase();
    if (name in attributes) continue;
    attributes[name] = match[2] ?? match[3] ?? match[4] ?? '';
  }
  return attributes;
}

/** How deeply `esi:*` elements nest in `elements` (1 for elements without children); iterative, for any depth. */
export function esiNestingDepth(elements: readonly EsiElement[]): number {
  let deepest = 0;
  const pending: Array<[readonly EsiElement[], number]> = [[elements, 1]];
  while (pending.length > 0) {
    const [level, depth] = pending.pop()!;
    for (const element of level) {
      if (depth > deepest) deepest = depth;
      if (element.children.length > 0) pending.push([element.children, depth + 1]);
    }
  }
  return deepest;
}
