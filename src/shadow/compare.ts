import type { IncomingHttpHeaders } from 'node:http';
import { factsOf, parseForComparison, withoutNoise, type DocumentIgnores } from '../html/comparable-document.js';
import type { NoiseBook } from './noise.js';
import { extractElement } from './page-fragments.js';
import { diffDocuments, type StructuralDiff } from './structural-diff.js';

/**
 * One shadow comparison: production's answer against the local service's, on status, selected
 * headers and the normalised document, with calibrated noise (see `NoiseBook`) and the user's
 * ignores left out. Time is measured and reported beside it, never counted as a difference.
 */
export interface SideResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The decoded body. */
  body: string;
  durationMs: number;
}

/** A difference outside the document: `status` or `header:NAME`. */
export interface FieldDifference {
  field: string;
  prod: string;
  local: string;
}

export interface Comparison {
  identical: boolean;
  fields: FieldDifference[];
  diff: StructuralDiff;
}

/** Response headers compared: what changes how the browser treats the fragment. */
export const COMPARED_HEADERS = ['content-type', 'cache-control', 'set-cookie'] as const;

/** Status and compared headers as facts (`status`, `header:content-type`…); cookie values masked. */
export function responseFacts(response: Pick<SideResponse, 'status' | 'headers'>): Map<string, string> {
  const facts = new Map<string, string>([['status', String(response.status)]]);
  const contentType = response.headers['content-type'];
  if (contentType) facts.set('header:content-type', contentType.toLowerCase().replace(/\s*;\s*/g, '; ').trim());
  const cacheControl = response.headers['cache-control'];
  if (cacheControl) {
    const directives = cacheControl.split(',').map((d) => d.trim().toLowerCase()).filter(Boolean);
    facts.set('header:cache-control', directives.sort().join(', '));
  }
  const setCookie = response.headers['set-cookie'];
  if (setCookie?.length) {
    // Names only: a cookie's value is a session or a token, never something to show or compare.
    const names = setCookie.map((cookie) => cookie.split('=')[0].trim()).sort();
    facts.set('header:set-cookie', names.map((name) => `${name}=…`).join('; '));
  }
  return facts;
}

export interface CompareInput {
  fragment: string;
  /** The path the fragment was asked for (noise is learned per fragment and path). */
  path: string;
  prod: SideResponse;
  /** Production asked a second time: what differs from `prod` is learned as noise. */
  calibration?: SideResponse;
  local: SideResponse;
  ignores: DocumentIgnores;
  /** Compared headers left out (`compare.ignore.headers`, lower case). */
  ignoredHeaders?: readonly string[];
  noise: NoiseBook;
  /**
   * Compare the selected headers too. Off when production's side is an element cut out of a
   * page (its headers are the page's, not the fragment's). @default true
   */
  headers?: boolean;
  /**
   * Production's sides are composed pages: what is compared is the first element this CSS
   * selector matches in them (none: an empty document). Done here, so that scanning a big page
   * is part of the comparison (and off the request thread with it).
   */
  extract?: string;
}

export function compareResponses(input: CompareInput): Comparison {
  const { fragment, path, calibration: asked, local, ignores, ignoredHeaders = [], noise, headers = true, extract } = input;
  const prod = extract === undefined ? input.prod : extracted(input.prod, extract);
  const calibration = extract === undefined || !asked ? asked : extracted(asked, extract);
  const prodLines = parseForComparison(prod.body, ignores);
  const localLines = parseForComparison(local.body, ignores);
  const prodFacts = responseFacts(prod);
  if (calibration) {
    const calibrationFacts = responseFacts(calibration);
    for (const [key, value] of factsOf(parseForComparison(calibration.body, ignores))) calibrationFacts.set(key, value);
    const documentFacts = factsOf(prodLines);
    for (const [key, value] of prodFacts) documentFacts.set(key, value);
    noise.learn(fragment, path, documentFacts, calibrationFacts);
  }
  const known = noise.noiseFor(fragment, path);

  const localFacts = responseFacts(local);
  const fields: FieldDifference[] = [];
  const comparedHeaders = headers ? COMPARED_HEADERS.filter((h) => !ignoredHeaders.includes(h)) : [];
  for (const field of ['status', ...comparedHeaders.map((h) => `header:${h}`)]) {
    if (known.has(field)) continue;
    const a = prodFacts.get(field) ?? '';
    const b = localFacts.get(field) ?? '';
    // A dev server says "do not cache" (Vite, webpack-dev-server, Next): not the fragment's doing.
    if (field === 'header:cache-control' && b && isDevServerNoCache(b)) continue;
    if (a !== b) fields.push({ field, prod: a || '(none)', local: b || '(none)' });
  }
  const diff = diffDocuments(withoutNoise(prodLines, known), withoutNoise(localLines, known));
  return { identical: fields.length === 0 && diff.hunks.length === 0, fields, diff };
}

/** A composed page's answer narrowed to the fragment's element (none found: an empty document). */
function extracted(response: SideResponse, selector: string): SideResponse {
  return { ...response, body: extractElement(response.body, selector) ?? '' };
}

/** Directives only a "never cache this" answer has (`no-store`, `no-cache`, `max-age=0`…). */
const NO_CACHE_DIRECTIVES = new Set(['no-store', 'no-cache', 'must-revalidate', 'max-age=0', 'private', 'no-transform']);

function isDevServerNoCache(directives: string): boolean {
  const list = directives.split(', ');
  return list.some((d) => d === 'no-store' || d === 'no-cache') && list.every((d) => NO_CACHE_DIRECTIVES.has(d));
}
