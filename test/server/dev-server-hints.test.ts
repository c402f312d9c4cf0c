import { describe, expect, it } from 'vitest';
import { isDevServerSocket } from '../../src/overrides/dev-server-sockets.js';
import { looksLikeModuleRequest, suggestedPrefix, usesEvalSourceMaps } from '../../src/server/dev-server-hints.js';
import { comparableHtml } from '../../src/ui/live-reload.js';

describe('isDevServerSocket: the signatures of dev servers’ live-update sockets', () => {
  it.each([
    ['/?token=x', { 'sec-websocket-protocol': 'vite-hmr' }, true],
    ['/assets/header/', { 'sec-websocket-protocol': 'vite-ping' }, true],
    ['/', { 'sec-websocket-protocol': 'chat, vite-hmr' }, true],
    ['/ws', {}, true],
    ['/ws?x=1', {}, true],
    ['/_next/webpack-hmr?page=/', {}, true],
    ['/sockjs-node/123/abc/websocket', {}, true],
    ['/', {}, false],
    ['/ws/chat', {}, false],
    ['/live', { 'sec-websocket-protocol': 'graphql-ws' }, false],
  ])('%s %j → %s', (url, headers, expected) => {
    expect(isDevServerSocket(url, headers)).toBe(expected);
  });
});

describe('looksLikeModuleRequest', () => {
  it.each([
    ['/@vite/client', {}, true],
    ['/src/main.tsx', {}, true],
    ['/node_modules/.vite/deps/react.js', {}, true],
    ['/assets/app.css?v=1', {}, true],
    ['/anything', { 'sec-fetch-dest': 'script' }, true],
    ['/anything', { 'sec-fetch-dest': 'worker' }, true],
    ['/app.js', { 'sec-fetch-dest': 'image' }, false],
    ['/favicon.ico', {}, false],
    ['/api/cart', { 'sec-fetch-dest': 'empty' }, false],
    ['/products/tent', { 'sec-fetch-dest': 'document' }, false],
  ])('%s %j → %s', (url, headers, expected) => {
    expect(looksLikeModuleRequest(url, headers)).toBe(expected);
  });
});

describe('suggestedPrefix', () => {
  it.each([
    ['/@vite/client', '/@vite/'],
    ['/src/components/a.ts?t=1', '/src/'],
    ['/main.js', '/main.js'],
    ['/main.js?v=2', '/main.js'],
  ])('%s → %s', (url, expected) => {
    expect(suggestedPrefix(url)).toBe(expected);
  });

  // A Vite fragment with `base: '/assets/header/'`: suggesting `/assets/` would send production's
  // own `/assets/site.css` to the header's dev server.
  it.each([
    ['/assets/header/src/main.ts', [{ name: 'nav', local: 'http://localhost:5173' }], '/assets/header/'],
    ['/assets/header/@vite/client', [{ name: 'nav', local: 'http://localhost:5173' }], '/assets/header/'],
    ['/static/header/chunk.js', [{ name: 'header', local: 'http://localhost:5173' }], '/static/header/'],
    ['/assets/hdr/x/y.js', [{ name: 'header', local: 'http://localhost:5173/assets/hdr' }], '/assets/hdr/'],
    ['/assets/other.js', [{ name: 'header', local: 'http://localhost:5173/assets/hdr' }], '/assets/'],
  ])('the dev server base: %s → %s', (url, fragments, expected) => {
    expect(suggestedPrefix(url, fragments)).toBe(expected);
  });
});

describe('usesEvalSourceMaps', () => {
  it('recognises webpack’s eval devtools and nothing else', () => {
    expect(usesEvalSourceMaps('eval("console.log(1)\\n\\n//# sourceURL=webpack://cart/./src/cart.js?");')).toBe(true);
    expect(usesEvalSourceMaps("eval('x');//# sourceURL=webpack://app/./a.js")).toBe(true);
    expect(usesEvalSourceMaps('console.log(1);\n//# sourceMappingURL=cart.js.map')).toBe(false);
    expect(usesEvalSourceMaps('const evaluate = eval; evaluate("1")')).toBe(false);
    expect(usesEvalSourceMaps('eval("1") // sourceURL=other://x')).toBe(false);
  });
});

describe('comparableHtml (live reload)', () => {
  it.each([
    ['<script type="module" src="/src/header.js?t=1795703245023"></script>', '<script type="module" src="/src/header.js"></script>'],
    ["<link href='/a.css?v=1&t=1795703245023'>", "<link href='/a.css?v=1'>"],
    ['<script src="/a.js?t=1795703245023&v=1"></script>', '<script src="/a.js?v=1"></script>'],
    ['<script src="/a.js?v=1&amp;t=1795703245023"></script>', '<script src="/a.js?v=1"></script>'],
    // Not a module timestamp: left alone.
    ['<p>t=1795703245023 and ?t=12</p>', '<p>t=1795703245023 and ?t=12</p>'],
    ['<script src="/src/header.js?v=abc123"></script>', '<script src="/src/header.js?v=abc123"></script>'],
  ])("Vite's cache-busting timestamp after a hot update is ignored: %s", (html, expected) => {
    expect(comparableHtml(html)).toBe(expected);
  });
});
