import { lookupVariable, type EsiRequest, type EsiValue } from './variables.js';
import { compileLinear, type LinearRegex } from '../linear-regex.js';

/**
 * The ESI expression language: `test` attributes of `<esi:when>`, and the `$(…)` variable
 * references interpolated into `<esi:vars>` content and ESI attributes (`src`, `alt`).
 *
 * From the W3C ESI 1.0 note (§3.2 variables, §3.7 expressions): string literals in single
 * quotes, numbers, variables with `{key}` and `|default`, `==` `!=` `<` `>` `<=` `>=` (numeric
 * when both sides are numbers, else string comparison), `!`, `&`, `|`, parentheses. From the
 * deployed extensions (Akamai ESI, Fastly's `esi` crate): triple-quoted strings `'''…'''`,
 * `has`, `has_i` (substring), `matches`, `matches_i` (regular expression), and the functions
 * `$exists(…)`, `$is_empty(…)`, `$lower(…)`, `$upper(…)`.
 *
 * Precedence, tightest first: `!`, comparisons and `has`/`matches`, `&`, `|`.
 */
export class EsiSyntaxError extends Error {
  constructor(message: string, readonly source: string) {
    super(`${message} in ESI expression '${source}'`);
    this.name = 'EsiSyntaxError';
  }
}

const COMPARISONS = ['==', '!=', '<=', '>=', '<', '>'] as const;
const WORD_OPERATORS = ['has_i', 'has', 'matches_i', 'matches'] as const;
type Operator = (typeof COMPARISONS)[number] | (typeof WORD_OPERATORS)[number];

class Parser {
  pos = 0;
  constructor(
    readonly text: string,
    private readonly request: EsiRequest,
    /** The W3C note: "if an operand is empty or undefined, the expression always evaluates to false". */
    readonly emptyIsFalse = true,
  ) {}

  fail(message: string): never {
    throw new EsiSyntaxError(`${message} at ${this.pos}`, this.text);
  }

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  peek(literal: string): boolean {
    this.skipSpace();
    return this.text.startsWith(literal, this.pos);
  }

  eat(literal: string): boolean {
    if (!this.peek(literal)) return false;
    this.pos += literal.length;
    return true;
  }

  or(): EsiValue {
    let value = this.and();
    while (this.eat('|')) {
      const right = this.and();
      value = truthy(value) || truthy(right);
    }
    return value;
  }

  and(): EsiValue {
    let value = this.not();
    while (this.eat('&')) {
      const right = this.not();
      value = truthy(value) && truthy(right);
    }
    return value;
  }

  not(): EsiValue {
    if (this.peek('!') && !this.peek('!=')) {
      this.pos++;
      return !truthy(this.not());
    }
    return this.comparison();
  }

  comparison(): EsiValue {
    const left = this.operand();
    const operator = this.operator();
    if (operator === undefined) return left;
    return compare(left, operator, this.operand(), this);
  }

  operator(): Operator | undefined {
    this.skipSpace();
    for (const op of COMPARISONS) if (this.text.startsWith(op, this.pos)) return (this.pos += op.length), op;
    for (const op of WORD_OPERATORS) {
      if (this.text.startsWith(op, this.pos) && !/\w/.test(this.text[this.pos + op.length] ?? '')) return (this.pos += op.length), op;
    }
    return undefined;
  }

  operand(): EsiValue {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '(') {
      this.pos++;
      const value = this.or();
      if (!this.eat(')')) this.fail("missing ')'");
      return value;
    }
    if (c === "'") return this.string();
    if (c === '$') return this.text[this.pos + 1] === '(' ? this.variable() : this.call();
    const number = /^-?\d+(?:\.\d+)?/.exec(this.text.slice(this.pos));
    if (number) {
      this.pos += number[0].length;
      return Number(number[0]);
    }
    const word = /^(true|false)\b/.exec(this.text.slice(this.pos));
    if (word) {
      this.pos += word[0].length;
      return word[1] === 'true';
    }
    return this.fail(c === undefined ? 'unexpected end' : `unexpected '${c}'`);
  }

  string(): string {
    const triple = this.text.startsWith("'''", this.pos);
    const quote = triple ? "'''" : "'";
    const close = this.text.indexOf(quote, this.pos + quote.length);
    if (close === -1) this.fail('unterminated string');
    const value = this.text.slice(this.pos + quote.length, close);
    this.pos = close + quote.length;
    return triple ? value : value.replace(/\\(.)/g, '$1');
  }

  /** `$(NAME)`, `$(NAME{key})`, `$(NAME{'key'})`, `$(NAME|default)`; at `$(`. */
  variable(): EsiValue {
    this.pos += 2;
    const name = /^[A-Za-z_][\w]*/.exec(this.text.slice(this.pos));
    if (!name) this.fail('variable name expected');
    this.pos += name[0].length;
    let key: string | undefined;
    if (this.text[this.pos] === '{') {
      this.pos++;
      key = this.key();
    }
    let value = lookupVariable(this.request, name[0], key);
    if (this.text[this.pos] === '|') {
      this.pos++;
      const fallback = this.defaultValue();
      if (value === undefined || value === '') value = fallback;
    }
    if (this.text[this.pos] !== ')') this.fail("missing ')' after variable");
    this.pos++;
    return value;
  }

  key(): string {
    let key: string;
    if (this.text[this.pos] === "'") key = this.string();
    else if (this.text.startsWith('$(', this.pos)) key = text(this.variable());
    else {
      const close = this.text.indexOf('}', this.pos);
      if (close === -1) this.fail("missing '}'");
      key = this.text.slice(this.pos, close);
      this.pos = close;
    }
    if (this.text[this.pos] !== '}') this.fail("missing '}'");
    this.pos++;
    return key;
  }

  /** After `|`: a quoted string, a number, another variable, or bare text up to `)`. */
  defaultValue(): EsiValue {
    const c = this.text[this.pos];
    if (c === "'") return this.string();
    if (this.text.startsWith('$(', this.pos)) return this.variable();
    const close = this.text.indexOf(')', this.pos);
    if (close === -1) this.fail("missing ')'");
    const bare = this.text.slice(this.pos, close).trim();
    this.pos = close;
    return /^-?\d+(?:\.\d+)?$/.test(bare) ? Number(bare) : bare;
  }

  /** `$exists(x)`, `$is_empty(x)`, `$lower(x)`, `$upper(x)`. */
  call(): EsiValue {
    const name = /^\$([a-z_]+)\(/.exec(this.text.slice(this.pos));
    if (!name) this.fail('function or variable expected');
    this.pos += name[0].length;
    const argument = this.peek(')') ? undefined : this.or();
    if (!this.eat(')')) this.fail(`missing ')' after $${name[1]}(`);
    switch (name[1]) {
      case 'exists':
        return argument !== undefined && argument !== '';
      case 'is_empty':
        return argument === undefined || argument === '';
      case 'lower':
        return text(argument).toLowerCase();
      case 'upper':
        return text(argument).toUpperCase();
      default:
        return this.fail(`unknown function $${name[1]}`);
    }
  }
}

