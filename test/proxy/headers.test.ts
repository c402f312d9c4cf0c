import { describe, expect, it } from 'vitest';
import { widenCsp } from '../../src/proxy/csp.js';
import { rewriteLocation, rewriteResponseHeaders } from '../../src/proxy/response-headers.js';
import { keepsSecureCookies, rewriteSetCookie } from '../../src/proxy/set-cookie.js';

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
    ['http://127.0.0.1:4400', true],
    ['http://127.3.2.1:80', true],
    ['http://localhost:4400', true],
    ['http://LOCALHOST:4400', true],
    ['http://shop.localhost:4400', true],
    ['http://[::1]:4400', true],
    ['https://local.example.com:4400', true],
    ['http://local.example.com:4400', false],
    ['http://localhost.example.com:4400', false],
    ['http://127.0.0.1.example.com:4400', false],
    ['http://192.168.1.20:4400', false],
    ['http://0.0.0.0:4400', false],
    ['not a url', false],
  ])('keepsSecureCookies(%s) is %s: browsers keep Secure cookies on https and on loopback names', (origin, expected) => {
    expect(keepsSecureCookies(origin)).toBe(expected);
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
  // The gateway, and the local service in both loopback spellings, for http and websockets.
  const widened = 'http://127.0.0.1:4400 ws://127.0.0.1:4400 http://127.0.0.1:3001 ws://127.0.0.1:3001 http://localhost:3001 ws://localhost:3001';
  const workers = (sources: string) => `worker-src ${sources} ${widened} blob:`;
  it.each([
    ["default-src 'self'", `default-src 'self' ${widened}; ${workers("'self'")}`],
    ["default-src 'self';", `default-src 'self' ${widened}; ${workers("'self'")};`],
    ["script-src https://www.shop.example https://cdn.example; img-src *", `script-src https://www.shop.example https://cdn.example ${widened}; img-src *; ${workers('https://www.shop.example https://cdn.example')}`],
    // The shop's policy: workers fall back to script-src, which gets its own worker-src copy.
    ["default-src 'self'; script-src 'self' https://cdn.nordwind.example; connect-src 'self'", `default-src 'self' ${widened}; script-src 'self' https://cdn.nordwind.example ${widened}; connect-src 'self' ${widened}; ${workers("'self' https://cdn.nordwind.example")}`],
    // child-src comes before script-src in the fallback order.
    ["child-src 'self'; script-src 'self'", `child-src 'self' ${widened}; script-src 'self' ${widened}; ${workers("'self'")}`],
    ["worker-src 'self'; script-src 'self'", `worker-src 'self' ${widened} blob:; script-src 'self' ${widened}`],
    ["script-src 'nonce-abc' 'strict-dynamic'", "script-src 'nonce-abc' 'strict-dynamic'"],
    ["worker-src 'none'; default-src 'self'", `worker-src 'none'; default-src 'self' ${widened}`],
    ["object-src 'none'", "object-src 'none'"],
    // 'unsafe-eval' is never added (webpack's eval source maps get a terminal hint instead).
    ["script-src 'self'", `script-src 'self' ${widened}; ${workers("'self'")}`],
    ["default-src 'self'; upgrade-insecure-requests; block-all-mixed-content", `default-src 'self' ${widened}; ${workers("'self'")}`],
    ["default-src 'self', frame-ancestors 'self'", `default-src 'self' ${widened}; ${workers("'self'")}, frame-ancestors 'self' ${widened}`],
  ])('%s', (policy, expected) => {
    expect(widenCsp(policy, context)).toBe(expected);
  });

  it("allows a local service configured as localhost under 127.0.0.1 too; other hosts keep their one spelling", () => {
    const out = widenCsp("connect-src 'self'", { ...context, localOrigins: ['http://localhost:5173', 'http://dev.internal:8080'] });
    expect(out).toBe("connect-src 'self' http://127.0.0.1:4400 ws://127.0.0.1:4400 http://localhost:5173 ws://localhost:5173 http://127.0.0.1:5173 ws://127.0.0.1:5173 http://dev.internal:8080 ws://dev.internal:8080");
  });

  it('adds no blob: workers when no local service is configured', () => {
    expect(widenCsp("default-src 'self'", { ...context, localOrigins: [] })).toBe("default-src 'self' http://127.0.0.1:4400 ws://127.0.0.1:4400");
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
    ["default-src 'self'; upgrade-insecure-requests", 'default-src', 'upgrade-insecure-requests'],
    ['connect-src https://www.shop.example; block-all-mixed-content', 'connect-src', 'block-all-mixed-content'],
  ])('CSP: websockets follow the gateway (wss:), mixed-content rules stay: %s', (policy, directive, mixedContent) => {
    const directives = widenCsp(policy, context).split(';').map((d) => d.trim());
    const widened = directives.find((d) => d.startsWith(directive))!.split(/\s+/);
    expect(widened).toEqual(expect.arrayContaining(['https://localhost:4400', 'wss://localhost:4400', 'http://127.0.0.1:3001', 'ws://127.0.0.1:3001']));
    expect(widened).not.toContain('ws://localhost:4400');
    expect(directives).toContain(mixedContent);
  });

  it("CSP: a nonce-only policy stays exactly as production sent it", () => {
    expect(widenCsp("script-src 'nonce-abc'", context)).toBe("script-src 'nonce-abc'");
  });
});
