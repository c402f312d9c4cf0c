import { describe, expect, it } from 'vitest';
import { createWarnOnce } from '../src/warn-once.js';

describe('createWarnOnce', () => {
  it('logs each distinct warning once', () => {
    const lines: string[] = [];
    const warn = createWarnOnce((line) => lines.push(line));
    expect([warn('a'), warn('b'), warn('a'), warn('c'), warn('b')]).toEqual([true, true, false, true, false]);
    expect(lines).toEqual(['a', 'b', 'c']);
  });

  it('recent() lists the last distinct warnings, oldest first, a repeat moving to the end', () => {
    const warn = createWarnOnce(() => {});
    ['a', 'b', 'c', 'a'].forEach((w) => warn(w));
    expect(warn.recent()).toEqual(['b', 'c', 'a']);
  });

  it('recent() keeps the last 50 by default and returns a copy', () => {
    const warn = createWarnOnce(() => {});
    for (let i = 0; i < 120; i++) warn(`w${i}`);
    const recent = warn.recent();
    expect(recent).toHaveLength(50);
    expect(recent[0]).toBe('w70');
    expect(recent[49]).toBe('w119');
    recent.push('mutated');
    expect(warn.recent()).toHaveLength(50);
  });

  it('remembers at most 500 keys: the oldest is forgotten and would log again', () => {
    const lines: string[] = [];
    const warn = createWarnOnce((line) => lines.push(line));
    for (let i = 0; i < 501; i++) warn(`w${i}`);
    expect(warn('w1')).toBe(false);
    expect(warn('w0')).toBe(true);
    expect(lines).toHaveLength(502);
  });

  it.each([
    [{ maxKeys: 2 }, ['a', 'b', 'c', 'a'], ['a', 'b', 'c', 'a']],
    [{ maxKeys: 3 }, ['a', 'b', 'c', 'a'], ['a', 'b', 'c']],
  ])('options %j', (options, input, logged) => {
    const lines: string[] = [];
    const warn = createWarnOnce((line) => lines.push(line), options);
    input.forEach((w) => warn(w));
    expect(lines).toEqual(logged);
  });
});
