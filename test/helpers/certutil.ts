import { execFileSync } from 'node:child_process';

/**
 * Whether NSS's `certutil` (Debian: libnss3-tools) is here for the `mfe-dev trust` tests. Without
 * it they are skipped locally; in CI (`CI` set, where `.ci/run` installs it) they run and fail
 * instead, so a missing install step cannot hide behind a skip.
 */
export const certutilAvailable: boolean = (() => {
  if (process.env.CI) return true;
  try {
    execFileSync('certutil', ['-H'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
})();
