import { compile, type Options as CssSelectOptions } from 'css-select';
import { decodeAttributeValue } from './marker-attributes.js';

/**
 * Matching CSS selectors while a page streams by. Each open tag becomes a small element with its
 * name, attributes and a link to its parent (the open-element stack); css-select tests it there
 * and then. What can be known at the open tag is known: the tag, attributes and ancestors.
 * Children and siblings are not: sibling combinators (`+`, `~`) never match, and structural
 * pseudo-classes see every element as an only child without children (`:first-child`,
 * `:last-child`, `:nth-*` always hold, `:empty` always holds, `:has()` never matches).
 */
export class ScanElement {
  constructor(
    readonly name: string,
    readonly parent: ScanElement | null,
    /** Whether this element's children are in SVG/MathML content, where `/>` closes an element. */
    readonly foreign: boolean,
    /** Attribute names and raw latin1 values (null: no value), alternating; decoded on demand. */
    private readonly attributes: readonly (string | null)[],
  ) {}

  getAttribute(name: string): string | undefined {
    const attributes = this.attributes;
    for (let i = 0; i < attributes.length; i += 2) {
      if (attributes[i] === name) {
        const raw = attributes[i + 1];
        return raw === null ? '' : decodeAttributeValue(raw);
      }
    }
    return undefined;
  }

  hasAttribute(name: string): boolean {
    const attributes = this.attributes;
    for (let i = 0; i < attributes.length; i += 2) if (attributes[i] === name) return true;
    return false;
  }
}

const NO_CHILDREN: ScanElement[] = [];

const adapter: NonNullable<CssSelectOptions<ScanElement, ScanElement>['adapter']> = {
  isTag: (node): node is ScanElement => true,
  existsOne: (test, elems) => elems.some(test),
  getAttributeValue: (elem, name) => elem.getAttribute(name),
  getChildren: () => NO_CHILDREN,
  getName: (elem) => elem.name,
  getParent: (elem) => elem.parent,
  getSiblings: (elem) => [elem],
  prevElementSibling: () => null,
  getText: () => '',
  hasAttrib: (elem, name) => elem.hasAttribute(name),
  removeSubsets: (nodes) => nodes,
  findAll: (test, nodes) => nodes.filter(test),
  findOne: (test, nodes) => nodes.find(test) ?? null,
};

/** Elements that never have content or a close tag. */
export const VOID_ELEMENTS: ReadonlySet<string> = new Set([
  'area', 'base', 'basefont', 'bgsound', 'br', 'col', 'command', 'embed', 'frame', 'hr', 'img',
  'input', 'isindex', 'keygen', 'link', 'meta', 'param', 'source', 'track', 'wbr',
]);

// Open tags that close the current element (htmlparser2's table, a subset of the HTML spec's).
const FORM_TAGS = new Set(['input', 'option', 'optgroup', 'select', 'button', 'datalist', 'textarea']);
const P_TAG = new Set(['p']);
const TABLE_SECTIONS = new Set(['thead', 'tbody']);
const DD_DT = new Set(['dd', 'dt']);
const RT_RP = new Set(['rt', 'rp']);
const OPEN_IMPLIES_CLOSE = new Map<string, ReadonlySet<string>>([
  ['tr', new Set(['tr', 'th', 'td'])],
  ['th', new Set(['th'])],
  ['td', new Set(['thead', 'th', 'td'])],
  ['body', new Set(['head', 'link', 'script'])],
  ['li', new Set(['li'])],
  ['option', new Set(['option'])],
  ['optgroup', new Set(['optgroup', 'option'])],
  ['dd', DD_DT],
  ['dt', DD_DT],
  ['rt', RT_RP],
  ['rp', RT_RP],
  ['tbody', TABLE_SECTIONS],
  ['tfoot', TABLE_SECTIONS],
  ...['select', 'input', 'output', 'button', 'datalist', 'textarea'].map((tag) => [tag, FORM_TAGS] as const),
  ...['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'address', 'article', 'aside', 'blockquote', 'details',
    'div', 'dl', 'fieldset', 'figcaption', 'figure', 'footer', 'form', 'header', 'hr', 'main', 'nav',
    'ol', 'pre', 'section', 'table', 'ul'].map((tag) => [tag, P_TAG] as const),
]);

const FOREIGN_ROOTS = new Set(['svg', 'math']);

