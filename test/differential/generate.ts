/**
 * Seeded generators of differential cases: a page and its fragments in one dialect, built to
 * exercise one feature (the table's row), deterministic for a seed. Bodies name the case's own
 * folder as `{{P}}` (`/c/SEED-N/`) and the origin as `{{O}}`, filled in when the case is served.
 */
import type { Doc } from './origin.js';
import { esiCase, ESI_FEATURES } from './generate-esi.js';
import { ssiCase, SSI_FEATURES } from './generate-ssi.js';
import { tailorCase, TAILOR_FEATURES } from './generate-tailor.js';
import type { EdgeName } from './edges.js';

export interface Case {
  /** `SEED-N`: the case's folder on the origin is `/c/SEED-N/`. */
  id: string;
  feature: string;
  /** Documents by name: `page` is the one requested; the others are its fragments. */
  docs: Record<string, Doc>;
  /** The page request's query (without `?`) and headers. */
  query: string;
  headers: Record<string, string>;
}

/** A small, fast, seeded generator (mulberry32). */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** Splits each part at a random place now and then, so markers arrive across two reads. */
export function splitParts(rng: Rng, parts: string[]): string[] {
  const out: string[] = [];
  for (const part of parts) {
    if (part.length > 2 && rng.chance(0.5)) {
      let at = rng.int(1, part.length - 1);
      // Never inside a `{{P}}`-style placeholder: it is filled in part by part.
      const open = part.lastIndexOf('{{', at - 1);
      if (open !== -1 && part.indexOf('}}', open) + 2 > at) at = open;
      if (at === 0) out.push(part);
      else out.push(part.slice(0, at), part.slice(at));
    } else out.push(part);
  }
  return out;
}

/** An HTML page around `snippets`; chunked (and split) in a third of the cases or when asked. */
export function htmlPage(rng: Rng, snippets: string[], options: { chunked?: boolean; status?: number; type?: string; head?: string } = {}): Doc {
  const parts = [`<!DOCTYPE html>\n<html><head><title>case</title>${options.head ?? ''}</head><body>\n`, ...snippets.flatMap((s) => [s, '\n']), '</body></html>\n'];
  const chunked = options.chunked ?? rng.chance(0.33);
  return { status: options.status ?? 200, type: options.type ?? 'text/html', parts: chunked ? splitParts(rng, parts) : parts, chunked };
}

/** A fragment: one part, or split across reads. */
export function fragment(rng: Rng, body: string, options: Partial<Doc> = {}): Doc {
  const chunked = options.chunked ?? rng.chance(0.25);
  return { status: 200, type: 'text/html', ...options, parts: chunked ? splitParts(rng, [body]) : [body], chunked };
}

/** Request headers a browser sends, and the ones fragments vary on (device, A/B, toggles). */
export function browserHeaders(rng: Rng): Record<string, string> {
  const headers: Record<string, string> = {
    'user-agent': rng.pick(['Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Safari/604.1']),
    'accept-language': rng.pick(['de-DE,de;q=0.9', 'en-GB', 'it']),
  };
  if (rng.chance(0.6)) headers['x-device'] = rng.pick(['mobile', 'desktop', 'tablet']);
  if (rng.chance(0.5)) headers['x-ab'] = rng.pick(['a', 'b']);
  if (rng.chance(0.4)) headers.cookie = rng.pick(['session=s1', 'toggle=new; lang=de']);
  return headers;
}

export type Dialect = 'ssi' | 'esi' | 'tailor';
export const DIALECT_OF: Record<EdgeName, Dialect> = { nginx: 'ssi', varnish: 'esi', tailor: 'tailor' };
export const FEATURES: Record<Dialect, readonly string[]> = { ssi: SSI_FEATURES, esi: ESI_FEATURES, tailor: TAILOR_FEATURES };

/** Case `n` of `seed` for the edge's dialect (the same seed and n give the same case). */
export function generateCase(edge: EdgeName, seed: number, n: number): Case {
  const rng = new Rng((seed * 1_000_003 + n * 7919) >>> 0);
  const dialect = DIALECT_OF[edge];
  const feature = FEATURES[dialect][n % FEATURES[dialect].length];
  const made = dialect === 'ssi' ? ssiCase(rng, feature) : dialect === 'esi' ? esiCase(rng, feature) : tailorCase(rng, feature);
  return { id: `${seed}-${n}`, feature, ...made };
}

export type CaseBody = Omit<Case, 'id' | 'feature'>;
