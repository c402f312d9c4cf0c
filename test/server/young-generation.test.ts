/**
 * The CLI's gateway caps V8's young generation at 8 MB per semi-space (server/young-generation.ts):
 * checked in a process of its own that allocates like a loaded gateway (a little per turn of the
 * event loop, part of it alive for a while), against the same process without the cap. The cap
 * is set from a GC observer, which runs a turn or two after each collection: a program that
 * allocates megabytes per turn could grow past it before the observer runs (20,000 objects per
 * turn did, once in three runs with both cores busy); a gateway's turns are a request's worth.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const MODULE = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/server/young-generation.js')).href;

const program = (cap: boolean) => `
import v8 from 'node:v8';
${cap ? `(await import(${JSON.stringify(MODULE)})).capYoungGeneration();` : ''}
const ring = new Array(300_000);
let max = 0;
let n = 0;
for (let turn = 0; turn < 2500; turn++) {
  for (let i = 0; i < 2_000; i++) ring[n++ % ring.length] = { turn, i, s: 'x' + i };
  await new Promise((resolve) => setImmediate(resolve));
  max = Math.max(max, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);
}
console.log(JSON.stringify({ maxNewSpaceMiB: max / 1048576 }));
`;

async function maxNewSpaceMiB(cap: boolean, flags: string[] = []): Promise<number> {
  const { stdout } = await promisify(execFile)(process.execPath, [...flags, '--input-type=module', '-e', program(cap)], { env: { ...process.env, NODE_OPTIONS: '' } });
  return (JSON.parse(stdout) as { maxNewSpaceMiB: number }).maxNewSpaceMiB;
}

describe('capYoungGeneration', () => {
  it('keeps both semi-spaces at 8 MB where V8 would grow them to 16', async () => {
    // (V8's own maximum depends on the machine's memory; the control run names it.)
    expect(await maxNewSpaceMiB(false, ['--max-semi-space-size=16'])).toBe(32);
    expect(await maxNewSpaceMiB(true)).toBeLessThanOrEqual(16);
  });

  it('leaves a process started with its own --max-semi-space-size alone', async () => {
    expect(await maxNewSpaceMiB(true, ['--max-semi-space-size=16'])).toBe(32);
  });
});
