import { compileLinear, type LinearRegex } from '../linear-regex.js';
import { SsiEvaluationError, type SsiPageState } from './variables.js';

/**
 * `<!--#if expr="$x = /re/" -->`: nginx compiles the pattern with PCRE (and bounds it with a
 * match limit); mfe-dev runs it on RE2, in time linear in the subject (see linear-regex.ts).
 * RE2 reads PCRE's spellings templates use: `(?P<name>…)`, `(?<name>…)`, leading inline flags
 * `(?i)`, `(?s)`, `(?m)`. What it cannot run — backreferences (`\1`, `(?P=name)`), lookaround,
 * `(?x)` — makes the directive fail with the errmsg, naming the reason in the debug line.
 *
 * On a match, `$0`…`$9` become the captures (up to the last one that took part, as PCRE
 * counts them) and named captures become variables, for the whole page, as in nginx.
 */

function compile(pattern: string): LinearRegex {
  try {
    return compileLinear(pattern);
  } catch (error) {
    throw new SsiEvaluationError(`invalid regular expression "${pattern}": ${(error as Error).message} (mfe-dev runs patterns on RE2, which has no backreferences or lookaround)`);
  }
}

/** Whether `subject` matches `pattern`; on a match, the page's captures and named variables are set. */
export function matchRegex(page: SsiPageState, pattern: string, subject: string): boolean {
  const match = compile(pattern).exec(subject);
  if (!match) return false;
  const { captures } = match;
  let last = captures.length - 1;
  while (last > 0 && captures[last] === undefined) last--;
  page.captures = captures.slice(0, last + 1).map((capture) => capture ?? '');
  for (const [name, value] of Object.entries(match.groups)) {
    page.variables.set(name.toLowerCase(), value ?? '');
  }
  return true;
}
