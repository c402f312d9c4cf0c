import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `npm run bench` end to end in smoke mode (0.5 s per row, no nginx, no 50 MB page, results in
 * a temp folder): it completes, prints the table, and every composed response it sampled or
 * loaded was correct. No speed is asserted here; `npm run bench` judges speed against nginx.
 */
const repo = fileURLToPath(new URL('../..', import.meta.url));
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-bench-smoke-'));

function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bench/run.js', ...args], { cwd: repo, timeout: 150_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('bench smoke', () => {
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  it('runs every scenario, prints the table and passes the correctness check', { timeout: 160_000 }, async () => {
    const { code, stdout, stderr } = await runBench(['--smoke', '--out', out]);
    expect(code, `bench failed:\n${stdout}\n${stderr}`).toBe(0);
    expect(stdout).toContain('| page | server | pages/s | p50 ms | p99 ms | CPU µs/page |');
    expect(stdout).toContain('correctness: PASS');
    expect(stdout).not.toMatch(/\| FAIL/);

    const results = JSON.parse(fs.readFileSync(path.join(out, 'latest.json'), 'utf8'));
    expect(results.correct).toBe(true);
    const ids = results.rows.map((row: { id: string }) => row.id);
    expect(ids).toEqual(expect.arrayContaining(['ssi/mfe-dev', 'precomposed/mfe-dev', 'esi/mfe-dev', 'tailor/mfe-dev', 'ssi-local/mfe-dev']));
    for (const row of results.rows) {
      expect(row.check.ok, row.id).toBe(true);
      expect(row.load.ok, row.id).toBeGreaterThan(0);
      expect(row.load.non2xx + row.load.errors, row.id).toBe(0);
    }
    expect(fs.existsSync(path.join(out, 'latest.md'))).toBe(true);
  });
});
