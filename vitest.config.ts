import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // fast-check's properties run with one seed unless a fuzzing run asks for fresh ones.
    setupFiles: ['test/setup/fast-check.ts'],
    // Generous: the suite must pass on a machine whose cores are busy with something else (a
    // test that hangs still fails, a minute later). No test asserts on wall-clock time.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests start real servers on port 0; a couple of workers is all two cores want.
    maxWorkers: 2,
  },
});
