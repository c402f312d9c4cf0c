import { describe, expect, it } from 'vitest';
import { upstreamUrlFor } from '../../src/http/request-target.js';
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
