import { SsiEvaluationError, type SsiPageState } from './variables.js';

/**
 * `<!--#if expr="$x = /re/" -->`: nginx compiles the pattern with PCRE. JavaScript's regular
 * expressions read the same syntax for what templates use; PCRE's own spellings are translated:
 * `(?P<name>…)`, `(?P=name)`, `(?P>name)` is refused, and leading inline flags `(?i)`, `(?s)`,
 * `(?m)`, `(?x)` become flags (`x` is not supported and is reported).
 *
 * On a match, `$0`…`$9` become the captures (up to the last one that took part, as PCRE
 * counts them) and named captures become variables, for the whole page, as in nginx.
 */

const cache = new Map<string, RegExp>();

function compile(pattern: string): RegExp {
  let compiled = cache.get(pattern);
  if (compiled) return compiled;
  let source = pattern;
  let flags = '';
  const inline = /^\(\?([imsx]+)\)/.exec(source);
  if (inline) {
    if (inline[1].includes('x')) throw new SsiEvaluationError(`the PCRE flag (?x) in "${pattern}" is not supported by mfe-dev`);
    flags = [...new Set(inline[1])].join('');
    source = source.slice(inline[0].length);
  }
  source = source.replace(/\(\?P<([A-Za-z_]\w*)>/g, '(?<$1>').replace(/\(\?P=([A-Za-z_]\w*)\)/g, '\\k<$1>');
  try {
    compiled = new RegExp(source, flags);
  } catch (error) {
    throw new SsiEvaluationError(`invalid regular expression "${pattern}": ${(error as Error).message}`);
  }
  if (cache.size >= 256) cache.clear();
  cache.set(pattern, compiled);
  return compiled;
}

/** Whether `subject` matches `pattern`; on a match, the page's captures and named variables are set. */
export function matchRegex(page: SsiPageState, pattern: string, subject: string): boolean {
  const match = compile(pattern).exec(subject);
  if (!match) return false;
  let last = match.length - 1;
  while (last > 0 && match[last] === undefined) last--;
  page.captures = match.slice(0, last + 1).map((capture) => capture ?? '');
  for (const [name, value] of Object.entries(match.groups ?? {})) {
    page.variables.set(name.toLowerCase(), value ?? '');
  }
  return true;
}
