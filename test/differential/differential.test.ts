/**
 * Differential tests against the real edges (the short form of `npm run differential`): each
 * edge is first compared with a second instance of itself (the harness is sound), then with
 * mfe-dev standing in for it. A feature not listed in deviations.ts must be identical in every
 * case. Without nginx or varnishd those edges are skipped locally and fail in CI (`.ci/run`
 * installs them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byFeature, describe as describeOutcome, runAll, type Outcome } from './compare.js';
import { EDGES, missing, startEdge, startMfeDev, type Target } from './edges.js';
import { STILL_DIFFERENT } from './deviations.js';
import { generateCase } from './generate.js';
import { startOrigin, type Origin } from './origin.js';

const SEED = 19;
const SELF_CASES = 16;
const CASES = 48;

for (const edge of EDGES) {
  const why = missing(edge);
  const run = !why || process.env.CI ? describe : describe.skip;
  run(`differential: ${edge}`, () => {
    let origin: Origin;
    let real: Target;
    const others: Target[] = [];
    const withLink = edge === 'tailor';

    beforeAll(async () => {
      if (why) throw new Error(`${why}: CI must install it (.ci/run)`);
      origin = await startOrigin();
      real = await startEdge(edge, origin);
    });
    afterAll(async () => {
      await Promise.all([...others, ...(real ? [real] : [])].map((t) => t.close()));
      await origin?.close();
    });

    const report = (outcomes: Outcome[], other: Target) =>
      outcomes
        .filter((o) => !o.same)
        .slice(0, 3)
        .map((o) => describeOutcome(o, real.label, other.label))
        .join('\n\n');

    it(`a second ${edge} answers every case as the first (the harness is sound)`, async () => {
      const second = await startEdge(edge, origin, `${edge}#2`);
      others.push(second);
      const cases = Array.from({ length: SELF_CASES }, (_, n) => generateCase(edge, SEED + 1, n));
      const outcomes = await runAll(origin, real, second, cases, { withLink });
      expect(outcomes.filter((o) => !o.same).length, report(outcomes, second)).toBe(0);
    });

    it(`mfe-dev with edge: '${edge}' answers as ${edge} (outside the listed deviations)`, async () => {
      const mfe = await startMfeDev(edge, origin.url);
      others.push(mfe);
      const cases = Array.from({ length: CASES }, (_, n) => generateCase(edge, SEED, n));
      const outcomes = await runAll(origin, real, mfe, cases, { withLink });
      const allowed = STILL_DIFFERENT[edge];
      const unexpected = outcomes.filter((o) => !o.same && !(o.case.feature in allowed));
      expect(unexpected.length, report(unexpected, mfe)).toBe(0);
      // Every case got an answer from both (a harness that fetched nothing would pass the above).
      expect(outcomes.every((o) => o.a.status > 0 && o.b.status > 0)).toBe(true);
      expect([...byFeature(outcomes).keys()].length).toBeGreaterThan(5);
    });
  });
}