/**
 * How deep the tree gets, as in Chromium's HTML parser (`kMaximumHTMLParserDOMTreeDepth`):
 * an element opened deeper is a child of the element at this depth. So a selector is tested
 * against at most this many ancestors, and a page of endlessly nested unclosed tags costs time
 * in proportion to its length, not its square.
 */
export const MAX_TREE_DEPTH = 512;
const HTML_INTEGRATION = new Set(['foreignobject', 'desc', 'title', 'annotation-xml', 'mi', 'mo', 'mn', 'ms', 'mtext']);

const NO_ATTRIBUTES: readonly (string | null)[] = [];

export interface CompiledSelector {
  readonly selector: string;
  readonly test: (elem: ScanElement) => boolean;
}

/** Compiles each selector once; throws a readable error naming a selector css-select refuses. */
export function compileSelectors(selectors: readonly string[]): CompiledSelector[] {
  return selectors.map((selector) => {
    try {
      return { selector, test: compile<ScanElement, ScanElement>(selector, { adapter, xmlMode: false }) };
    } catch (error) {
      throw new Error(
        `The CSS selector ${JSON.stringify(selector)} cannot be used to find fragments in pages: ${
          error instanceof Error ? error.message : String(error)
        }. Check the fragment's \`selector\` in the config.`,
        { cause: error },
      );
    }
  });
}

/**
 * The open-element stack with selector tests. Close tags pop to the nearest open element of
 * the same name (a close tag with no open match is ignored), void elements are never pushed,
 * and a few open tags close their predecessor as HTML parsers do (`<li>` after `<li>`,
 * `<div>` after an open `<p>`).
 */
export class ElementStack {
  private readonly stack: ScanElement[];

  constructor(private readonly selectors: readonly CompiledSelector[], snapshot: readonly ScanElement[] = []) {
    this.stack = [...snapshot];
  }

  get depth(): number {
    return this.stack.length;
  }

  snapshot(): ScanElement[] {
    return [...this.stack];
  }

  /** Pops what an open tag named `name` closes implicitly; returns the new depth. */
  openImpliesClose(name: string): number {
    const closes = OPEN_IMPLIES_CLOSE.get(name);
    if (closes) {
      const stack = this.stack;
      while (stack.length > 0 && closes.has(stack[stack.length - 1].name)) stack.pop();
    }
    return this.stack.length;
  }

  /**
   * Records an open tag (`attributes`: names and raw latin1 values, alternating). Returns the first selector the element matches when `test` is set
   * (else null), and whether it stays open (`pushed`: false for void and self-closed elements).
   */
  open(
    name: string,
    attributes: readonly (string | null)[] | null,
    selfClosingSyntax: boolean,
    test: boolean,
  ): { selector: string | null; pushed: boolean } {
    const parent = this.stack.length > 0 ? this.stack[Math.min(this.stack.length, MAX_TREE_DEPTH) - 1] : null;
    const inForeign = parent !== null && parent.foreign;
    const foreign = FOREIGN_ROOTS.has(name) || (inForeign && !HTML_INTEGRATION.has(name));
    const element = new ScanElement(name, parent, foreign, attributes ?? NO_ATTRIBUTES);
    let selector: string | null = null;
    if (test) {
      for (const compiled of this.selectors) {
        if (compiled.test(element)) {
          selector = compiled.selector;
          break;
        }
      }
    }
    // `/>` closes an element in SVG/MathML, and the dialects' own tags (`<esi:include/>`,
    // `<fragment/>`); in HTML it is ignored (`<div/>` is an open `<div>`), as in browsers.
    // (A matched `<div …/>` is still reported as its open tag alone: see scan-core.ts.)
    const selfClosed =
      selfClosingSyntax && (inForeign || FOREIGN_ROOTS.has(name) || name === 'fragment' || name.includes(':'));
    const pushed = !selfClosed && !VOID_ELEMENTS.has(name);
    if (pushed) this.stack.push(element);
    return { selector, pushed };
  }

  /** Pops to the nearest open element named `name`; returns its depth, or -1 when none is open. */
  close(name: string): number {
    const stack = this.stack;
    for (let i = stack.length - 1; i >= 0; i--) {
      if (stack[i].name === name) {
        stack.length = i;
        return i;
      }
    }
    return -1;
  }
}
