import iconv from 'iconv-lite';
import { rememberLast } from '../remember-last.js';

/**
 * Character sets of pages and fragments. The page's bytes are never re-encoded; a fragment is
 * transcoded into the page's charset only when the two differ, so the browser decodes every byte
 * of the composed page with the one charset the page declares.
 */

/** Labels seen, by their canonical name: a page and its fragments name the same few (a TextDecoder per label, not per page). */
const canonicalNames = new Map<string, string | undefined>();
const MAX_KNOWN_LABELS = 64;

/** The canonical WHATWG name of a charset label (`latin1` → `windows-1252`), or undefined. */
export function canonicalCharset(label: string | undefined): string | undefined {
  if (!label) return undefined;
  if (canonicalNames.has(label)) return canonicalNames.get(label);
  let name: string | undefined;
  try {
    name = new TextDecoder(label.trim().replace(/^["']|["']$/g, '')).encoding;
  } catch {
    name = undefined;
  }
  if (canonicalNames.size < MAX_KNOWN_LABELS) canonicalNames.set(label, name);
  return name;
}

/** The charset a Content-Type names (the last one read is remembered: a page's fragments mostly send one). */
const charsetOfType = rememberLast((contentType) => canonicalCharset(/;\s*charset\s*=\s*("?)([^";,\s]+)\1/i.exec(contentType)?.[2]));

export function charsetFromContentType(contentType: string | undefined): string | undefined {
  return contentType === undefined ? undefined : charsetOfType(contentType);
}

/** `<meta charset>` or `<meta http-equiv="content-type" content="…charset=…">` in the first KB. */
export function sniffMetaCharset(head: Buffer): string | undefined {
  const text = head.subarray(0, 1024).toString('latin1');
  const match =
    text.match(/<meta\s[^>]*?charset\s*=\s*["']?\s*([\w:.-]+)/i) ?? undefined;
  return canonicalCharset(match?.[1]);
}

/**
 * Re-encode `body` from charset `from` to charset `to`. Unknown or equal charsets return the
 * bytes untouched. Characters the target charset cannot hold become numeric character
 * references (`&#8364;`), which HTML decodes the same way in any ASCII-compatible charset.
 */
export function transcode(body: Buffer, from: string | undefined, to: string | undefined): Buffer {
  if (!from || !to || from === to) return body;
  let text: string;
  try {
    text = new TextDecoder(from).decode(body);
  } catch {
    return body;
  }
  if (to === 'utf-8') return Buffer.from(text, 'utf8');
  if (!iconv.encodingExists(to)) return body;
  return iconv.encode(escapeUnencodable(text, to), to);
}

const encodableCache = new Map<string, Map<number, boolean>>();

function escapeUnencodable(text: string, charset: string): string {
  let cache = encodableCache.get(charset);
  if (!cache) encodableCache.set(charset, (cache = new Map()));
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code < 0x80) {
      out += char;
      continue;
    }
    let ok = cache.get(code);
    if (ok === undefined) {
      ok = iconv.decode(iconv.encode(char, charset), charset) === char;
      cache.set(code, ok);
    }
    out += ok ? char : `&#${code};`;
  }
  return out;
}
