import { describe, expect, it } from 'vitest';
import { createIncludePolicy } from '../../src/compose/include-policy.js';

const policy = createIncludePolicy({
  upstreamOrigin: 'https://www.shop.example',
  localOrigins: ['http://127.0.0.1:3001'],
  includeHosts: ['https://cdn.shop.example'],
});
const base = new URL('https://www.shop.example/products/1');

describe('include policy: where includes may be fetched from', () => {
  it.each([
    ['/fragments/header', { fetch: true, cookies: true }],
    ['https://www.shop.example/fragments/x', { fetch: true, cookies: true }],
    ['HTTPS://WWW.SHOP.EXAMPLE:443/f', { fetch: true, cookies: true }],
    ['http://127.0.0.1:3001/fragments/header', { fetch: true, cookies: true }],
    ['https://cdn.shop.example/parts/banner', { fetch: true, cookies: false }],
  ])('%s is fetched', (src, expected) => {
    expect(policy(new URL(src, base))).toEqual(expected);
  });

  it.each([
    'https://evil.example/x',
    '//evil.example/x',
    '\\\\evil.example/x',
    '/\\evil.example/x',
    'http://www.shop.example/x', // another scheme is another origin
    'https://www.shop.example:8443/x',
    'https://www.shop.example.evil.example/x',
    'http://127.0.0.1:3002/x',
    'http://localhost:3001/x',
    // An origin that begins with an allowed one is another origin.
    'http://127.0.0.1:30011/x',
    'https://www.shop.example.:443/x',
    'https://cdn.shop.example.evil.example/x',
    'https://www.shop.examples/x',
  ])('%s is not fetched, and the reason names `includeHosts`', (src) => {
    const decision = policy(new URL(src, base));
    expect(decision.fetch).toBe(false);
    expect(decision.fetch === false && decision.reason).toMatch(/add '[^']+' to `includeHosts`/);
  });

  it.each(['https://user:pass@www.shop.example/x', 'https://user@cdn.shop.example/x', 'file:///etc/passwd', 'data:text/html,hi'])('%s is never fetched', (src) => {
    const decision = policy(new URL(src, base));
    expect(decision.fetch).toBe(false);
  });
});
