import { describe, expect, it } from 'vitest';
import { formatFigures, progressPrinter } from '../../src/cli/replay.js';
import type { ShadowReportJson } from '../../src/shadow/stats.js';

/** `mfe-dev replay`'s progress: a bar redrawn in place on a terminal, plain lines anywhere else. */
const report = (identical: number, name = 'header'): ShadowReportJson => ({
  source: 'replay',
  generatedAt: '2026-11-26T00:00:00.000Z',
  upstream: 'https://www.example.com',
  fragments: [
    {
      name,
      compared: identical + 1,
      identical,
      different: 1,
      failed: 0,
      skipped: 0,
      skippedBy: { 'in-flight': 0, method: 0, busy: 0 },
      latency: { prod: { p50: 12.5, p95: 40, samples: identical + 1 }, local: { p50: null, p95: null, samples: 0 } },
      noise: 2,
      last: 'different',
    },
  ],
  recent: [],
});

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, out: { isTTY, write: (text: string) => (writes.push(text), true) } as unknown as NodeJS.WriteStream };
}

describe('replay progress', () => {
  it('redraws one bar in place on a terminal, then ends the line', () => {
    const { writes, out } = stream(true);
    let identical = 0;
    const progress = progressPrinter(out, () => report(identical));
    for (let done = 1; done <= 4; done++) {
      identical = done;
      progress.update({ done, total: 4, comparisons: done });
    }
    progress.end();
    expect(writes).toHaveLength(5);
    for (const write of writes.slice(0, 4)) expect(write.startsWith('\r')).toBe(true);
    expect(writes[3]).toContain('4/4  identical 4 · different 1 · failed 0');
    expect(writes[4]).toBe('\n');
  });

  it('writes a plain line every 10 % when the output is not a terminal', () => {
    const { writes, out } = stream(false);
    const progress = progressPrinter(out, () => report(0));
    for (let done = 1; done <= 100; done++) progress.update({ done, total: 100, comparisons: done });
    progress.end();
    expect(writes).toHaveLength(11);
    expect(writes[0]).toBe('replay: 1/100 (1%) identical 0 · different 1 · failed 0\n');
    expect(writes[10]).toBe('replay: 100/100 (100%) identical 0 · different 1 · failed 0\n');
    expect(writes.join('')).not.toContain('\r');
  });

  it('prints the figures as a table, control characters in names escaped', () => {
    expect(formatFigures(report(3, 'head\u001b[2Jer'))).toBe(
      [
        'fragment       compared  identical  different  failed  skipped  prod p50/p95 ms  local p50/p95 ms',
        'head\\x1b[2Jer         4          3          1       0        0        12.5 / 40             – / –',
        '',
      ].join('\n'),
    );
  });
});
