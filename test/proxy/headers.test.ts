import { describe, expect, it } from 'vitest';
import { needsScriptNonce, scriptNonce, widenCsp } from '../../src/proxy/csp.js';
import { stampScriptNonce } from '../../src/compose/script-nonce.js';
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
  // The local service in both loopback spellings; for sockets also as ws:, and the gateway's socket.
  const local = 'http://127.0.0.1:3001 http://localhost:3001';
  const sockets = `${local} ws://127.0.0.1:3001 ws://localhost:3001 ws://127.0.0.1:4400`;
  const workers = (sources: string) => `worker-src ${sources} ${local} blob:`;
  it.each([
    // Only default-src: it stays as sent; script-src, connect-src and worker-src are added as copies plus what the local service needs.
    ["default-src 'self'", `default-src 'self'; script-src 'self' ${local}; connect-src 'self' ${sockets}; ${workers("'self'")}`],
    ["default-src 'self';", `default-src 'self'; script-src 'self' ${local}; connect-src 'self' ${sockets}; ${workers("'self'")};`],
    // Production's origin named instead of 'self': the gateway stands beside it, in every directive (img-src too); local origins only where scripts, sockets and workers need them.
    ["script-src https://www.shop.example https://cdn.example; img-src https://www.shop.example", `script-src https://www.shop.example https://cdn.example http://127.0.0.1:4400 ${local}; img-src https://www.shop.example http://127.0.0.1:4400; ${workers('https://www.shop.example https://cdn.example http://127.0.0.1:4400')}`],
    // The shop's policy.
    ["default-src 'self'; script-src 'self' https://cdn.nordwind.example; connect-src 'self'; img-src 'self' data:", `default-src 'self'; script-src 'self' https://cdn.nordwind.example ${local}; connect-src 'self' ${sockets}; img-src 'self' data:; ${workers("'self' https://cdn.nordwind.example")}`],
    // Never widened for local services: styles, images, fonts, base-uri, form-action, frame-ancestors, object-src.
    ["default-src 'none'; style-src 'self'; img-src 'self'; font-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'; object-src 'self'", "default-src 'none'; style-src 'self'; img-src 'self'; font-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'; object-src 'self'"],
    // script-src-elem is what script elements obey: widened beside script-src.
    ["script-src 'self'; script-src-elem 'self' https://cdn.example", `script-src 'self' ${local}; script-src-elem 'self' https://cdn.example ${local}; ${workers("'self'")}`],
    ["default-src 'self'; script-src-elem 'self'", `default-src 'self'; script-src-elem 'self' ${local}; connect-src 'self' ${sockets}; ${workers("'self'")}`],
    // child-src comes before script-src in the worker fallback order.
    ["child-src 'self'; script-src 'self'", `child-src 'self'; script-src 'self' ${local}; ${workers("'self'")}`],
    ["worker-src 'self'; script-src 'self'", `worker-src 'self' ${local} blob:; script-src 'self' ${local}`],
    // Nonces and 'strict-dynamic': host sources would be ignored, so none are added (the scripts carry the nonce).
    ["script-src 'nonce-abc' 'strict-dynamic'", "script-src 'nonce-abc' 'strict-dynamic'"],
    ["script-src 'nonce-abc' 'strict-dynamic' 'self' https:; connect-src 'self'", `script-src 'nonce-abc' 'strict-dynamic' 'self' https:; connect-src 'self' ${sockets}; ${workers("'nonce-abc' 'strict-dynamic' 'self' https:")}`],
    ["script-src 'self' 'nonce-abc'", `script-src 'self' 'nonce-abc' ${local}; ${workers("'self' 'nonce-abc'")}`],
    ["worker-src 'none'; default-src 'self'", `worker-src 'none'; default-src 'self'; script-src 'self' ${local}; connect-src 'self' ${sockets}`],
    ["object-src 'none'", "object-src 'none'"],
    // 'unsafe-eval' is never added (webpack's eval source maps get a terminal hint instead).
    ["script-src 'self'", `script-src 'self' ${local}; ${workers("'self'")}`],
    ["default-src 'self'; upgrade-insecure-requests; block-all-mixed-content", `default-src 'self'; script-src 'self' ${local}; connect-src 'self' ${sockets}; ${workers("'self'")}`],
    // Several policies in one header: each is widened on its own.
    ["connect-src 'self', frame-ancestors 'self'", `connect-src 'self' ${sockets}, frame-ancestors 'self'`],
    // report-uri is no source list: production's reporting endpoint stays production's.
    ["connect-src 'self'; report-uri https://www.shop.example/", `connect-src 'self' ${sockets}; report-uri https://www.shop.example/`],
  ])('%s', (policy, expected) => {
    expect(widenCsp(policy, context)).toBe(expected);
  });

  it('production named with a path: the gateway with the same path; base-uri and form-action get the gateway (production renamed), never a local service', () => {
    expect(widenCsp('img-src https://www.shop.example/static/; base-uri https://www.shop.example; form-action www.shop.example', context)).toBe(
      'img-src https://www.shop.example/static/ http://127.0.0.1:4400/static/; base-uri https://www.shop.example http://127.0.0.1:4400; form-action www.shop.example http://127.0.0.1:4400',
    );
  });

  it("a local fragment's CDN asset origin (served by the gateway in local mode) gets the gateway where production allows the CDN", () => {
    const out = widenCsp("default-src 'self'; style-src https://cdn.example.com; img-src https://cdn.example.com https://img.example", { ...context, assetOrigins: ['https://cdn.example.com'] });
    expect(out).toContain('style-src https://cdn.example.com http://127.0.0.1:4400;');
    expect(out).toContain('img-src https://cdn.example.com https://img.example http://127.0.0.1:4400;');
    expect(out).not.toMatch(/(style|img)-src[^;]*3001/);
  });

  it("allows a local service configured as localhost under 127.0.0.1 too; other hosts keep their one spelling", () => {
    const out = widenCsp("connect-src 'self'", { ...context, localOrigins: ['http://localhost:5173', 'http://dev.internal:8080'] });
    expect(out).toBe("connect-src 'self' http://localhost:5173 http://127.0.0.1:5173 http://dev.internal:8080 ws://localhost:5173 ws://127.0.0.1:5173 ws://dev.internal:8080 ws://127.0.0.1:4400");
  });

  it('without local services only production is renamed: nothing is added to a policy of \'self\'', () => {
    expect(widenCsp("default-src 'self'", { ...context, localOrigins: [] })).toBe("default-src 'self'");
    expect(widenCsp('default-src https://www.shop.example', { ...context, localOrigins: [] })).toBe('default-src https://www.shop.example http://127.0.0.1:4400 ws://127.0.0.1:4400');
  });
});

