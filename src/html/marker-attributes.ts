import { isUtf8 } from 'node:buffer';
import { Tokenizer, type TokenizerCallbacks } from 'htmlparser2';

/**
 * Turning a marker's source bytes into the strings the compose engine works with. The scanner
 * hands over source text as latin1 (one char per byte, whatever the page's charset); these
 * functions decide what the bytes mean.
 */

const NEEDS_DECODING = /[&\x80-\xff]/;
const HIGH_BYTE = /[\x80-\xff]/;

/**
 * Text from latin1 source: the UTF-8 reading when the bytes are valid UTF-8 (the common case,
 * and the only way a multi-byte URL can be meant), else the bytes as latin1.
 */
export function decodeSourceText(latin1: string): string {
  if (!HIGH_BYTE.test(latin1)) return latin1;
  const bytes = Buffer.from(latin1, 'latin1');
  return isUtf8(bytes) ? bytes.toString('utf8') : latin1;
}

/** An attribute value as a browser reads it: {@link decodeSourceText}, then `&amp;` and friends. */
export function decodeAttributeValue(latin1: string): string {
  if (!NEEDS_DECODING.test(latin1)) return latin1;
  const text = decodeSourceText(latin1);
  return text.includes('&') ? decodeCharacterReferences(text) : text;
}

// Character references are decoded by htmlparser2's own tokenizer, in attribute-value mode
// (`&amp` without `;` before `=` or a letter stays as it is, as in browsers).
const decodedParts: string[] = [];
let decodeSource = '';
const noop = (): void => undefined;
const entityCallbacks: TokenizerCallbacks = {
  onattribdata: (start, end) => void decodedParts.push(decodeSource.slice(start, end)),
  onattribentity: (codepoint) => void decodedParts.push(String.fromCodePoint(codepoint)),
  onattribend: noop,
  onattribname: noop,
  oncdata: noop,
  onclosetag: noop,
  oncomment: noop,
  ondeclaration: noop,
  onend: noop,
  onopentagend: noop,
  onopentagname: noop,
  onprocessinginstruction: noop,
  onselfclosingtag: noop,
  ontext: noop,
  ontextentity: noop,
};
const entityTokenizer = new Tokenizer({ decodeEntities: true }, entityCallbacks);

function decodeCharacterReferences(value: string): string {
  // A literal `"` becomes `&quot;`, which decodes back to itself and keeps the value quoted.
  decodeSource = `<a v="${value.replaceAll('"', '&quot;')}">`;
  decodedParts.length = 0;
  entityTokenizer.reset();
  entityTokenizer.write(decodeSource);
  entityTokenizer.end();
  const result = decodedParts.join('');
  decodedParts.length = 0;
  return result;
}

/** Whether a comment's content (latin1) starts an `<!--esi … -->` block. */
export function isEsiComment(content: string): boolean {
  if (content.length < 3) return false;
  const e = content.charCodeAt(0) | 0x20;
  const s = content.charCodeAt(1) | 0x20;
  const i = content.charCodeAt(2) | 0x20;
  if (e !== 0x65 || s !== 0x73 || i !== 0x69) return false;
  if (content.length === 3) return true;
  const next = content.charCodeAt(3);
  return isHtmlWhitespace(next) || next === 0x3c; // `<!--esi<esi:include …/>-->`
}

export function isHtmlWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0c || c === 0x0d;
}

/** The URLs of a `srcset` value's image candidates (the HTML spec's splitting, simplified). */
export function srcsetUrls(value: string): string[] {
  const urls: string[] = [];
  const n = value.length;
  let i = 0;
  while (i < n) {
    while (i < n && (isHtmlWhitespace(value.charCodeAt(i)) || value.charCodeAt(i) === 0x2c)) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !isHtmlWhitespace(value.charCodeAt(i))) i++;
    let url = value.slice(start, i);
    if (url.endsWith(',')) {
      url = url.replace(/,+$/, '');
    } else {
      // Skip the descriptors up to the next comma that is not inside parentheses.
      let depth = 0;
      for (; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c === 0x28) depth++;
        else if (c === 0x29 && depth > 0) depth--;
        else if (c === 0x2c && depth === 0) {
          i++;
          break;
        }
      }
    }
    if (url) urls.push(url);
  }
  return urls;
}

/** Trims the ASCII whitespace that browsers strip from URL attributes. */
export function trimUrl(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isHtmlWhitespace(value.charCodeAt(start))) start++;
  while (end > start && isHtmlWhitespace(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

/** Whether an asset attribute's decoded value points under one of `prefixes`. */
export function matchesAssetPrefix(attribute: 'src' | 'href' | 'srcset', value: string, prefixes: readonly string[]): boolean {
  if (attribute !== 'srcset') return startsWithAny(trimUrl(value), prefixes);
  for (const url of srcsetUrls(value)) if (startsWithAny(url, prefixes)) return true;
  return false;
}

function startsWithAny(value: string, prefixes: readonly string[]): boolean {
  for (const prefix of prefixes) if (value.startsWith(prefix)) return true;
  return false;
}

export type Attributes = Record<string, string>;

/** ESI elements both scanners report whole, with their content, for the engine to evaluate. */
export const ESI_BLOCKS: Readonly<Record<string, 'choose' | 'try' | 'vars' | 'text' | 'assign' | undefined>> = {
  'esi:assign': 'assign',
  'esi:choose': 'choose',
  'esi:try': 'try',
  'esi:vars': 'vars',
  'esi:text': 'text',
};

/** `<esi:include src alt onerror>`; null without a `src`. */
export function esiIncludeMarker(attributes: Attributes): { type: 'esi-include'; src: string; alt?: string; onerror?: string } | null {
  const src = attributes.src;
  if (src === undefined) return null;
  const marker: { type: 'esi-include'; src: string; alt?: string; onerror?: string } = { type: 'esi-include', src };
  if (attributes.alt !== undefined) marker.alt = attributes.alt;
  if (attributes.onerror !== undefined) marker.onerror = attributes.onerror;
  return marker;
}

export interface TailorMarker {
  type: 'tailor';
  src: string;
  fallbackSrc?: string;
  timeout?: number;
  primary: boolean;
  attributes: Record<string, string>;
}

/**
 * `<fragment src fallback-src timeout primary …>` as Tailor reads it: `primary` counts when
 * present (whatever its value), `timeout` is the leading integer in ms; null without a `src`.
 * `attributes` holds every attribute, decoded, for the engine's own options.
 */
export function tailorMarker(attributes: Attributes): TailorMarker | null {
  const src = attributes.src;
  if (src === undefined) return null;
  const marker: TailorMarker = {
    type: 'tailor',
    src,
    primary: Object.hasOwn(attributes, 'primary'),
    attributes: { ...attributes },
  };
  if (attributes['fallback-src'] !== undefined) marker.fallbackSrc = attributes['fallback-src'];
  const timeout = /^\s*(\d+)/.exec(attributes.timeout ?? '');
  if (timeout) marker.timeout = Number(timeout[1]);
  return marker;
}

/** Whether a `<script type>` value names an import map. */
export function isImportmapType(type: string | undefined): boolean {
  return type !== undefined && trimUrl(type).toLowerCase() === 'importmap';
}

/** Whether a `<script type>` value makes the script a Tailor fragment (`type="fragment"`). */
export function isFragmentScriptType(type: string | undefined): boolean {
  return type !== undefined && trimUrl(type).toLowerCase() === 'fragment';
}
