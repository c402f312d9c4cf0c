import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Generous: the suite must pass on a machine whose cores are busy with something else (a
    // test that hangs still fails, a minute later). No test asserts on wall-clock time.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests start real servers on port 0; a couple of workers is all two cores want.
    maxWorkers: 2,
  },
});