function compare(left: EsiValue, operator: Operator, right: EsiValue, parser: Parser): boolean {
  switch (operator) {
    case 'has':
      return text(left).includes(text(right));
    case 'has_i':
      return text(left).toLowerCase().includes(text(right).toLowerCase());
    case 'matches':
    case 'matches_i': {
      // On RE2: linear in the subject whatever the pattern (a request may supply it).
      let pattern: LinearRegex;
      try {
        pattern = compileLinear(text(right), operator === 'matches_i');
      } catch (error) {
        return parser.fail(`invalid regular expression (${(error as Error).message})`);
      }
      return pattern.test(text(left));
    }
  }
  if (parser.emptyIsFalse && (left === undefined || left === '' || right === undefined || right === '')) return false;
  const a = numeric(left);
  const b = numeric(right);
  const order = a !== undefined && b !== undefined ? a - b : text(left) < text(right) ? -1 : text(left) > text(right) ? 1 : 0;
  switch (operator) {
    case '==':
      return order === 0;
    case '!=':
      return order !== 0;
    case '<':
      return order < 0;
    case '>':
      return order > 0;
    case '<=':
      return order <= 0;
    case '>=':
      return order >= 0;
  }
}

function numeric(value: EsiValue): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\s*-?\d+(?:\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

export function truthy(value: EsiValue): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  return value !== undefined && value !== '';
}

/** How a value prints: undefined is '', booleans are `true`/`false`. */
export function text(value: EsiValue): string {
  return value === undefined ? '' : String(value);
}

/** Evaluates a `test` attribute; throws {@link EsiSyntaxError} on malformed input. */
export function evaluateTest(expression: string, request: EsiRequest, emptyIsFalse = true): boolean {
  const parser = new Parser(expression, request, emptyIsFalse);
  const value = parser.or();
  parser.skipSpace();
  if (parser.pos < expression.length) parser.fail(`unexpected '${expression[parser.pos]}'`);
  return truthy(value);
}

/** Evaluates an `<esi:assign value>` expression; the empty expression is the empty string. */
export function evaluateExpression(expression: string, request: EsiRequest): EsiValue {
  if (expression.trim() === '') return '';
  const parser = new Parser(expression, request);
  const value = parser.or();
  parser.skipSpace();
  if (parser.pos < expression.length) parser.fail(`unexpected '${expression[parser.pos]}'`);
  return value;
}

/**
 * Replaces every well-formed `$(…)` reference and `$lower(…)`-style call in `source` by its
 * value; anything else, a malformed reference included, stays as written.
 */
export function interpolate(source: string, request: EsiRequest, encode: (value: string) => string = (value) => value): string {
  if (!source.includes('$')) return source;
  let out = '';
  let at = 0;
  const references = new RegExp(REFERENCE.source, 'g');
  for (let match = references.exec(source); match !== null; match = references.exec(source)) {
    const i = match.index;
    const parser = new Parser(source, request);
    parser.pos = i;
    try {
      const value = match[1] === '(' ? parser.variable() : parser.call();
      out += source.slice(at, i) + encode(text(value));
      at = parser.pos;
      references.lastIndex = parser.pos;
    } catch {
      references.lastIndex = i + 2;
    }
  }
  return out + source.slice(at);
}

/** Where a variable (`$(`) or a function call (`$lower(`) starts. */
const REFERENCE = /\$(\(|(?:exists|is_empty|lower|upper)\()/;
