import { describe, expect, it } from 'vitest';
import { createWarnOnce } from '../../src/warn-once.js';

describe('createWarnOnce', () => {
  it('withdraws a warning whose cause is gone, and logs it again if it comes back', () => {
    const logged: string[] = [];
    const warn = createWarnOnce((line) => logged.push(line));
    warn('eval in cart.js', { key: 'eval:cart:/cart.js' });
    warn('something else');
    expect(warn.recent()).toEqual(['eval in cart.js', 'something else']);
    expect(warn.resolve('eval:cart:/cart.js')).toBe(1);
    expect(warn.recent()).toEqual(['something else']);
    warn('eval in cart.js', { key: 'eval:cart:/cart.js' });
    expect(logged).toEqual(['eval in cart.js', 'something else', 'eval in cart.js']);
    expect(warn.resolve('eval:*')).toBe(1);
  });

  it("caps a flood of requests' own text and sums up the rest, off the shared list", () => {
    const logged: string[] = [];
    let now = 0;
    const warn = createWarnOnce((line) => logged.push(line), { requestBurst: 5, requestWindowMs: 60_000, now: () => now });
    for (let i = 0; i < 200; i++) warn(`ignored unknown fragment 'spam-${i}'`, { group: 'request' });
    expect(logged).toHaveLength(5);
    expect(warn.recent()).toEqual([]);
    now = 61_000;
    warn("ignored unknown fragment 'later'", { group: 'request' });
    expect(logged.slice(5)).toEqual([
      "195 more warning(s) about requests' override values were not shown (at most 5 a minute; the dev page shows each browser its own).",
      "ignored unknown fragment 'later'",
    ]);
  });
});
