/**
 * Node's raw header lists: names keep their case, order and repetition, as they travelled.
 */

/** A flat `[name, value, name, value…]` list, as `writeHead` accepts it. */
export type RawHeaders = string[];

/** Read one header from a raw list (first match, case-insensitive; `name` in lower case). */
export function rawHeader(rawHeaders: readonly string[], name: string): string | undefined {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i].length === name.length && rawHeaders[i].toLowerCase() === name) return rawHeaders[i + 1];
  }
  return undefined;
}

/** `[name, value]` pairs of a raw list (what `addTrailers` accepts). */
export function rawPairs(raw: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < raw.length; i += 2) out.push([raw[i], raw[i + 1]]);
  return out;
}
