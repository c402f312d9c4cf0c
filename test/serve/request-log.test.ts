import { describe, expect, it } from 'vitest';
import type { FragmentEnd } from '../../src/compose/events.js';
import { pathOf, requestLogLine } from '../../src/server/request-log.js';

/** serve's JSON request line, built as a string: it must still be one valid JSON object per line. */
describe('requestLogLine', () => {
  const page = { id: 1, url: '/', method: 'GET' };
  const fragment = (over: Partial<FragmentEnd>): FragmentEnd => ({ page, name: 'header', mode: 'prod', src: '/f', url: 'http://p/f', depth: 0, status: 200, durationMs: 12.345, failed: false, ...over });

  it('writes the contract fields, fragments as the page reported them, no query string', () => {
    const line = requestLogLine('GET', '/checkout?token=secret&x=1', 200, 40.06, [
      fragment({}),
      fragment({ name: undefined, mode: 'prod', depth: 0, failed: true, durationMs: 3 }),
      fragment({ name: undefined, depth: 1 }), // nested in an unconfigured include: left out
      fragment({ name: 'footer', mode: 'preview:482', depth: 1, durationMs: 0.04 }),
    ]);
    expect(line).not.toContain('\n');
    expect(line).not.toContain('secret');
    const parsed = JSON.parse(line);
    expect(Date.parse(parsed.time)).toBeGreaterThan(0);
    expect(parsed).toEqual({
      time: parsed.time,
      method: 'GET',
      path: '/checkout',
      status: 200,
      ms: 40.1,
      fragments: [
        { name: 'header', mode: 'prod', ms: 12.3, outcome: 'ok' },
        { name: null, mode: 'prod', ms: 3, outcome: 'error' },
        { name: 'footer', mode: 'preview:482', ms: 0, outcome: 'ok' },
      ],
    });
    expect(JSON.parse(requestLogLine('HEAD', undefined, 0, 1, undefined))).toMatchObject({ method: 'HEAD', path: '/', status: 0, fragments: [] });
  });

  it('escapes what a request writes: quotes, backslashes, control characters (C0, DEL, C1), non-ASCII', () => {
    for (const path of ['/a"b', '/a\\b', '/\u001b[2Jx', '/\u007f', '/\u009b31m', '/caf\u00e9/\u2028/\ud83d\ude00', '/a\nb']) {
      const line = requestLogLine('GET', `${path}?q=1`, 200, 1, undefined);
      expect(line).toMatch(/^[\x20-\x7e]+$/);
      expect(JSON.parse(line).path).toBe(path);
    }
    expect(JSON.parse(requestLogLine('GET', '/', 200, 1, [fragment({ name: 'we"ird\u001b' })])).fragments[0].name).toBe('we"ird\u001b');
  });

  it('pathOf drops the query', () => {
    expect(pathOf('/a/b?c=d?e')).toBe('/a/b');
    expect(pathOf('/a')).toBe('/a');
    expect(pathOf(undefined)).toBe('/');
  });
});
