/**
 * `compute`, remembering its last key and answer: for a value read from every answer that an
 * origin sends the same each time (its `Content-Type`, its `Keep-Alive`), a string compare
 * instead of a parse per fragment.
 */
export function rememberLast<T>(compute: (key: string) => T): (key: string) => T {
  let lastKey: string | undefined;
  let last!: T;
  return (key) => {
    if (key !== lastKey) {
      last = compute(key);
      lastKey = key;
    }
    return last;
  };
}