describe("a nonce of the gateway's where production locks scripts by hash or 'strict-dynamic' alone", () => {
  const context = { upstreamOrigin: 'https://www.shop.example', gatewayOrigin: 'http://127.0.0.1:4400', localOrigins: ['http://127.0.0.1:3001'], secureGateway: false, addScriptNonce: 'gw' };
  it.each([
    ["script-src 'sha256-abc=' 'strict-dynamic'", true],
    ["script-src 'self' 'sha384-abc='", true],
    ["script-src-elem 'strict-dynamic'", true],
    ["script-src 'nonce-n' 'strict-dynamic'", false],
    ["script-src 'self' 'unsafe-inline'", false],
    ["default-src 'self' 'sha256-abc='", false],
    // Two policies (two headers, joined by Node): the nonce of the one goes to the other too.
    ["script-src 'nonce-n' 'strict-dynamic', script-src 'sha256-abc='", true],
    [undefined, false],
  ])('%s needs one: %s', (policy, needed) => {
    expect(needsScriptNonce(policy)).toBe(needed);
  });

  it("adds it to the script directives only, and leaves 'unsafe-inline' policies alone", () => {
    expect(widenCsp("script-src 'sha256-abc=' 'strict-dynamic'; style-src 'sha256-def='", context)).toBe("script-src 'sha256-abc=' 'strict-dynamic' 'nonce-gw'; style-src 'sha256-def='");
    expect(widenCsp("script-src 'self' 'unsafe-inline'", context)).not.toContain('nonce');
  });
});

