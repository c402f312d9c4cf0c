import type { SsiCommand } from '../../html/ssi-command.js';
import type { Part, SsiDocumentState } from './types.js';
import { matchRegex } from './regex.js';
import type { BlockItem } from './variables.js';
import { encodeEcho, evaluateString, lookupVariable, SsiEvaluationError, type VariableScope } from './variables.js';

/**
 * nginx's SSI commands, one handler each, with nginx's rules for when a command runs at all
 * (`ngx_http_ssi_body_filter`): in a false branch only `elif`, `else`, `endif` (and `endblock`)
 * run; inside a `block` every command is kept as written, to run when the block is used as a
 * stub; `elif`/`else`/`endif` outside an `if` and `if` inside an `if` are errors; unknown
 * commands and parameters, duplicate or missing ones are errors. An error outputs the
 * document's `errmsg` in the command's place.
 */

export interface CommandContext {
  document: SsiDocumentState;
  out: (part: Part) => void;
}

type Params = Map<string, string>;

interface CommandSpec {
  params: readonly string[];
  mandatory: readonly string[];
  /** nginx's `conditional`: 1 needs an open `if`, 2 an `if` or `else`. */
  conditional: 0 | 1 | 2;
  /** Runs even while nothing is output (`endblock`). */
  block: boolean;
  run(ctx: CommandContext, params: Params): void;
}

const MAX_PARAMS = 16;

const COMMANDS: Record<string, CommandSpec> = {
  include: { params: ['virtual', 'file', 'wait', 'set', 'stub'], mandatory: [], conditional: 0, block: false, run: include },
  echo: { params: ['var', 'default', 'encoding'], mandatory: ['var'], conditional: 0, block: false, run: echo },
  config: { params: ['errmsg', 'timefmt'], mandatory: [], conditional: 0, block: false, run: config },
  set: { params: ['var', 'value'], mandatory: ['var', 'value'], conditional: 0, block: false, run: set },
  if: { params: ['expr'], mandatory: ['expr'], conditional: 0, block: false, run: ifCommand },
  elif: { params: ['expr'], mandatory: ['expr'], conditional: 1, block: false, run: elifCommand },
  else: { params: [], mandatory: [], conditional: 1, block: false, run: elseCommand },
  endif: { params: [], mandatory: [], conditional: 2, block: false, run: endif },
  block: { params: ['name'], mandatory: ['name'], conditional: 0, block: false, run: block },
  endblock: { params: [], mandatory: [], conditional: 0, block: true, run: endblock },
};

