/**
 * A `<fragment>` inside a `<fragment>` (issue 16 item 14): node-tailor 3.9 renders the outer
 * fragment, then the outer element's children as they are — text and elements kept, nested
 * fragments fetched in their place (checked against node-tailor: `<fragment src=a>X<fragment
 * src=b></fragment>Y<i>z</i></fragment>` → `[a]X[b]Y<i>z</i>`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../../helpers/gateway.js';
import { listen, request, type TestServer } from '../../helpers/servers.js';

const pages = new Map<string, string>();
let site: TestServer;
let gateway: Awaited<ReturnType<typeof startGateway>>;

beforeAll(async () => {
  site = await listen((req, res) => {
    const path = req.url ?? '/';
    if (path.startsWith('/f/')) {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(`<b>${path.slice(3)}</b>`);
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(pages.get(path) ?? '');
  });
  // Without `edge`: Tailor's composition; `edge: 'tailor'` also writes Tailor's page runtime
  // around each fragment (test/differential/ compares that with node-tailor).
  gateway = await startGateway({ upstream: site.url });
});
afterAll(async () => {
  await gateway?.close();
  await site?.close();
});

describe('Tailor: nested fragments, as node-tailor renders them', () => {
  const cases: Array<[string, string, string]> = [
    ['a fragment holding only a fragment', '<p><fragment src="/f/a"><fragment src="/f/b"></fragment></fragment></p>', '<p><b>a</b><b>b</b></p>'],
    ['text and elements around the nested one are kept', '<p><fragment src="/f/a">X<fragment src="/f/b"></fragment>Y<i>z</i></fragment>after</p>', '<p><b>a</b>X<b>b</b>Y<i>z</i>after</p>'],
    ['three levels', '<fragment src="/f/a"><fragment src="/f/b"><fragment src="/f/c"></fragment></fragment></fragment>', '<b>a</b><b>b</b><b>c</b>'],
    ['a self-closing one inside', '<fragment src="/f/a"><fragment src="/f/b"/>t</fragment>', '<b>a</b><b>b</b>t'],
  ];
  for (const [name, page, expected] of cases) {
    it(name, async () => {
      const path = `/page-${cases.findIndex((c) => c[0] === name)}`;
      pages.set(path, page);
      const response = await request(gateway.url + path);
      expect(response.text).toBe(expected);
    });
  }
});
