import type { OutgoingHttpHeaders } from 'node:http';

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

/** Flat lists of request header objects, made once per object (a page's fragment headers are one object). */
const requestLists = new WeakMap<OutgoingHttpHeaders, { list: string[]; hasHost: boolean }>();

/**
 * `headers` as the flat list `http.request` accepts, with `Host: host` unless `headers` names
 * one. Node writes such a list as it is (each header still validated), without building the
 * header object that the object form costs per request.
 */
export function requestHeaderList(headers: OutgoingHttpHeaders, host: string): string[] {
  let cached = requestLists.get(headers);
  if (!cached) {
    const list: string[] = [];
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value) list.push(name, item);
      else list.push(name, String(value));
    }
    cached = { list, hasHost: 'host' in headers || Object.keys(headers).some((name) => name.toLowerCase() === 'host') };
    requestLists.set(headers, cached);
  }
  return cached.hasHost ? cached.list.slice() : [...cached.list, 'Host', host];
}

