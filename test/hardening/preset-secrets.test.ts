/**
 * Issue 16 item 7: a preset's header and cookie values (often credentials) never appear in
 * `/__mfe-dev/api/state`, on the dev page, or in the config-reload lines: names are shown, values
 * masked. The preset still sends them to production. (`mfe-dev presets`: test/cli/cli.test.ts.)
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeConfigChanges } from '../../src/config/describe-changes.js';
import { resolveConfig } from '../../src/config/resolve-config.js';
import { startGateway } from '../helpers/gateway.js';
import { listen, request, type TestServer } from '../helpers/servers.js';

const TOKEN = 'Bearer eyJ-s3cr3t-t0ken';
const SESSION = 'sess-0f-the-qa-user';

let production: TestServer;
let seen: http.IncomingHttpHeaders[];
let gateway: Awaited<ReturnType<typeof startGateway>>;

beforeAll(async () => {
  seen = [];
  production = await listen((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html><body>page</body></html>');
  });
  gateway = await startGateway({
    upstream: production.url,
    fragments: {},
    presets: { qa: { description: 'QA user', headers: { authorization: TOKEN, 'x-flag': 'beta-on' }, cookies: { session: SESSION } } },
  });
});
afterAll(async () => {
  await gateway?.close();
  await production?.close();
});

describe('preset secrets', () => {
  it('the state API and the dev page show the names, never the values, with the preset active', async () => {
    const cookie = 'mfe-dev-preset=qa';
    const state = await request(`${gateway.url}/__mfe-dev/api/state`, { headers: { cookie } });
    const page = await request(`${gateway.url}/__mfe-dev/`, { headers: { cookie } });
    for (const text of [state.text, page.text]) {
      expect(text).toContain('authorization');
      expect(text).toContain('session');
      expect(text).toContain('x-flag');
      expect(text).not.toContain('s3cr3t');
      expect(text).not.toContain(SESSION);
      expect(text).not.toContain('beta-on');
    }
    const qa = (JSON.parse(state.text) as { presets: Array<{ name: string; active: boolean; headers: object; cookies: object }> }).presets.find((p) => p.name === 'qa')!;
    expect(qa.active).toBe(true);
    expect(qa.headers).toEqual({ authorization: '(hidden)', 'x-flag': '(hidden)' });
    expect(qa.cookies).toEqual({ session: '(hidden)' });
  });

  it('production still gets them', async () => {
    await request(`${gateway.url}/account`, { headers: { cookie: 'mfe-dev-preset=qa' } });
    const last = seen.at(-1)!;
    expect(last.authorization).toBe(TOKEN);
    expect(last.cookie).toContain(`session=${SESSION}`);
  });

  it('a config reload names the preset field that changed, not its values', async () => {
    const base = { configFile: false as const, upstream: production.url, fragments: {} };
    const before = await resolveConfig({ ...base, presets: { qa: { headers: { authorization: TOKEN } } } });
    const after = await resolveConfig({ ...base, presets: { qa: { headers: { authorization: 'Bearer n3w-s3cr3t' } } } });
    const lines = describeConfigChanges(before, after);
    expect(lines).toEqual(["preset 'qa': headers authorization=(hidden) → authorization=(hidden)"]);
  });
});
