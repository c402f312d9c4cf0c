import { describe, expect, it } from 'vitest';
import { widenCsp } from '../../src/proxy/csp.js';
import { rewriteLocation, rewriteResponseHeaders } from '../../src/proxy/response-headers.js';
import { rewriteSetCookie } from '../../src/proxy/set-cookie.js';

/** Production's headers, made to work on http://127.0.0.1:4400: each rule, table-driven. */
describe('rewriteSetCookie (plain-http gateway)', () => {
  it.each([
    ['session=abc; Domain=.shop.example; Path=/; Secure; HttpOnly; SameSite=None', 'session=abc; Path=/; HttpOnly; SameSite=Lax'],
    ['a=1; domain=shop.example; secure', 'a=1'],
    ['a=1; Path=/; SameSite=Strict', 'a=1; Path=/; SameSite=Strict'],
    ['a=1; Partitioned; Secure; SameSite=none', 'a=1; SameSite=Lax'],
    ['a="x;y"; Path=/', 'a="x;y"; Path=/'],
    ['theme=dark; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Max-Age=60', 'theme=dark; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Max-Age=60'],
  ])('%s → %s', (input, expected) => {
    expect(rewriteSetCookie(input, { secureGateway: false })).toBe(expected);
  });

  it.each([
    ['a=1; Domain=x.example; Secure; SameSite=None', 'a=1; Secure; SameSite=None'],
    ['__Host-session=abc; Path=/; Secure; HttpOnly; SameSite=Lax', '__Host-session=abc; Path=/; Secure; HttpOnly; SameSite=Lax'],
    ['__Secure-id=1; Domain=.shop.example; Secure; Partitioned; SameSite=None', '__Secure-id=1; Secure; Partitioned; SameSite=None'],
  ])('on an https gateway keeps Secure, SameSite=None, Partitioned and the prefixes, dropping only Domain: %s', (input, expected) => {
    expect(rewriteSetCookie(input, { secureGateway: true })).toBe(expected);
  });
});

describe('rewriteLocation', () => {
  const upstream = 'https://www.shop.example';
  const gateway = 'http://127.0.0.1:4400';
  it.each([
    ['https://www.shop.example/account?x=1', 'http://127.0.0.1:4400/account?x=1'],
    ['https://www.shop.example', 'http://127.0.0.1:4400'],
    ['http://www.shop.example/login', 'http://127.0.0.1:4400/login'],
    ['//www.shop.example/cart#top', 'http://127.0.0.1:4400/cart#top'],
    ['HTTPS://WWW.SHOP.EXAMPLE/A', 'http://127.0.0.1:4400/A'],
    ['/relative/path', '/relative/path'],
    ['https://login.shop.example/sso', 'https://login.shop.example/sso'],
    ['https://www.shop.example.evil.example/', 'https://www.shop.example.evil.example/'],
  ])('%s → %s', (location, expected) => {
    expect(rewriteLocation(location, upstream, gateway)).toBe(expected);
  });
});

describe('widenCsp', () => {
  const context = {
    upstreamOrigin: 'https://www.shop.example',
    gatewayOrigin: 'http://127.0.0.1:4400',
    localOrigins: ['http://127.0.0.1:3001'],
    secureGateway: false,
  };
  const widened = 'http://127.0.0.1:4400 ws://127.0.0.1:4400 http://127.0.0.1:3001 ws://127.0.0.1:3001';
  it.each([
    ["default-src 'self'", `default-src 'self' ${widened}`],
    ["script-src https://www.shop.example https://cdn.example; img-src *", `script-src https://www.shop.example https://cdn.example ${widened}; img-src *`],
    ["script-src 'nonce-abc' 'strict-dynamic'", "script-src 'nonce-abc' 'strict-dynamic'"],
    ["object-src 'none'", "object-src 'none'"],
    ["default-src 'self'; upgrade-insecure-requests; block-all-mixed-content", `default-src 'self' ${widened}`],
    ["default-src 'self', frame-ancestors 'self'", `default-src 'self' ${widened}, frame-ancestors 'self' ${widened}`],
  ])('%s', (policy, expected) => {
    expect(widenCsp(policy, context)).toBe(expected);
  });
});

describe('rewriteResponseHeaders', () => {
  it("keeps production's names, order and repeats; drops hop-by-hop headers and HSTS", () => {
    const raw = [
      'Content-Type', 'text/html',
      'Set-Cookie', 'a=1; Domain=.shop.example',
      'Connection', 'keep-alive',
      'Strict-Transport-Security', 'max-age=1',
      'Set-Cookie', 'b=2',
      'X-Custom', 'v',
      'Transfer-Encoding', 'chunked',
    ];
    const out = rewriteResponseHeaders(raw, {
      upstreamOrigin: 'https://www.shop.example',
      gatewayOrigin: 'http://127.0.0.1:4400',
      localOrigins: [],
      secureGateway: false,
    });
    expect(out).toEqual(['Content-Type', 'text/html', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'X-Custom', 'v']);
  });
});

describe('over https (the gateway serves TLS)', () => {
  const context = {
    upstreamOrigin: 'https://www.shop.example',
    gatewayOrigin: 'https://localhost:4400',
    localOrigins: ['http://127.0.0.1:3001'],
    secureGateway: true,
  };

  it("keeps cookies as production sent them but for Domain, sends redirects to the https gateway, and still drops HSTS", () => {
    const raw = [
      'Set-Cookie', '__Host-session=abc; Path=/; Secure; HttpOnly; SameSite=Lax',
      'Set-Cookie', 'pay=1; Domain=.shop.example; Path=/; Secure; SameSite=None',
      'Strict-Transport-Security', 'max-age=31536000; includeSubDomains',
      'Location', 'https://www.shop.example/checkout/done?x=1',
    ];
    expect(rewriteResponseHeaders(raw, context)).toEqual([
      'Set-Cookie', '__Host-session=abc; Path=/; Secure; HttpOnly; SameSite=Lax',
      'Set-Cookie', 'pay=1; Path=/; Secure; SameSite=None',
      'Location', 'https://localhost:4400/checkout/done?x=1',
    ]);
  });

  it.each([
    ["default-src 'self'; upgrade-insecure-requests", "default-src 'self' https://localhost:4400 wss://localhost:4400 http://127.0.0.1:3001 ws://127.0.0.1:3001; upgrade-insecure-requests"],
    ["connect-src https://www.shop.example; block-all-mixed-content", 'connect-src https://www.shop.example https://localhost:4400 wss://localhost:4400 http://127.0.0.1:3001 ws://127.0.0.1:3001; block-all-mixed-content'],
    ["script-src 'nonce-abc'", "script-src 'nonce-abc'"],
  ])('CSP: websockets follow the gateway (wss:), mixed-content rules stay: %s', (policy, expected) => {
    expect(widenCsp(policy, context)).toBe(expected);
  });
});
