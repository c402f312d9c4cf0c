import type { OutgoingHttpHeaders } from 'node:http';
import type { SsiCommand } from '../../html/ssi-command.js';
import { strftime } from './strftime.js';

/**
 * SSI variables as nginx's SSI module reads them. Values are latin1 strings (one char per byte),
 * so they carry the page's bytes whatever its charset.
 *
 * What a template reads, in nginx's order: the captures of the last matching regular expression
 * (`$1`…`$9`, `$0` the whole match), variables the template set (`set`, `include … set=`, named
 * captures), then the request's variables. Set variables and captures belong to the page: every
 * document of one page (the page and the fragments it includes) shares them, as a main request
 * and its subrequests share them in nginx. Request variables describe the document being read:
 * a fragment's `$uri` and `$args` are the include's, as for an nginx subrequest.
 */

/** One page's SSI state, shared by the page and every fragment it includes. */
export class SsiPageState {
  /** Variables set by the template, by lower-case name. */
  readonly variables = new Map<string, string>();
  /** `$0`…`$9` of the last regular expression that matched. */
  captures: readonly string[] = [];
  /** `<!--#block -->`s, in the order they were defined (the first of a name is used). */
  readonly blocks: Array<{ name: string; items: BlockItem[] }> = [];
  constructor(readonly request: SsiRequestInfo) {}
}

/** What a block holds: bytes, and commands kept as written (they run when the block is used). */
export type BlockItem = Buffer | { command: SsiCommand; raw?: Buffer };

/** The page request, as production's edge sees it. */
export interface SsiRequestInfo {
  method: string;
  /** `$server_protocol`: the page request's protocol (`HTTP/1.1`). */
  protocol: string;
  /** Path and query of the page request (what production received). */
  requestUri: string;
  /** The request headers production receives (for `$http_NAME`, `$cookie_NAME`). */
  headers: OutgoingHttpHeaders;
  /** `$host`: the host name production is asked for. */
  host: string;
  /** `$scheme`: `http` or `https`, production's. */
  scheme: string;
  remoteAddr: string;
}

/** The document being read: the page, or a fragment it includes. */
export interface SsiDocumentUrl {
  /** The decoded path (`$uri`, `$document_uri`). */
  uri: string;
  /** The query without `?`, or undefined when there is none (`$args`, `$query_string`). */
  args: string | undefined;
  /** The page itself (not a fragment). */
  main: boolean;
}

/** The document's reading of a URL: path percent-decoded to bytes, query as sent. */
export function documentUrl(url: URL, main: boolean): SsiDocumentUrl {
  return { uri: percentDecodeLatin1(url.pathname), args: url.search ? url.search.slice(1) : undefined, main };
}

