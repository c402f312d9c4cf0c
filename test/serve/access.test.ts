import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { safeNext } from '../../src/server/access.js';
import { page, startSite, type FakeSite } from '../fixtures/site.js';
import { request } from '../helpers/servers.js';
import { serveRefusal, startServe, tempDir, type ServeProcess } from './serve-process.js';

/**
 * `mfe-dev serve`'s access (contract, "Access"), with the real CLI: production and a fragment
 * service on loopback that record every request, so "nothing reached them" is checked for real.
 */
const TOKEN = 'team-token-0123456789abcdef';
const ENV_TOKEN = 'secret-from-env-0123456789';

describe('mfe-dev serve: access', () => {
  let site: FakeSite;
  let fragments: FakeSite;
  let serve: ServeProcess | undefined;
  const dirs: string[] = [];

  afterEach(async () => {
    await Promise.allSettled([serve?.stop(), site?.close(), fragments?.close()]);
    serve = undefined;
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function start(serveConfig: object | undefined, env: NodeJS.ProcessEnv = {}) {
    site = await startSite({
      '/checkout': page('Checkout', '<!--#include virtual="/fragments/header" -->|body'),
      '/fragments/header': 'PROD-HEADER',
    });
    fragments = await startSite({ '/pr-482/fragments/header': { body: (req) => `PREVIEW cookie=${req.headers.cookie ?? ''} auth=${req.headers.authorization ?? ''}` } });
    const dir = tempDir();
    dirs.push(dir);
    const file = path.join(dir, 'mfe-dev.config.json');
    const config = { upstream: site.url, fragments: { header: { src: '/fragments/header', previews: `${fragments.url}/pr-{id}` } }, ...(serveConfig && { serve: serveConfig }) };
    fs.writeFileSync(file, JSON.stringify(config));
    return { file, start: () => startServe(['--config', file], env) };
  }

  /** Readiness probes upstream once at start: wait for it, so what production sees later is the test's. */
  async function ready(gateway: ServeProcess) {
    for (let i = 0; i < 100 && (await request(`${gateway.url}/__mfe-dev/readyz`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
  }

  it('refuses to start without serve.auth, naming it', async () => {
    const { file } = await start(undefined);
    const refused = await serveRefusal(['--config', file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('`serve.auth`');
    expect(refused.stderr).toMatch(/tokens.*trustedHeader.*false/s);
  });

  it('tokens: 401 before anything reaches production; bearer, login cookie, MFE_DEV_TOKENS; credentials never forwarded or logged', async () => {
    const setup = await start({ auth: { tokens: [TOKEN] } }, {});
    serve = await startServe(['--config', setup.file], { MFE_DEV_TOKENS: ` ${ENV_TOKEN} ` });
    await ready(serve);

    // Without access: 401, and neither production nor the preview service saw a request.
    const before = site.requests.length;
    for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789' }, { cookie: 'mfe-dev-auth=forged' }, { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }]) {
      const refused = await request(`${serve.url}/checkout?mfe-dev=header=preview:482`, { headers: { accept: 'text/html', ...headers } });
      expect(refused.status).toBe(401);
      expect(refused.headers['www-authenticate']).toContain('Bearer');
      expect(refused.text).toContain('/__mfe-dev/login?token=');
    }
    expect((await request(`${serve.url}/__mfe-dev/api/state`)).status).toBe(401);
    expect(site.requests.length).toBe(before);
    expect(fragments.requests.length).toBe(0);

    // Bearer tokens from the config and from MFE_DEV_TOKENS; the token goes no further.
    for (const token of [TOKEN, ENV_TOKEN]) {
      const ok = await request(`${serve.url}/checkout?mfe-dev=header=preview:482`, { headers: { authorization: `Bearer ${token}`, cookie: 'session=s1' } });
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('PREVIEW cookie=session=s1 auth=|body');
    }
    expect(site.requests.every((r) => r.headers.authorization === undefined)).toBe(true);

    // The login link: a cookie (an HMAC, not the token), then `next` on the gateway.
    const login = await request(`${serve.url}/__mfe-dev/login?token=${TOKEN}&next=${encodeURIComponent('/checkout?x=1')}`);
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/checkout?x=1');
    const setCookie = String(login.headers['set-cookie']);
    expect(setCookie).toMatch(/^mfe-dev-auth=[\w-]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/);
    expect(setCookie).not.toContain(TOKEN);
    const cookie = setCookie.split(';')[0];
    const withCookie = await request(`${serve.url}/checkout`, { headers: { cookie: `a=1; ${cookie}; b=2`, 'x-mfe-dev': 'header=preview:482' } });
    expect(withCookie.status).toBe(200);
    expect(withCookie.text).toContain('PREVIEW cookie=a=1; b=2 auth=');
    expect(site.requests.every((r) => !String(r.headers.cookie ?? '').includes('mfe-dev-auth'))).toBe(true);
    // `next` never leaves the gateway; a wrong token gets no cookie.
    for (const next of ['//evil.example/x', 'https://evil.example', '/\\evil.example', 'checkout']) {
      expect((await request(`${serve.url}/__mfe-dev/login?token=${TOKEN}&next=${encodeURIComponent(next)}`)).headers.location).toBe('/');
    }
    const wrong = await request(`${serve.url}/__mfe-dev/login?token=nope&next=/checkout`);
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();

    // Probes and metrics need no access.
    expect((await request(`${serve.url}/__mfe-dev/healthz`)).status).toBe(200);
    expect((await request(`${serve.url}/__mfe-dev/metrics`)).text).toContain('mfe_dev_requests_total');

    // Logs: one JSON line per request, never a token, a cookie value or a query.
    await serve.waitFor(() => serve!.lines().filter((l) => l.path === '/checkout').length >= 3, 'logging the pages');
    const output = serve.stdout() + serve.stderr();
    for (const secret of [TOKEN, ENV_TOKEN, cookie.split('=')[1], 'session=s1', 's1;', 'x=1']) expect(output).not.toContain(secret);
    const line = serve.lines().find((l) => l.path === '/checkout' && l.status === 200)!;
    expect(line).toMatchObject({ method: 'GET', status: 200, fragments: [{ name: 'header', mode: 'preview:482', outcome: 'ok' }] });
    expect(typeof line.time).toBe('string');
    expect(typeof line.ms).toBe('number');
    expect(serve.lines().some((l) => l.status === 401)).toBe(true);
  });

  it('trusted header: counts only from trustedProxies', async () => {
    const trusted = await start({ auth: { trustedHeader: 'x-forwarded-email', trustedProxies: ['127.0.0.0/8'] } });
    serve = await startServe(['--config', trusted.file]);
    expect((await request(`${serve.url}/checkout`, { headers: { 'x-forwarded-email': 'ada@example.com' } })).status).toBe(200);
    expect((await request(`${serve.url}/checkout`)).status).toBe(401);
    await serve.stop();
    await Promise.all([site.close(), fragments.close()]);

    const elsewhere = await start({ auth: { trustedHeader: 'x-forwarded-email', trustedProxies: ['10.0.0.0/8', 'fd00::/8'] } });
    serve = await startServe(['--config', elsewhere.file]);
    await ready(serve);
    const before = site.requests.length;
    expect((await request(`${serve.url}/checkout`, { headers: { 'x-forwarded-email': 'mallory@example.com' } })).status).toBe(401);
    expect(site.requests.length).toBe(before);
  });

  it('in serve, the dev page keeps nothing of one browser for another', async () => {
    const setup = await start({ auth: false });
    serve = await startServe(['--config', setup.file]);
    // Someone else's page, with a private query and a bad override that quotes it.
    await request(`${serve.url}/checkout?order=4711-private&mfe-dev=header=oops-4711`);
    const state = JSON.parse((await request(`${serve.url}/__mfe-dev/api/state`)).text);
    expect(state.recentPages).toEqual([]);
    expect(state.shadow).toEqual([]);
    expect(JSON.stringify(state)).not.toContain('4711');
    const mine = JSON.parse((await request(`${serve.url}/__mfe-dev/api/state?mfe-dev=header=mine-1`)).text);
    expect(mine.warnings.join('\n')).toContain('mine-1');
    expect(JSON.stringify(mine.warnings)).not.toContain('4711');
    expect(JSON.parse((await request(`${serve.url}/__mfe-dev/api/shadow`)).text).recent).toEqual([]);
  });

  it('keeps `next` on the gateway', () => {
    expect(safeNext('/a/b?c=d#e')).toBe('/a/b?c=d#e');
    for (const bad of [null, '', 'a', '//x', '/\\x', 'http://x/', '/%0d%0aSet-Cookie:x'.replace('%0d%0a', '\r\n'), 'javascript:alert(1)']) expect(safeNext(bad)).toBe('/');
  });
});
