import fc from 'fast-check';

/**
 * `npm test` runs every property with one seed, so a run passes or fails the same way on every
 * machine: CI is no place for a lottery. Fuzzing for new counterexamples is the long runs' job:
 * `SCAN_FUZZ=N`, `FUZZ_RUNS=N` or `FC_SEED=random` draw a fresh seed (fast-check prints it with
 * any counterexample), and `FC_SEED=N` replays one.
 */
const asked = process.env.FC_SEED;
const fuzzing = asked === 'random' || Boolean(process.env.SCAN_FUZZ) || Boolean(process.env.FUZZ_RUNS) || process.env.npm_lifecycle_event === 'fuzz';
if (asked !== undefined && asked !== 'random' && !Number.isSafeInteger(Number(asked))) {
  throw new Error(`FC_SEED=${JSON.stringify(asked)} is not a seed: give an integer (as fast-check printed it) or 'random'.`);
}
if (!fuzzing) fc.configureGlobal({ seed: asked === undefined ? 20261207 : Number(asked) });
else if (asked !== undefined && asked !== 'random') fc.configureGlobal({ seed: Number(asked) });