/** Evaluate one command in its document (nginx's dispatch in `ngx_http_ssi_body_filter`). */
export function runCommand(ctx: CommandContext, command: SsiCommand, raw: Buffer): void {
  const doc = ctx.document;
  const fail = (reason: string) => {
    doc.env.debug?.(`${show(raw, command)} → error: ${reason}; output ${JSON.stringify(doc.errmsg)}`);
    ctx.out(Buffer.from(doc.errmsg, 'latin1'));
  };
  const spec = Object.hasOwn(COMMANDS, command.name) ? COMMANDS[command.name] : undefined;
  if (!spec && doc.env.unknownCommands === 'text') {
    // Not a command of the language: a plain comment, unless the edge is nginx.
    if (doc.output) ctx.out(raw);
    else if (doc.inBlock && raw.length > 0) doc.block?.items.push(raw);
    return;
  }
  if (command.error) return fail(command.error);
  if (!spec) {
    if (doc.output) fail(`invalid SSI command: "${command.name}"`);
    return;
  }
  if (!doc.output && !spec.block) {
    if (doc.inBlock) {
      doc.block?.items.push({ command, raw });
      return;
    }
    if (spec.conditional === 0) return;
  }
  if (spec.conditional && (doc.conditional === 0 || doc.conditional > spec.conditional)) {
    return fail(`invalid context of SSI command: "${command.name}"`);
  }
  if (command.params.length > MAX_PARAMS) return fail(`too many SSI command parameters: "${command.name}"`);
  const params: Params = new Map();
  for (const { name, value } of command.params) {
    if (!spec.params.includes(name)) return fail(`invalid parameter name: "${name}" in "${command.name}" SSI command`);
    if (params.has(name)) return fail(`duplicate "${name}" parameter in "${command.name}" SSI command`);
    params.set(name, value);
  }
  for (const name of spec.mandatory) {
    if (!params.has(name)) return fail(`mandatory "${name}" parameter is absent in "${command.name}" SSI command`);
  }
  try {
    spec.run(ctx, params);
  } catch (error) {
    // nginx's reasons come as SsiEvaluationError; anything else is a bug, which must not take
    // the page (or the gateway) down: the directive fails as nginx's would.
    fail(error instanceof SsiEvaluationError ? error.message : `unexpected error: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function scopeOf(doc: SsiDocumentState): VariableScope {
  return { page: doc.env.page, doc: doc.doc, timefmt: doc.timefmt };
}

function include({ document: doc, out }: CommandContext, params: Params): void {
  const virtual = params.get('virtual');
  const file = params.get('file');
  const set = params.get('set');
  const stub = params.get('stub');
  let wait = params.get('wait');
  if (virtual !== undefined && file !== undefined) throw new SsiEvaluationError(`inclusion may be either virtual="${virtual}" or file="${file}"`);
  if (virtual === undefined && file === undefined) throw new SsiEvaluationError('no parameter in "include" SSI command');
  if (set !== undefined && stub !== undefined) throw new SsiEvaluationError('"set" and "stub" cannot be used together in "include" SSI command');
  if (wait !== undefined) {
    if (virtual === undefined) throw new SsiEvaluationError(`"wait" cannot be used with file="${file}"`);
    if (wait.toLowerCase() === 'no') wait = undefined;
    else if (wait.toLowerCase() !== 'yes') throw new SsiEvaluationError(`invalid value "${wait}" in the "wait" parameter`);
  }
  // nginx reads `file` as a URI too (and always waits for it).
  const waited = wait !== undefined || virtual === undefined || set !== undefined;
  const uri = evaluateString(scopeOf(doc), (virtual ?? file)!, true);
  if (!isSafeUri(uri)) throw new SsiEvaluationError(`unsafe URI "${uri}" was detected`);
  const page = doc.env.page;
  const stubBlock = stub === undefined ? undefined : page.blocks.find((b) => b.name === stub);
  if (stub !== undefined && !stubBlock) throw new SsiEvaluationError(`"stub"="${stub}" for "include" not found`);
  const variable = set?.toLowerCase();
  if (variable !== undefined && !page.variables.has(variable)) page.variables.set(variable, '');

  const outcome = doc.env.include(uri, doc.base, stubBlock !== undefined);
  doc.env.debug?.(`include ${JSON.stringify(uri)}${stub ? ` stub=${stub}` : ''}${set ? ` set=${set}` : ''}${waited ? ' (waited)' : ''}`);
  if (variable !== undefined) {
    void outcome.then(({ bytes, served }) => {
      if (served) page.variables.set(variable, bytes.toString('latin1'));
    });
  } else if (stubBlock) {
    const url = new URL(uri, doc.base);
    // The stub is used for an empty answer (nginx: the subrequest output nothing) and, as the
    // include's handled fallback, for one that could not be had: no error text, no note.
    out(
      outcome.then(({ bytes, served, declaredEmpty }) => {
        if (served && bytes.length > 0) return bytes;
        return served && declaredEmpty ? asWritten(stubBlock.items) : doc.replayBlock(stubBlock.items, url);
      }),
    );
  } else {
    const errmsg = doc.errmsg;
    out(outcome.then(({ bytes, served }) => (served ? bytes : Buffer.concat([Buffer.from(errmsg, 'latin1'), withoutErrorText(bytes)]))));
  }
  if (waited) doc.waitFor(outcome);
}

/** A block's bytes and commands as they were written. */
function asWritten(items: readonly BlockItem[]): Buffer {
  return Buffer.concat(items.map((item) => (Buffer.isBuffer(item) ? item : item.raw ?? EMPTY)));
}

const EMPTY = Buffer.alloc(0);

const ERROR_TEXT = Buffer.from('[an error occurred while processing the directive]', 'latin1');

/** The engine's failure bytes without nginx's default error text: mfe-dev's own note, if any. */
function withoutErrorText(bytes: Buffer): Buffer {
  return bytes.subarray(0, ERROR_TEXT.length).equals(ERROR_TEXT) ? bytes.subarray(ERROR_TEXT.length) : bytes;
}

/** nginx's `ngx_http_parse_unsafe_uri`: no `..` segment, no control characters. */
function isSafeUri(uri: string): boolean {
  const query = uri.indexOf('?');
  const path = query === -1 ? uri : uri.slice(0, query);
  // No control character, no `..` segment (tested without splitting: once per include).
  return !/[\x00-\x1f\x7f]/.test(path) && !/(?:^|\/)\.\.(?:\/|$)/.test(path);
}

function echo({ document: doc, out }: CommandContext, params: Params): void {
  const name = params.get('var')!.toLowerCase();
  let value = lookupVariable(scopeOf(doc), name);
  if (value === undefined) value = params.get('default') ?? '(none)';
  if (value.length === 0) return;
  const encoding = params.get('encoding');
  if (encoding === 'none' || encoding === 'url' || encoding === 'entity') doc.encoding = encoding;
  doc.env.debug?.(`echo ${name} → ${JSON.stringify(value)} (${doc.encoding})`);
  out(Buffer.from(encodeEcho(value, doc.encoding), 'latin1'));
}

function config({ document: doc }: CommandContext, params: Params): void {
  const timefmt = params.get('timefmt');
  const errmsg = params.get('errmsg');
  if (timefmt !== undefined) doc.timefmt = timefmt;
  if (errmsg !== undefined) doc.errmsg = errmsg;
}

function set({ document: doc }: CommandContext, params: Params): void {
  const value = evaluateString(scopeOf(doc), params.get('value')!);
  const name = params.get('var')!.toLowerCase();
  doc.env.page.variables.set(name, value);
  doc.env.debug?.(`set ${name} = ${JSON.stringify(value)}`);
}

/** `if` and `elif`, as `ngx_http_ssi_if`: nginx has no nested `if`. */
function ifCommand(ctx: CommandContext, params: Params): void {
  if (ctx.document.conditional) throw new SsiEvaluationError('the "if" command inside the "if" command');
  elifCommand(ctx, params);
}

function elifCommand({ document: doc }: CommandContext, params: Params): void {
  const expr = params.get('expr')!;
  const result = evaluateCondition(doc, expr);
  doc.env.debug?.(`if ${JSON.stringify(expr)} → ${result === undefined ? 'skipped (a branch was taken)' : result}`);
}

function evaluateCondition(doc: SsiDocumentState, expr: string): boolean | undefined {
  if (doc.chosen) {
    doc.output = false;
    return undefined;
  }
  // The left side: letters (read in lower case), digits, `$`, `{`, `}`, `_` and quotes.
  let p = 0;
  let left = '';
  for (; p < expr.length; p++) {
    const c = expr[p];
    if (c >= 'A' && c <= 'Z') left += c.toLowerCase();
    else if (/[a-z0-9${}_"']/.test(c)) left += c;
    else break;
  }
  while (expr[p] === ' ') p++;
  const scope = scopeOf(doc);
  const leftValue = evaluateString(scope, left);
  let result: boolean;
  if (p === expr.length) {
    result = leftValue.length > 0;
  } else {
    let negative: boolean;
    if (expr[p] === '=') {
      negative = false;
      p++;
    } else if (expr[p] === '!' && expr[p + 1] === '=') {
      negative = true;
      p += 2;
    } else throw new SsiEvaluationError(`invalid expression in "${expr}"`);
    while (expr[p] === ' ') p++;
    let right = expr.slice(p);
    let matched: boolean;
    if (right.length > 1 && right[0] === '/') {
      if (right[right.length - 1] !== '/') throw new SsiEvaluationError(`invalid expression in "${expr}"`);
      const pattern = evaluateString(scope, right.slice(1, -1));
      matched = matchRegex(doc.env.page, pattern, leftValue);
    } else {
      if (right.length > 1 && right[0] === '\\' && right[1] === '/') right = right.slice(1);
      matched = evaluateString(scope, right) === leftValue;
    }
    result = matched !== negative;
  }
  doc.output = result;
  if (result) doc.chosen = true;
  doc.conditional = 1;
  return result;
}

function elseCommand({ document: doc }: CommandContext): void {
  doc.output = !doc.chosen;
  doc.conditional = 2;
}

function endif({ document: doc }: CommandContext): void {
  doc.output = true;
  doc.chosen = false;
  doc.conditional = 0;
}

function block({ document: doc }: CommandContext, params: Params): void {
  const entry = { name: params.get('name')!, items: [] };
  doc.env.page.blocks.push(entry);
  doc.block = entry;
  doc.output = false;
  doc.inBlock = true;
}

function endblock({ document: doc }: CommandContext): void {
  doc.output = true;
  doc.inBlock = false;
  doc.block = undefined;
}

/** A command for a debug line: as written, control characters escaped. */
function show(raw: Buffer, command: SsiCommand): string {
  const text = raw.length > 0 ? raw.toString('latin1') : `<!--#${command.name} … -->`;
  return JSON.stringify(text.length > 120 ? text.slice(0, 117) + '...' : text);
}
