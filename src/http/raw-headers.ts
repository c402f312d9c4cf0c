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

/** What Node refuses to write in a header (its `checkInvalidHeaderChar`): control characters but tab. */
const INVALID_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The first header of a raw list that cannot be passed on (a name that is no token, a value with
 * a control character such as NUL or 0x01, which a lenient parser let through), described for
 * a person; undefined when all can.
 */
export function unwritableHeader(rawHeaders: readonly string[]): string | undefined {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    if (!TOKEN.test(name)) return `a header name that is not valid (${JSON.stringify(name)})`;
    const bad = INVALID_VALUE_CHAR.exec(rawHeaders[i + 1]);
    if (bad) return `header '${name}' with the control character 0x${bad[0].charCodeAt(0).toString(16).padStart(2, '0')}`;
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
  const cached = listOf(headers);
  return cached.hasHost ? cached.list.slice() : [...cached.list, 'Host', host];
}

/** `headers` as a flat `[name, value, …]` list (array values repeated), made once per object: do not change it. */
export function flatHeaderList(headers: OutgoingHttpHeaders): readonly string[] {
  return listOf(headers).list;
}

function listOf(headers: OutgoingHttpHeaders): { list: string[]; hasHost: boolean } {
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
  return cached;
}

/**
 * `headers` with the value of `name` (a lower-case name it has once, e.g. a traced fragment's
 * `traceparent`) replaced: a copy whose flat list is the original's with that one value changed,
 * not rebuilt from the object.
 */
export function withHeaderValue(headers: OutgoingHttpHeaders, name: string, value: string): OutgoingHttpHeaders {
  const copy = { ...headers, [name]: value };
  const base = listOf(headers);
  const at = base.list.indexOf(name);
  if (at !== -1 && at % 2 === 0 && base.list.indexOf(name, at + 2) === -1) {
    const list = base.list.slice();
    list[at + 1] = value;
    requestLists.set(copy, { list, hasHost: base.hasHost });
  }
  return copy;
}

