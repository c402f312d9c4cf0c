import { afterEach, describe, expect, it } from 'vitest';
import { startSite, type FakeSite } from '../../fixtures/site.js';
import { startGateway } from '../../helpers/gateway.js';
import { request } from '../../helpers/servers.js';

/** The ESI language through a real gateway: settings, local fragments, bytes outside the markup. */
describe('ESI through the gateway', () => {
  let site: FakeSite | undefined;
  let local: FakeSite | undefined;
  let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
  afterEach(async () => {
    await Promise.allSettled([gateway?.close(), site?.close(), local?.close()]);
    gateway = site = local = undefined;
  });

  it('diagnostics: a failed include leaves a comment by default and nothing with diagnostics: false', async () => {
    site = await startSite({ '/': 'a<esi:include src="/down"/>b', '/down': { body: 'x', status: 503 } });
    gateway = await startGateway({ upstream: site.url });
    expect((await request(gateway.url + '/', { headers: { accept: 'text/html' } })).text).toBe('a<!-- mfe-dev: include /down failed: HTTP 503 -->b');
    await gateway.close();
    gateway = await startGateway({ upstream: site.url, diagnostics: false });
    expect((await request(gateway.url + '/', { headers: { accept: 'text/html' } })).text).toBe('ab');
  });

  it("edge: 'varnish' leaves ESI 1.0 blocks' tags out and keeps their content; the default evaluates them", async () => {
    const page = '<p><esi:choose><esi:when test="1==2">A</esi:when><esi:otherwise>B</esi:otherwise></esi:choose></p>';
    site = await startSite({ '/': page });
    gateway = await startGateway({ upstream: site.url, edge: 'varnish' });
    expect((await request(gateway.url + '/')).text).toBe('<p>AB</p>');
    await gateway.close();
    gateway = await startGateway({ upstream: site.url });
    expect((await request(gateway.url + '/')).text).toBe('<p>B</p>');
  });

  it('a local fragment is processed as production would process it: its ESI sees the browser request', async () => {
    site = await startSite({ '/': '<div><esi:include src="/fragments/greeting"/></div>', '/fragments/greeting': 'prod' });
    local = await startSite({ '/fragments/greeting': '<esi:vars>Hello, $(HTTP_COOKIE{name}|\'stranger\')</esi:vars>' });
    gateway = await startGateway({ upstream: site.url, overlay: false, fragments: { greeting: { src: '/fragments/greeting', local: local.url } }, local: ['greeting'] });
    expect((await request(gateway.url + '/', { headers: { cookie: 'name=Ada' } })).text).toBe('<div>Hello, Ada</div>');
    expect((await request(gateway.url + '/')).text).toBe('<div>Hello, stranger</div>');
  });

  it('bytes around and between blocks are untouched, UTF-8 values are inserted as UTF-8', async () => {
    const page = '<p>日本 &amp; ü</p><esi:vars>[$(QUERY_STRING{q})]</esi:vars><esi:comment text="x"/><i>ß</i>';
    site = await startSite({ '/': page });
    gateway = await startGateway({ upstream: site.url });
    const response = await request(gateway.url + '/?q=%C3%A9t%C3%A9');
    expect(response.text).toBe('<p>日本 &amp; ü</p>[été]<i>ß</i>');
  });

  it('a block arriving in its own chunk, between others, is composed in place', async () => {
    site = await startSite({
      '/': { body: '', chunks: { pieces: ['<h1>top</h1>', '<esi:choose><esi:when test="1==1"><esi:include src="/slow"/></esi:when></esi:choose>', '<p>end</p>'], gap: 20 } },
      '/slow': { body: 'SLOW', delay: 100 },
    });
    gateway = await startGateway({ upstream: site.url });
    expect((await request(gateway.url + '/')).text).toBe('<h1>top</h1>SLOW<p>end</p>');
  });
});
