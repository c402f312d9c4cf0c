import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** The WebAssembly the package ships (src/html/wasm/*.wasm.ts) is what its .wat source compiles to. */
describe('generated WebAssembly', () => {
  it('is up to date with its .wat source', () => {
    const script = fileURLToPath(new URL('../../scripts/build-wasm.mjs', import.meta.url));
    expect(() => execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' })).not.toThrow();
  });
});
