import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isUpstreamPath, upstreamUrlFor } from '../../src/http/request-target.js';
import { parseHost } from '../../src/proxy/host-check.js';

describe('upstreamUrlFor: a request-target is a path on upstream', () => {
  const origin = 'https://www.example.com';
  it.each([
    ['/', 'https://www.example.com/'],
    ['/a/b?c=d', 'https://www.example.com/a/b?c=d'],
    ['//evil.example/x', 'https://www.example.com//evil.example/x'],
    ['/\\evil.example/x', 'https://www.example.com//evil.example/x'],
    ['//user:pass@evil.example/', 'https://www.example.com//user:pass@evil.example/'],
    ['//a%25zz%/x', 'https://www.example.com//a%25zz%/x'],
    ['/@evil.example', 'https://www.example.com/@evil.example'],
  ])('%s → %s', (target, href) => {
    expect(upstreamUrlFor(origin, target)?.href).toBe(href);
  });
  it.each(['http://evil.example/', 'evil.example', '*', ''])('%j is not origin-form: undefined', (target) => {
    expect(upstreamUrlFor(origin, target)).toBeUndefined();
  });
});

describe('isUpstreamPath: what upstreamUrlFor accepts, a plain path without a parse', () => {
  it('agrees with upstreamUrlFor on any target, for any upstream', () => {
    const piece = fc.constantFrom('/', '//', '\\', '?', '#', '%', '%2f', '@', ':', '.', '..', 'a', 'evil.example', ' ', '\t', '\n', 'é', '[', ']', '*', 'http:', ';', '=', '&');
    const target = fc.array(piece, { maxLength: 12 }).map((parts) => parts.join(''));
    const upstream = fc.constantFrom('https://www.example.com', 'http://127.0.0.1:8080', 'http://[::1]:3000', 'https://shop.example:8443');
    fc.assert(
      fc.property(upstream, target, (origin, t) => {
        expect(isUpstreamPath(origin, t)).toBe(upstreamUrlFor(origin, t) !== undefined);
      }),
      { numRuns: 5000 },
    );
  });
  it.each(['/a/b?c=d', '//evil.example/x', '/@evil.example'])('%j is a path without a parse', (target) => {
    expect(isUpstreamPath('https://www.example.com', target)).toBe(true);
  });
  it.each(['http://evil.example/', 'evil.example', '*', ''])('%j is not', (target) => {
    expect(isUpstreamPath('https://www.example.com', target)).toBe(false);
  });
});

describe('parseHost', () => {
  it.each([
    ['localhost:4400', 'localhost'],
    ['127.0.0.1', '127.0.0.1'],
    ['[::1]:4400', '::1'],
    ['[::1]', '::1'],
    ['shop.localhost', 'shop.localhost'],
    ['[::1]evil.example', undefined],
    ['[evil.example]', undefined],
    ['[::1', undefined],
    ['evil.example:80:80', undefined],
    ['a b', undefined],
    ['', undefined],
  ])('%j → %j', (header, hostname) => {
    expect(parseHost(header)).toBe(hostname);
  });
});