describe('Content-Security-Policy-Report-Only', () => {
  it('is rewritten by the same narrow rules as the enforced policy', () => {
    const raw = ['Content-Security-Policy-Report-Only', "default-src 'self'; img-src 'self'; base-uri 'self'"];
    const out = rewriteResponseHeaders(raw, { upstreamOrigin: 'https://www.shop.example', gatewayOrigin: 'http://127.0.0.1:4400', localOrigins: ['http://127.0.0.1:3001'], secureGateway: false });
    expect(out[1]).toBe(widenCsp(raw[1], { upstreamOrigin: 'https://www.shop.example', gatewayOrigin: 'http://127.0.0.1:4400', localOrigins: ['http://127.0.0.1:3001'], secureGateway: false }));
    expect(out[1]).toMatch(/^default-src 'self'; img-src 'self'; base-uri 'self'; script-src 'self' http:\/\/127\.0\.0\.1:3001/);
  });
});

describe('scriptNonce', () => {
  it.each([
    ["script-src 'nonce-abc' 'strict-dynamic'", 'abc'],
    ["style-src 'nonce-style'; script-src 'nonce-script'", 'script'],
    ["script-src-elem 'nonce-elem'; script-src 'nonce-other'", 'elem'],
    ["default-src 'nonce-d'", 'd'],
    ["script-src 'self'; default-src 'nonce-d'", undefined],
    ["style-src 'nonce-style'", undefined],
    ["img-src 'self', script-src 'nonce-second'", 'second'],
  ])('%s → %s', (policy, nonce) => {
    expect(scriptNonce(policy)).toBe(nonce);
  });
});

describe('stampScriptNonce', () => {
  it.each([
    ['<script type="module" src="/a.js"></script>', '<script type="module" src="/a.js" nonce="n0nce"></script>'],
    ['<SCRIPT>x()</SCRIPT><p>', '<SCRIPT nonce="n0nce">x()</SCRIPT><p>'],
    ['<script nonce="dev-server" src=a.js></script>', '<script src=a.js nonce="n0nce"></script>'],
    ['<script data-x="a>b" nonce></script>', '<script data-x="a>b" nonce="n0nce"></script>'],
    ['<scripts><noscript>x</noscript><style>a{}</style>', '<scripts><noscript>x</noscript><style>a{}</style>'],
  ])('%s', (body, expected) => {
    expect(stampScriptNonce(Buffer.from(body), 'n0nce').toString()).toBe(expected);
  });

  it.each([
    // A `<script` inside a script's own text is JavaScript, not a tag.
    ['<script>document.write("<script src=x></" + "script>")</script><script src=b.js></script>', '<script nonce="n0nce">document.write("<script src=x></" + "script>")</script><script src=b.js nonce="n0nce"></script>'],
    ['<script src="a>b.js" data-x=\'y>z\'></script>', '<script src="a>b.js" data-x=\'y>z\' nonce="n0nce"></script>'],
    ['<p>text <script', '<p>text <script'],
  ])('as the HTML tokenizer reads it: %s', (body, expected) => {
    expect(stampScriptNonce(Buffer.from(body), 'n0nce').toString()).toBe(expected);
  });

  it('stays linear on hostile input', () => {
    for (const body of ['<script '.repeat(100_000), '<script a="'.repeat(100_000), `<script>${'<script>'.repeat(100_000)}`]) {
      const started = performance.now();
      stampScriptNonce(Buffer.from(body), 'n0nce');
      // Linear: milliseconds; the old regex took minutes here. A wide margin for a loaded machine.
      expect(performance.now() - started).toBeLessThan(5000);
    }
  });

  it('never lets a nonce break out of its quotes', () => {
    expect(stampScriptNonce(Buffer.from('<script></script>'), 'a"><img src=x onerror=alert(1)>').toString()).toBe('<script nonce="aimgsrc=xonerror=alert1"></script>');
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
    ["default-src https://www.shop.example; upgrade-insecure-requests", 'connect-src', 'upgrade-insecure-requests'],
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
