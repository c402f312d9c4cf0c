/**
 * Calibrated noise, as Twitter's Diffy does it: production is asked twice, and whatever differs
 * between its two answers (a CSRF token, a timestamp, a build hash, a rotating ad slot) is noise
 * that production itself produces. It is learned per fragment and path and ignored when production
 * is compared with the local service, so only differences the local service introduces remain.
 *
 * Noise is a set of positional keys (see `DocumentLine.key`): an element key drops the element
 * and everything inside it, a text or attribute key drops that text run or attribute, and
 * `status` / `header:NAME` drop that part of the response comparison.
 */
export class NoiseBook {
  private readonly entries = new Map<string, Set<string>>();
  /** Pairs of production answers learned from, per entry. */
  private readonly rounds = new WeakMap<Set<string>, number>();

  constructor(
    /** Fragment+path pairs remembered (least recently used go first). */
    private readonly maxEntries = 1000,
    /** Keys per pair: past this a pair's answers are too unstable to learn more. */
    private readonly maxKeys = 5000,
  ) {}

  /** Adds the keys whose values differ between two production answers; returns how many were new. */
  learn(fragment: string, path: string, first: ReadonlyMap<string, string>, second: ReadonlyMap<string, string>): number {
    const noise = this.entry(fragment, path, true)!;
    this.rounds.set(noise, (this.rounds.get(noise) ?? 0) + 1);
    let added = 0;
    const add = (key: string) => {
      if (noise.has(key) || noise.size >= this.maxKeys) return;
      noise.add(key);
      added++;
    };
    for (const [key, value] of first) if (second.get(key) !== value) add(key);
    for (const key of second.keys()) if (!first.has(key)) add(key);
    return added;
  }

  /**
   * Adds keys learned elsewhere (a comparison run off the request thread); `calibrated` counts
   * it as one more pair of production answers learned from.
   */
  add(fragment: string, path: string, keys: Iterable<string>, calibrated: boolean): void {
    const noise = this.entry(fragment, path, true)!;
    if (calibrated) this.rounds.set(noise, (this.rounds.get(noise) ?? 0) + 1);
    for (const key of keys) {
      if (noise.size >= this.maxKeys) break;
      noise.add(key);
    }
  }

  /** The noise learned so far for this fragment and path (empty until calibrated). */
  noiseFor(fragment: string, path: string): ReadonlySet<string> {
    return this.entry(fragment, path, false) ?? EMPTY;
  }

  /** How many pairs of production answers this fragment and path were calibrated with. */
  calibrations(fragment: string, path: string): number {
    const noise = this.entry(fragment, path, false);
    return noise ? (this.rounds.get(noise) ?? 0) : 0;
  }

  /** Keys learned for a fragment over all its paths (for reports). */
  countFor(fragment: string): number {
    let count = 0;
    for (const [id, keys] of this.entries) if (id.startsWith(`${fragment}\n`)) count += keys.size;
    return count;
  }

  private entry(fragment: string, path: string, create: boolean): Set<string> | undefined {
    const id = `${fragment}\n${path}`;
    const found = this.entries.get(id);
    if (found) {
      // Most recently used last, so the oldest pair is the first to go.
      this.entries.delete(id);
      this.entries.set(id, found);
      return found;
    }
    if (!create) return undefined;
    const fresh = new Set<string>();
    this.entries.set(id, fresh);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return fresh;
  }
}

const EMPTY: ReadonlySet<string> = new Set();
