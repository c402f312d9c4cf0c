import { esiNestingDepth, parseEsiElements, type EsiElement } from '../../html/esi-elements.js';
import { decodeAttributeValue, decodeSourceText } from '../../html/marker-attributes.js';
import { evaluateExpression, evaluateTest, interpolate } from './expression.js';
import type { EsiRequest } from './variables.js';

/**
 * The ESI block elements, given their whole source bytes (the scanner holds a block until its
 * close tag): `<esi:choose>` picks the first `<esi:when>` whose `test` is true, else
 * `<esi:otherwise>`; `<esi:try>` serves `<esi:attempt>` unless an include in it failed, then
 * `<esi:except>`; `<esi:vars>` substitutes `$(…)` in its content; `<esi:comment>` leaves
 * nothing; `<esi:text>` leaves its content unprocessed; `<esi:assign name value/>` (or with the
 * value as content) sets a variable for what follows (Akamai's and Fastly's extension). The chosen content is handed back to the
 * engine (`compose`) as the bytes it is, so includes, nested blocks and everything else in it
 * are processed exactly as they would be anywhere in the page.
 */
export type EsiBlockTag = 'choose' | 'try' | 'vars' | 'comment' | 'text' | 'assign';

/** An `<esi:attempt>` being composed: set when an include in it fails (without `onerror="continue"`). */
export interface EsiAttemptScope {
  failed: boolean;
  reason?: string;
}

export interface EsiBlockEnv {
  request: EsiRequest;
  /** Compose ESI content; `scope` is the attempt whose failures it reports to, if any. */
  compose(bytes: Buffer, scope: EsiAttemptScope | undefined): Promise<Buffer>;
  /** The attempt this block sits in, if any. */
  scope: EsiAttemptScope | undefined;
  /**
   * A comparison with an empty or undefined operand is false (the W3C note); Fastly's crate
   * compares the empty string instead.
   * @default true
   */
  emptyIsFalse?: boolean;
  /** What the block did, for `DEBUG=mfe-dev:compose`. */
  trace?: (message: string) => void;
  /** What replaces a block nested deeper than {@link MAX_ESI_BLOCK_DEPTH} (mfe-dev's note). */
  tooDeep?: (reason: string) => Buffer;
}

/**
 * ESI elements (`choose`, `when`, … each counts) nested deeper than this in one block are not evaluated: the block is replaced by
 * mfe-dev's note (and fails its `<esi:attempt>`). Checked once per block before anything in it
 * is evaluated, so evaluation stays linear in the input whatever a fragment sends.
 */
export const MAX_ESI_BLOCK_DEPTH = 64;

const EMPTY = Buffer.alloc(0);

export function evaluateEsiBlock(tag: EsiBlockTag, raw: Buffer, env: EsiBlockEnv): Buffer | Promise<Buffer> {
  if (tag === 'comment') {
    env.trace?.('<esi:comment> removed');
    return EMPTY;
  }
  const source = raw.toString('latin1');
  const [block] = parseEsiElements(source);
  if (!block || block.name !== tag) return raw; // cannot happen: the scanner reported this element
  const depth = esiNestingDepth([block]);
  if (depth > MAX_ESI_BLOCK_DEPTH) {
    const reason = `ESI elements nested ${depth} deep (more than ${MAX_ESI_BLOCK_DEPTH}); <esi:${tag}> not evaluated`;
    env.trace?.(reason);
    if (env.scope) {
      env.scope.failed = true;
      env.scope.reason ??= reason;
    }
    return env.tooDeep?.(reason) ?? EMPTY;
  }
  const content = (element: EsiElement) => raw.subarray(element.contentStart, element.contentEnd);
  switch (tag) {
    case 'text':
      env.trace?.('<esi:text> left unprocessed');
      return content(block);
    case 'vars': {
      // In document order: an <esi:assign> in the block sets what the text after it reads.
      let substituted = '';
      let at = block.contentStart;
      for (const child of block.children) {
        if (child.name !== 'assign') continue;
        substituted += interpolate(source.slice(at, child.start), env.request, utf8AsLatin1);
        assign(child, source, env);
        at = child.end;
      }
      substituted += interpolate(source.slice(at, block.contentEnd), env.request, utf8AsLatin1);
      env.trace?.('<esi:vars> substituted');
      return env.compose(Buffer.from(substituted, 'latin1'), env.scope);
    }
    case 'assign':
      assign(block, source, env);
      return EMPTY;
    case 'choose':
      return choose(block, content, env);
    case 'try':
      return attempt(block, content, env);
  }
}

function choose(block: EsiElement, content: (element: EsiElement) => Buffer, env: EsiBlockEnv): Buffer | Promise<Buffer> {
  let otherwise: EsiElement | undefined;
  for (const child of block.children) {
    if (child.name === 'otherwise') {
      otherwise ??= child;
      continue;
    }
    if (child.name !== 'when') continue;
    const test = decodeAttributeValue(child.attributes.test ?? '');
    let result = false;
    try {
      result = evaluateTest(test, env.request, env.emptyIsFalse ?? true);
    } catch (error) {
      env.trace?.(`<esi:when test="${test}"> is false: ${(error as Error).message}`);
    }
    if (result) {
      env.trace?.(`<esi:choose>: <esi:when test="${test}"> chosen`);
      return env.compose(content(child), env.scope);
    }
  }
  if (!otherwise) {
    env.trace?.('<esi:choose>: no <esi:when> true and no <esi:otherwise>: nothing');
    return EMPTY;
  }
  env.trace?.('<esi:choose>: <esi:otherwise> chosen');
  return env.compose(content(otherwise), env.scope);
}

async function attempt(block: EsiElement, content: (element: EsiElement) => Buffer, env: EsiBlockEnv): Promise<Buffer> {
  const attemptElement = block.children.find((child) => child.name === 'attempt');
  const exceptElement = block.children.find((child) => child.name === 'except');
  if (!attemptElement) return exceptElement ? env.compose(content(exceptElement), env.scope) : EMPTY;
  const scope: EsiAttemptScope = { failed: false };
  const attempted = await env.compose(content(attemptElement), scope);
  if (!scope.failed) {
    env.trace?.('<esi:try>: <esi:attempt> served');
    return attempted;
  }
  env.trace?.(`<esi:try>: <esi:attempt> failed (${scope.reason ?? 'an include failed'}), <esi:except> served`);
  return exceptElement ? env.compose(content(exceptElement), env.scope) : EMPTY;
}

/** `<esi:assign>`: short form evaluates `value`, long form substitutes variables in its content. */
function assign(block: EsiElement, source: string, env: EsiBlockEnv): void {
  const name = decodeAttributeValue(block.attributes.name ?? '');
  if (!/^[A-Za-z_]\w*$/.test(name)) {
    env.trace?.(`<esi:assign name="${name}"> ignored: not a variable name`);
    return;
  }
  try {
    const value = block.selfClosing
      ? evaluateExpression(decodeAttributeValue(block.attributes.value ?? ''), env.request)
      : interpolate(decodeSourceText(source.slice(block.contentStart, block.contentEnd)), env.request);
    env.request.assigned.set(name, value);
    env.trace?.(`<esi:assign name="${name}"> = ${JSON.stringify(value)}`);
  } catch (error) {
    env.trace?.(`<esi:assign name="${name}"> ignored: ${(error as Error).message}`);
  }
}

/** Values are text; the page's bytes are handled as latin1 (one char per byte). */
function utf8AsLatin1(value: string): string {
  return /[^\x00-\x7f]/.test(value) ? Buffer.from(value, 'utf8').toString('latin1') : value;
}
