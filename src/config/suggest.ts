/**
 * Small helpers for messages written for a person: quoting the offending value and suggesting
 * the name that was probably meant.
 */

/** Edit distance (case-insensitive), where swapping two neighbours counts as one edit. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const d: number[][] = Array.from({ length: x.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= y.length; j++) d[0][j] = j;
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[x.length][y.length];
}

/**
 * The candidate closest to `name`, when it is close enough to be a likely typo
 * (`fragment` → `fragments`, `heder` → `header`), else undefined.
 */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best === undefined) return undefined;
  const allowed = Math.max(1, Math.min(3, Math.floor(Math.max(name.length, best.length) / 3)));
  return bestDistance <= allowed ? best : undefined;
}

/** A value as it appears in a message: strings in single quotes, the rest as JSON, shortened. */
export function formatValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'function') return 'a function';
  const text = jsonPreview(value, 81);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * `JSON.stringify(value)`, but only its first `max` characters or so, walked no further: a
 * YAML alias bomb (a few hundred bytes of shared references standing for billions of values)
 * costs as little as a short list, and a cycle prints as `[Circular]`.
 */
export function jsonPreview(value: unknown, max: number): string {
  let out = '';
  const ancestors = new Set<object>();
  const scalar = (v: unknown): string => {
    if (typeof v === 'string') return JSON.stringify(v.length > max ? v.slice(0, max) : v);
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
    if (typeof v === 'boolean') return String(v);
    if (typeof v === 'bigint') return String(v);
    return 'null';
  };
  const visit = (v: unknown): void => {
    if (out.length > max) return;
    if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
      try {
        v = (v as { toJSON(): unknown }).toJSON();
      } catch {
        v = String(v);
      }
    }
    if (v === null || typeof v !== 'object') return void (out += scalar(v));
    if (ancestors.has(v)) return void (out += '"[Circular]"');
    ancestors.add(v);
    if (Array.isArray(v)) {
      out += '[';
      for (let i = 0; i < v.length && out.length <= max; i++) {
        if (i) out += ',';
        const item: unknown = v[i];
        visit(item === undefined || typeof item === 'function' ? null : item);
      }
      out += ']';
    } else {
      out += '{';
      let first = true;
      for (const key in v) {
        if (out.length > max) break;
        if (!Object.prototype.hasOwnProperty.call(v, key)) continue;
        const item = (v as Record<string, unknown>)[key];
        if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
        out += `${first ? '' : ','}${JSON.stringify(key)}:`;
        first = false;
        visit(item);
      }
      out += '}';
    }
    ancestors.delete(v);
  };
  visit(value);
  return out;
}

/** `a, b, c`, or `none` for an empty list. */
export function formatList(names: Iterable<string>): string {
  const list = [...names];
  return list.length === 0 ? 'none' : list.join(', ');
}

/** ` Did you mean 'x'?` (leading space) or an empty string. */
export function didYouMean(suggestion: string | undefined, quote: '`' | "'" = "'"): string {
  return suggestion === undefined ? '' : ` Did you mean ${quote}${suggestion}${quote}?`;
}
