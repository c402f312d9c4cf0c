/**
 * The CLI's gateway gives V8's old generation steady headroom (server/old-generation.ts): checked
 * in a process of its own, in V8's own words (`--trace-gc-verbose` prints the factor each full
 * collection sets the next limit with).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const MODULE = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/server/old-generation.js')).href;

const program = `
(await import(${JSON.stringify(MODULE)})).steadyOldGeneration();
const kept = [];
for (let i = 0; i < 200_000; i++) kept.push({ i, s: 'x' + i });
globalThis.gc();
for (let i = 0; i < 200_000; i++) kept.push({ i, s: 'y' + i });
globalThis.gc();
console.log('kept', kept.length);
`;

/** The factors V8 set the old generation's limit with, one per full collection. */
async function limitFactors(flags: string[] = []): Promise<number[]> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--trace-gc-verbose', ...flags, '--input-type=module', '-e', program], {
    env: { ...process.env, NODE_OPTIONS: '' },
    maxBuffer: 16 * 1024 * 1024,
  });
  return [...stdout.matchAll(/\[HeapController\] Limit: old size: \d+ KB, new limit: \d+ KB \(([\d.]+)\)/g)].map((m) => Number(m[1]));
}

describe('steadyOldGeneration', () => {
  it('has every full collection give the old generation twice what survived', async () => {
    const factors = await limitFactors();
    expect(factors.length).toBeGreaterThanOrEqual(2);
    expect(new Set(factors)).toEqual(new Set([2]));
  });

  it('leaves a process started with its own --heap-growing-percent alone', async () => {
    const factors = await limitFactors(['--heap-growing-percent=50']);
    expect(factors.length).toBeGreaterThanOrEqual(2);
    expect(new Set(factors)).toEqual(new Set([1.5]));
  });
});
