import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../helpers/gateway.js';
import { listen, rawRequest, type TestServer } from '../helpers/servers.js';

/**
 * A request-target is a path on production, never a URL (issue 8, items 1, 2 and 4). Any web page
 * can send the developer's browser to `http://127.0.0.1:4400//evil.example/`: if the gateway read
 * that as a URL, production's answer (its 404 page, say) would have its includes fetched from the
 * other host, with the browser's cookies, and spliced into a page on the gateway's origin.
 */
describe('request-targets that look like other hosts', () => {
  let upstream: TestServer;
  let elsewhere: TestServer;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  const upstreamPaths: string[] = [];
  const elsewhereRequests: { url: string; cookie: string | undefined }[] = [];
  const gport = () => Number(new URL(gateway.url).port);

  beforeAll(async () => {
    // Production: every path is a 404 page that includes a fragment, relatively and absolutely.
    upstream = await listen((req, res) => {
      upstreamPaths.push(req.url ?? '');
      if (req.url?.endsWith('/frag') || req.url?.endsWith('/rel-frag')) {
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end(`<b>production fragment for ${req.url}</b>`);
      }
      if (req.url === '/moved') {
        res.writeHead(302, { location: `${upstream.url}//127.0.0.1:${elsewhere.port}/x` });
        return res.end();
      }
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<html><body>Not found <!--#include virtual="/frag" --> <esi:include src="rel-frag"/></body></html>');
    });
    // Another host on this machine, standing in for evil.example: it must never be asked anything.
    elsewhere = await listen((req, res) => {
      elsewhereRequests.push({ url: req.url ?? '', cookie: req.headers.cookie });
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<b>EVIL</b>');
    });
    gateway = await startGateway({ upstream: upstream.url });
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
    await elsewhere.close();
  });

  const targets = (port: number) => [
    `//127.0.0.1:${port}/x`,
    `//127.0.0.1:${port}`,
    `///127.0.0.1:${port}/x`,
    `/\\127.0.0.1:${port}/x`,
    `/\\\\127.0.0.1:${port}/x`,
    `//\\127.0.0.1:${port}/x`,
    `//user:pass@127.0.0.1:${port}/x`,
    `//2130706433:${port}/x`,
    `//0x7f000001:${port}/x`,
    `//127.1:${port}/x`,
    `//localhost:${port}/x?q=1`,
    `//127.0.0.1:${port}/x?q=1#frag`,
    `//127.0.0.1:${port}#frag`,
  ];

  it('treats each as a path on production: includes come from production, nothing goes elsewhere', async () => {
    for (const target of targets(elsewhere.port)) {
      const answer = await rawRequest(gport(), `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${gport()}\r\nCookie: sid=secret-session`);
      // Either production's page for that path (composed from production's fragments), or a 400.
      expect([404, 400], target).toContain(answer.status);
      if (answer.status === 404) {
        expect(answer.text, target).toContain('production fragment for /frag');
        expect(answer.text, target).toMatch(/production fragment for \/.*rel-frag/);
      }
      expect(answer.text, target).not.toContain('EVIL');
    }
    expect(elsewhereRequests).toEqual([]);
    expect(upstreamPaths.some((p) => p.startsWith('//') || p.startsWith('/127.0.0.1'))).toBe(true);
  });

  it('follows a production redirect to upstream//host:port/x as a path on production', async () => {
    const redirect = await rawRequest(gport(), `GET /moved HTTP/1.1\r\nHost: 127.0.0.1:${gport()}`);
    const location = /\r\nlocation: ([^\r]+)/i.exec(redirect.text)?.[1] ?? '';
    expect(location).toBe(`${gateway.url}//127.0.0.1:${elsewhere.port}/x`);
    const target = location.slice(gateway.url.length);
    const followed = await rawRequest(gport(), `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${gport()}\r\nCookie: sid=secret-session`);
    expect(followed.text).toContain('production fragment for /frag');
    expect(elsewhereRequests).toEqual([]);
  });

  it('answers targets that are not valid URLs at all', async () => {
    for (const target of ['//a%25zz%/x', '//127.0.0.1%3A1/x', '//[::1/x', '//%/', '/%zz']) {
      const answer = await rawRequest(gport(), `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${gport()}`);
      expect([404, 400], target).toContain(answer.status);
    }
  });

  it('refuses a bracketed Host with anything but a port after the IPv6 literal, without a stack trace', async () => {
    for (const host of ['[::1]evil.example', '[::1]evil.example:80', '[::1]:80x', '[evil.example]', '[::1']) {
      for (const path of ['/', '/__mfe-dev/', '/__mfe-dev/api/state']) {
        const answer = await rawRequest(gport(), `GET ${path} HTTP/1.1\r\nHost: ${host}`);
        expect(answer.status, `${host} ${path}`).toBe(403);
        expect(answer.text).not.toMatch(/\bat .*\.(ts|js):\d+/);
      }
    }
    const ok = await rawRequest(gport(), `GET /__mfe-dev/api/state HTTP/1.1\r\nHost: [::1]:${gport()}`);
    expect(ok.status).toBe(200);
  });
});
