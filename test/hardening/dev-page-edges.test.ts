/**
 * Issue 16 items 16, 17, 18, through a real gateway: a Host with an impossible port is a 400 (no
 * 500 from building a URL of it); nothing under /__mfe-dev/ may be framed by another site; the
 * dev page's links to recent pages stay on the gateway whatever the page's path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../helpers/gateway.js';
import { listen, rawRequest, request, type TestServer } from '../helpers/servers.js';

let production: TestServer;
let gateway: Awaited<ReturnType<typeof startGateway>>;
let port: number;

beforeAll(async () => {
  production = await listen((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html><body>page</body></html>'));
  gateway = await startGateway({ upstream: production.url, fragments: {} });
  port = Number(new URL(gateway.url).port);
});
afterAll(async () => {
  await gateway?.close();
  await production?.close();
});

describe('Host with a port no URL can hold', () => {
  it('is a 400 naming the header, for the dev page, its API and production paths', async () => {
    for (const host of ['127.0.0.1:99999', 'localhost:65536', '[::1]:70000']) {
      for (const path of ['/', '/__mfe-dev/', '/__mfe-dev/api/state', '/x']) {
        const answer = await rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: ${host}`);
        expect(answer.status, `${host} ${path}`).toBe(400);
        expect(answer.text).toContain('port above 65535');
        expect(answer.text).not.toMatch(/internal error|\bat .*\.(ts|js):\d+/);
      }
    }
    const ok = await rawRequest(port, `GET /__mfe-dev/api/state HTTP/1.1\r\nHost: 127.0.0.1:${port}`);
    expect(ok.status).toBe(200);
  });
});

describe('framing', () => {
  it("everything under /__mfe-dev/ says frame-ancestors 'self' and X-Frame-Options SAMEORIGIN; production's pages are untouched", async () => {
    for (const path of ['/__mfe-dev/', '/__mfe-dev/api/state', '/__mfe-dev/nothing-here', '/__mfe-dev/local/none/x.js']) {
      const response = await request(`${gateway.url}${path}`);
      if (path === '/__mfe-dev/') {
        // The dev page has a strict policy of its own: its style by nonce, nothing inline runs.
        const policy = response.headers['content-security-policy'] as string;
        expect(policy).toContain("frame-ancestors 'self'");
        expect(policy).toContain("default-src 'none'");
        const nonce = /'nonce-([^']+)'/.exec(policy)![1];
        expect(response.text).toContain(`<style nonce="${nonce}">`);
      } else {
        expect(response.headers['content-security-policy'], path).toBe("frame-ancestors 'self'");
      }
      expect(response.headers['x-frame-options'], path).toBe('SAMEORIGIN');
    }
    const page = await request(`${gateway.url}/`);
    expect(page.headers['x-frame-options']).toBeUndefined();
    expect(page.headers['content-security-policy']).toBeUndefined();
  });
});

describe('recent-page links', () => {
  it('a page requested as //evil.example/x or /\\evil.example/x links to the gateway, with the same path', async () => {
    for (const target of ['//evil.example/x', '/\\evil.example/y', '/plain']) {
      expect((await rawRequest(port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}`)).status).toBe(200);
    }
    const page = (await request(`${gateway.url}/__mfe-dev/`)).text;
    const hrefs = [...page.matchAll(/<a class="open" href="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
    expect(hrefs.length).toBeGreaterThanOrEqual(3);
    for (const href of hrefs) {
      const resolved = new URL(href, `${gateway.url}/__mfe-dev/`);
      expect(resolved.origin, href).toBe(gateway.url);
    }
    expect(hrefs.map((href) => new URL(href, gateway.url).pathname)).toEqual(expect.arrayContaining(['//evil.example/x', '//evil.example/y', '/plain']));
  });
});
