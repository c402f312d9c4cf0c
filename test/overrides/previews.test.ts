import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve-config.js';
import { createIncludePolicy } from '../../src/compose/include-policy.js';
import { parseModePairs } from '../../src/overrides/parse-selection.js';
import { shareLink } from '../../src/overrides/share-link.js';
import { page, startSite, type FakeSite } from '../fixtures/site.js';
import { startGateway } from '../helpers/gateway.js';
import { request } from '../helpers/servers.js';

type Gateway = Awaited<ReturnType<typeof startGateway>>;

/**
 * Previews (`fragments.NAME.previews`, mode `preview:ID`): a request names a branch build by its
 * id, the URL comes from the config. Real servers: production, and a "previews" service that
 * answers for several ids under `/pr-ID` (a path-based template, as loopback has one host).
 */
describe('previews', () => {
  let site: FakeSite;
  let previews: FakeSite;
  let gateway: Gateway;

  afterEach(async () => {
    await Promise.allSettled([gateway?.close(), site?.close(), previews?.close()]);
  });

  async function setup() {
    site = await startSite({
      '/checkout': page('Checkout', '<!--#include virtual="/fragments/header?lang=de" -->|<!--#include virtual="/fragments/footer" -->'),
      '/precomposed': page('Pre', '<header data-fragment="header">PROD-HEADER</header>|end'),
      '/fragments/header': 'PROD-HEADER',
      '/fragments/footer': 'PROD-FOOTER',
    });
    previews = await startSite({
      '/pr-482/fragments/header': { body: (req) => `PR482-HEADER ${req.url} cookie=${req.headers.cookie ?? ''}` },
      '/pr-17/fragments/header': 'PR17-HEADER',
      '/pr-500/fragments/header': { body: 'boom', status: 500 },
    });
    gateway = await startGateway({
      upstream: site.url,
      fragments: {
        header: { src: '/fragments/header', selector: 'header[data-fragment="header"]', previews: `${previews.url}/pr-{id}` },
        footer: { src: '/fragments/footer' },
      },
      presets: { pr482: { description: 'header of PR 482', preview: { header: '482' } } },
    });
  }

  it('serves a preview from every override source, keeping the include path and query, with the cookies', async () => {
    await setup();
    const viaQuery = await request(`${gateway.url}/checkout?mfe-dev=header=preview:482`, { headers: { cookie: 'session=abc' } });
    expect(viaQuery.status).toBe(200);
    expect(viaQuery.text).toContain('PR482-HEADER /pr-482/fragments/header?lang=de cookie=session=abc|PROD-FOOTER');
    // The query sets the cookie, so the choice sticks for the browser.
    expect(String(viaQuery.headers['set-cookie'])).toContain('mfe-dev=header%3Dpreview%3A482');
    expect(viaQuery.headers['server-timing'] ?? viaQuery.trailers['server-timing']).toMatch(/mfe-header;desc="?preview:482/);

    const viaHeader = await request(`${gateway.url}/checkout`, { headers: { 'x-mfe-dev': 'header=preview:17' } });
    expect(viaHeader.text).toContain('PR17-HEADER|PROD-FOOTER');
    const viaCookie = await request(`${gateway.url}/checkout`, { headers: { cookie: 'mfe-dev=header%3Dpreview%3A17' } });
    expect(viaCookie.text).toContain('PR17-HEADER|PROD-FOOTER');
    const viaPreset = await request(`${gateway.url}/checkout?mfe-dev-preset=pr482`);
    expect(viaPreset.text).toContain('PR482-HEADER /pr-482/fragments/header?lang=de');
    // A pre-composed page: the element is replaced by the preview's answer.
    const precomposed = await request(`${gateway.url}/precomposed?mfe-dev=header=preview:17`);
    expect(precomposed.text).toContain('PR17-HEADER|end');
    expect(precomposed.text).not.toContain('PROD-HEADER');
    // Production never saw mfe-dev's parameters; no preview page carries the overlay.
    expect(site.requests.every((r) => !r.path.includes('mfe-dev'))).toBe(true);
    expect(viaQuery.text).not.toContain('/__mfe-dev/overlay.js');
  });

  it('treats a bad id as a malformed pair: a warning, production served, no request made', async () => {
    await setup();
    for (const bad of ['preview:../x', 'preview:UPPER', 'preview:-x', 'preview:', `preview:${'a'.repeat(41)}`, 'preview:a.b.evil.com', 'preview:http://evil']) {
      const before = previews.requests.length;
      const answer = await request(`${gateway.url}/checkout?mfe-dev=${encodeURIComponent(`header=${bad}`)}`);
      expect(answer.status).toBe(200);
      expect(answer.text).toContain('PROD-HEADER');
      expect(previews.requests.length).toBe(before);
    }
    const state = (await request(`${gateway.url}/__mfe-dev/api/state`, { headers: { 'x-mfe-dev': 'header=preview:Nope' } })).text;
    expect(JSON.parse(state).warnings.join('\n')).toMatch(/ignored 'header=preview:Nope'.*preview id/);
  });

  it('shows preview:ID on the dev page state and in the share link', async () => {
    await setup();
    const state = JSON.parse((await request(`${gateway.url}/__mfe-dev/api/state`, { headers: { cookie: 'mfe-dev=header%3Dpreview%3A482' } })).text);
    expect(state.fragments.find((f: { name: string }) => f.name === 'header')).toMatchObject({ mode: 'preview:482', source: 'cookie' });
    expect(state.shareLink).toContain('mfe-dev=header=preview:482');
    expect(shareLink('http://g/', { modes: { header: 'preview:482', footer: 'prod' }, presets: [] })).toBe('http://g/?mfe-dev=footer=prod%7Cheader=preview:482&mfe-dev-preset=');
  });

  it('a failing preview shows the error box naming the fragment, and the page keeps its status', async () => {
    await setup();
    const answer = await request(`${gateway.url}/checkout?mfe-dev=header=preview:500`);
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('data-mfe-dev-error="header"');
    expect(answer.text).toContain('PROD-FOOTER');
    expect(answer.text).not.toContain('PROD-HEADER');
  });

  it('a fragment without previews stays prod with a warning', async () => {
    await setup();
    const answer = await request(`${gateway.url}/checkout`, { headers: { 'x-mfe-dev': 'footer=preview:1' } });
    expect(answer.text).toContain('PROD-FOOTER');
    const state = JSON.parse((await request(`${gateway.url}/__mfe-dev/api/state`, { headers: { 'x-mfe-dev': 'footer=preview:1' } })).text);
    expect(state.warnings.join('\n')).toMatch(/fragment 'footer' has no `previews` URL/);
  });
});

describe('previews: parsing, validation, include policy', () => {
  it('parses preview:ID and refuses anything that is not an id', () => {
    expect(parseModePairs('header=preview:482|footer=PREVIEW:pr-7').pairs).toEqual([
      { name: 'header', mode: 'preview:482' },
      { name: 'footer', mode: 'preview:pr-7' },
    ]);
    const bad = parseModePairs('header=preview:a/b|x=preview:..');
    expect(bad.pairs).toEqual([]);
    expect(bad.problems).toHaveLength(2);
    expect(bad.problems[0]).toContain('never a URL');
  });

  it('rejects bad templates and preset ids with errors that name the key and the fix', async () => {
    const fails = (config: object) => resolveConfig({ configFile: false, upstream: 'https://shop.example', ...config }).then(() => '', (e: Error) => e.message);
    expect(await fails({ fragments: { header: { src: '/h', previews: 'http://header.previews.svc' } } })).toMatch(/`fragments.header.previews` must be a URL with \{id\}.*For example/);
    expect(await fails({ fragments: { header: { src: '/h', previews: 'header-pr-{id}.svc:8080' } } })).toMatch(/`fragments.header.previews` must be an http\(s\) URL/);
    expect(await fails({ fragments: { header: { src: '/h', previews: 'http://h/{id}?x=1' } } })).toMatch(/no query/);
    expect(await fails({ fragments: { header: { src: '/h', previews: 'http://h-{id}' } }, presets: { p: { preview: { header: '../x' } } } })).toMatch(/`presets.p.preview.header` must be a preview id/);
    expect(await fails({ fragments: { header: { src: '/h' } }, presets: { p: { preview: { header: '1' } } } })).toMatch(/`presets.p.preview` names 'header', which has no `previews` URL/);
    expect(await fails({ fragments: { header: { src: '/h', previews: 'http://h-{id}' } }, presets: { p: { preview: { heder: '1' } } } })).toMatch(/not a configured fragment.*header/);
    const ok = await resolveConfig({ configFile: false, upstream: 'https://shop.example', fragments: { header: { src: '/h', previews: 'http://header-pr-{id}.previews.svc.cluster.local:8080/' } } });
    expect(ok.fragments.get('header')!.previews).toBe('http://header-pr-{id}.previews.svc.cluster.local:8080');
  });

  it('lets includes reach preview hosts of any id, and nothing that only looks like one', () => {
    const policy = createIncludePolicy({ upstreamOrigin: 'https://shop.example', localOrigins: [], includeHosts: [], previewTemplates: ['http://header-pr-{id}.previews.svc.cluster.local:8080'] });
    expect(policy(new URL('http://header-pr-482.previews.svc.cluster.local:8080/x'))).toEqual({ fetch: true, cookies: true });
    expect(policy(new URL('http://header-pr-a.evil.com.previews.svc.cluster.local:8080/x')).fetch).toBe(false);
    expect(policy(new URL('http://header-pr-482.previews.svc.cluster.local:8081/x')).fetch).toBe(false);
    expect(policy(new URL('http://header-pr-.previews.svc.cluster.local:8080/x')).fetch).toBe(false);
  });
});
