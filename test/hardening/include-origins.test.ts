/**
 * Production markup cannot make the gateway connect anywhere (issue 8 item 3): includes are
 * fetched from upstream, configured local services and `includeHosts` only, whatever form the
 * src takes, and the browser's cookies go only where production's edge would send them.
 */
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InlineConfig } from '../../src/config/types.js';
import { page, startSite, type FakeSite } from '../fixtures/site.js';
import { startGateway } from '../helpers/gateway.js';
import { listen, request, type TestServer } from '../helpers/servers.js';

/** A host production's markup points at: it must never be asked, least of all with the cookies. */
let elsewhere: TestServer;
const reached: Array<{ path: string; headers: http.IncomingHttpHeaders }> = [];
let site: FakeSite;
let local: TestServer;
const COOKIE = 'sid=browser-session';

/** Every way of writing "another host" that a URL parser accepts. */
function hostileIncludes(other: string): Record<string, string> {
  const hostPort = other.replace('http://', '');
  return {
    absolute: `<esi:include src="${other}/absolute"/>`,
    protocolRelative: `<esi:include src="//${hostPort}/protocol-relative"/>`,
    backslashes: `<esi:include src="\\\\${hostPort}/backslashes"/>`,
    slashBackslash: `<esi:include src="/\\${hostPort}/slash-backslash"/>`,
    userinfo: `<esi:include src="http://user:pass@${hostPort}/userinfo"/>`,
    mixedCase: `<esi:include src="HtTp://${hostPort}/mixed-case"/>`,
    tab: `<esi:include src="ht\ttp://${hostPort}/tab"/>`,
    esiAlt: `<esi:include src="/missing" alt="${other}/esi-alt"/>`,
    // Tailor takes fallback-src for a 5xx (a 404 fragment's body is rendered, as Tailor does).
    tailorFallback: `<fragment src="/fragments/broken" fallback-src="//${hostPort}/tailor-fallback"></fragment>`,
    ssi: `<!--#include virtual="//${hostPort}/ssi" -->`,
    nested: `<esi:include src="/fragments/nesting"/>`,
    redirect: `<esi:include src="/fragments/redirecting"/>`,
  };
}

beforeAll(async () => {
  elsewhere = await listen((req, res) => {
    reached.push({ path: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<p>ELSEWHERE ${req.url}</p>`);
  });
  local = await listen((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<p>LOCAL got cookie=${req.headers.cookie ?? 'none'}</p>`);
  });
  const includes = hostileIncludes(elsewhere.url);
  site = await startSite({
    '/hostile': page('hostile', Object.values(includes).join('\n') + '\n<esi:include src="/fragments/ok"/>'),
    '/fragments/ok': '<p>OK fragment</p>',
    '/fragments/broken': { body: 'broken', status: 500 },
    '/fragments/nesting': `<div>nesting <esi:include src="${elsewhere.url}/nested"/></div>`,
    // Redirects of fragments are never followed (an edge would not either): the include fails.
    '/fragments/redirecting': { body: '', status: 302, headers: { location: `${elsewhere.url}/redirected` } },
    '/allowed': page('allowed', `<esi:include src="${elsewhere.url}/cdn-part"/><esi:include src="${local.url}/by-origin"/>`),
  });
});

afterAll(async () => {
  await Promise.all([elsewhere?.close(), site?.close(), local?.close()]);
});

async function withGateway(config: Partial<InlineConfig> & Record<string, unknown>, run: (url: string) => Promise<void>) {
  const gateway = await startGateway({ upstream: site.url, overlay: false, ...(config as InlineConfig) });
  try {
    await run(gateway.url);
  } finally {
    await gateway.close();
  }
}

describe('includes that point at another host', () => {
  it('are not fetched, in any form, and the comment names the key that would allow them', async () => {
    reached.length = 0;
    await withGateway({ fragments: { ok: { src: '/fragments/ok' } } }, async (url) => {
      const response = await request(`${url}/hostile`, { headers: { cookie: COOKIE } });
      expect(response.status).toBe(200);
      expect(response.text).toContain('<p>OK fragment</p>');
      expect(response.text).toContain('<div>nesting ');
      expect(response.text).not.toContain('ELSEWHERE');
      const comments = response.text.match(/<!-- mfe-dev: include [^]*?-->/g) ?? [];
      // One comment per hostile include (ESI alt and Tailor fallback: one for the include and its fallback).
      expect(comments.length).toBeGreaterThanOrEqual(Object.keys(hostileIncludes(elsewhere.url)).length);
      const aboutElsewhere = comments.filter((c) => c.includes(String(elsewhere.port)));
      expect(aboutElsewhere.length).toBeGreaterThanOrEqual(Object.keys(hostileIncludes(elsewhere.url)).length - 1);
      for (const comment of aboutElsewhere) {
        if (comment.includes('user:pass@')) expect(comment).toContain('user info');
        else if (comment.includes('/fragments/redirecting')) expect(comment).toContain('HTTP 302');
        else expect(comment).toContain('includeHosts');
      }
    });
    expect(reached).toEqual([]);
  });

  it('listed in `includeHosts` are fetched, without the browser\'s cookies', async () => {
    reached.length = 0;
    await withGateway({ includeHosts: [elsewhere.url] }, async (url) => {
      const response = await request(`${url}/allowed`, { headers: { cookie: COOKIE } });
      expect(response.text).toContain('ELSEWHERE /cdn-part');
    });
    expect(reached.map((r) => r.path)).toEqual(['/cdn-part']);
    expect(reached[0].headers.cookie).toBeUndefined();
  });

  it('on a configured local service are fetched with the cookies (the developer\'s own service)', async () => {
    await withGateway({ fragments: { part: { src: '/fragments/part', local: local.url } } }, async (url) => {
      const response = await request(`${url}/allowed`, { headers: { cookie: COOKIE } });
      expect(response.text).toContain(`LOCAL got cookie=${COOKIE}`);
    });
  });

  it('`includeHosts` must be origins: the error names the key, the value and the fix', async () => {
    await expect(startGateway({ upstream: site.url, ...({ includeHosts: ['cdn.example.com'] } as object) })).rejects.toThrow(
      /`includeHosts\[0\]` must be an http\(s\) URL, got 'cdn\.example\.com'\. Did you mean 'https:\/\/cdn\.example\.com'/,
    );
    await expect(startGateway({ upstream: site.url, ...({ includeHosts: ['https://cdn.example.com/header/'] } as object) })).rejects.toThrow(
      /`includeHosts\[0\]` must be an origin/,
    );
  });
});
