/**
 * Retries `check` until it passes or `ms` is over (then throws its last error): for what happens
 * "soon" (a watcher reacting, a socket closing), without a timing-sensitive assertion.
 */
export async function eventually<T>(check: () => Promise<T> | T, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