/** `%XX` sequences become the byte they name (as a latin1 char); everything else stays. */
export function percentDecodeLatin1(text: string): string {
  if (!text.includes('%')) return text;
  return text.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

export interface VariableScope {
  page: SsiPageState;
  doc: SsiDocumentUrl;
  /** The document's `config timefmt`. */
  timefmt: string;
  now?: () => Date;
}

/** A variable's value, or undefined when nginx would say "not found". `name` is lower case. */
export function lookupVariable(scope: VariableScope, name: string): string | undefined {
  if (name.length === 1 && name >= '0' && name <= '9') {
    const index = Number(name);
    if (index < scope.page.captures.length) return scope.page.captures[index];
  }
  const set = scope.page.variables.get(name);
  if (set !== undefined) return set;
  return requestVariable(scope, name);
}

function requestVariable({ page, doc, timefmt, now }: VariableScope, name: string): string | undefined {
  const request = page.request;
  switch (name) {
    case 'args':
    case 'query_string':
      return doc.args;
    case 'uri':
    case 'document_uri':
      return doc.uri;
    case 'request_uri':
      return request.requestUri;
    case 'request_method':
      // nginx reads the main request's method, in fragments too.
      return request.method;
    case 'server_protocol':
      return request.protocol;
    case 'host':
      return request.host;
    case 'scheme':
      return request.scheme;
    case 'remote_addr':
      return request.remoteAddr;
    case 'is_args':
      return doc.args === undefined ? '' : '?';
    case 'date_local':
    case 'date_gmt':
      return strftime(timefmt, now?.() ?? new Date(), name === 'date_gmt');
  }
  if (name.startsWith('arg_')) return argument(doc.args, name.slice(4));
  if (name.startsWith('cookie_')) return cookie(headerValues(request.headers, 'cookie'), name.slice(7));
  if (name.startsWith('http_')) {
    const header = name.slice(5).replaceAll('_', '-');
    if (header === 'host') return request.host;
    const values = headerValues(request.headers, header);
    if (values.length === 0) return undefined;
    return values.join(header === 'cookie' ? '; ' : ', ');
  }
  return undefined;
}

/** nginx's `ngx_http_arg`: the first `name=value` in the query, name matched case-insensitively; the value as sent. */
export function argument(args: string | undefined, name: string): string | undefined {
  if (!args || !name) return undefined;
  const lower = name.toLowerCase();
  for (const pair of args.split('&')) {
    const eq = pair.indexOf('=');
    if (eq === -1) continue;
    if (pair.slice(0, eq).toLowerCase() === lower) return pair.slice(eq + 1);
  }
  return undefined;
}

function cookie(lines: string[], name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const line of lines) {
    for (const part of line.split(';')) {
      const eq = part.indexOf('=');
      if (eq === -1) continue;
      if (part.slice(0, eq).trim().toLowerCase() === lower) return part.slice(eq + 1).trim();
    }
  }
  return undefined;
}

function headerValues(headers: OutgoingHttpHeaders, name: string): string[] {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    return Array.isArray(value) ? value.map(String) : [String(value)];
  }
  return [];
}

export class SsiEvaluationError extends Error {}

/**
 * A parameter value with its variables substituted, as nginx's `ngx_http_ssi_evaluate_string`:
 * `$name` or `${name}` (names of letters, digits and `_`, looked up in lower case; an unknown
 * one is empty), and `\` before `\`, `'`, `"` or `$` keeps that character literally (before
 * anything else, the `\` stays). With `prefix`, a result not starting with `/` is made relative
 * to the document's directory (include URIs). Throws {@link SsiEvaluationError} for a malformed
 * variable, which nginx answers with its errmsg.
 */
export function evaluateString(scope: VariableScope, text: string, prefix = false): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] === '$') {
      i++;
      let bracket = false;
      if (text[i] === '{') {
        bracket = true;
        i++;
      }
      const start = i;
      while (i < text.length && /[A-Za-z0-9_]/.test(text[i])) i++;
      const name = text.slice(start, i);
      if (bracket) {
        if (text[i] !== '}') throw new SsiEvaluationError(`the closing bracket in "${name}" variable is missing`);
        i++;
      }
      if (name.length === 0) throw new SsiEvaluationError(`invalid variable name in "${text}"`);
      out += lookupVariable(scope, name.toLowerCase()) ?? '';
      continue;
    }
    let quoted = false;
    for (; i < text.length; i++) {
      const ch = text[i];
      if (!quoted) {
        if (ch === '\\') {
          quoted = true;
          continue;
        }
        if (ch === '$') break;
      } else {
        quoted = false;
        if (ch !== '\\' && ch !== "'" && ch !== '"' && ch !== '$') out += '\\';
      }
      out += ch;
    }
  }
  if (prefix && out.length > 0 && out[0] !== '/') {
    const slash = scope.doc.uri.lastIndexOf('/');
    if (slash >= 0) out = scope.doc.uri.slice(0, slash + 1) + out;
  }
  return out;
}

/** Bytes nginx's URL encoding (`ngx_escape_uri`, `NGX_ESCAPE_HTML`) escapes. */
const URL_ESCAPED = /[\x00-\x20"#%'<>\\^`{|}\x7f-\xff]/g;

/** `echo`'s `encoding`: `entity` (the default), `url` or `none`. */
export function encodeEcho(value: string, encoding: 'none' | 'url' | 'entity'): string {
  if (encoding === 'none') return value;
  if (encoding === 'url') return value.replace(URL_ESCAPED, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return value.replace(/[<>&"]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : '&quot;'));
}
