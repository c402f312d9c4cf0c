import { RE2JS } from 're2js';

/**
 * Regular expressions from pages and requests (SSI `if` patterns, ESI `matches`) run on RE2
 * (`re2js`, a pure-JavaScript port): matching takes time linear in the subject whatever the
 * pattern, so `(x+x+)+y` or `^(a+)+$` cannot freeze the gateway (JavaScript's backtracking engine
 * takes seconds at 27 characters, doubling with each one more). nginx bounds PCRE with a match
 * limit for the same reason. What RE2 does not have (backreferences, lookaround, possessive
 * quantifiers) is a compile error: the directive fails as it does when the edge's engine gives up.
 */

export interface LinearMatch {
  /** `captures[0]` is the whole match; a group that took no part is undefined. */
  captures: (string | undefined)[];
  /** Named groups' values. */
  groups: Record<string, string | undefined>;
}

export interface LinearRegex {
  exec(subject: string): LinearMatch | null;
  test(subject: string): boolean;
}

const cache = new Map<string, LinearRegex>();

/**
 * Compiles `pattern` (RE2 syntax, which reads PCRE's `(?P<name>…)` and leading `(?i)`/`(?s)`/`(?m)`).
 * @throws Error with RE2's reason for a pattern it cannot run
 */
export function compileLinear(pattern: string, ignoreCase = false): LinearRegex {
  const key = `${ignoreCase ? 'i' : '-'}${pattern}`;
  let compiled = cache.get(key);
  if (compiled) return compiled;
  const re = RE2JS.compile(pattern, ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
  const names = Object.entries(re.namedGroups() as Record<string, number>);
  compiled = {
    test: (subject) => re.matcher(subject).find(),
    exec(subject) {
      const matcher = re.matcher(subject);
      if (!matcher.find()) return null;
      const captures: (string | undefined)[] = [];
      for (let i = 0; i <= matcher.groupCount(); i++) captures.push(matcher.group(i) ?? undefined);
      const groups: Record<string, string | undefined> = {};
      for (const [name, index] of names) groups[name] = captures[index];
      return { captures, groups };
    },
  };
  if (cache.size >= 256) cache.clear();
  cache.set(key, compiled);
  return compiled;
}
