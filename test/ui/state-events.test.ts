import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateEvents } from '../../src/ui/state-events.js';
import { page, startSite, type FakeSite } from '../fixtures/site.js';
import { startGateway } from '../helpers/gateway.js';
import { listen, request, type TestServer } from '../helpers/servers.js';

describe('StateEvents: coalesced state events', () => {
  it('a burst of changes becomes one event naming every kind; the next waits for the interval', async () => {
    const sent: Array<{ at: number; data: { changes: string[] } }> = [];
    let resolveNext: () => void = () => undefined;
    const events = new StateEvents((event, data) => {
      expect(event).toBe('state');
      sent.push({ at: performance.now(), data: data as { changes: string[] } });
      resolveNext();
    }, { minIntervalMs: 200 });
    const next = () => new Promise<void>((resolve) => (resolveNext = resolve));

    let arrived = next();
    for (let i = 0; i < 50; i++) events.changed('page');
    events.changed('warning');
    await arrived;
    expect(sent).toHaveLength(1);
    expect(sent[0].data.changes.sort()).toEqual(['page', 'warning']);

    arrived = next();
    events.changed('config-error');
    await arrived;
    expect(sent).toHaveLength(2);
    expect(sent[1].data.changes).toEqual(['config-error']);
    // Never sooner than the interval (on the monotonic clock), though a timer may fire a millisecond
    // early (the half millisecond: what the callback itself takes either side).
    expect(sent[1].at - sent[0].at).toBeGreaterThanOrEqual(199.5);
    events.close();
  });

  it('close() drops a pending event', async () => {
    const sent: unknown[] = [];
    const events = new StateEvents(() => sent.push(1), { minIntervalMs: 10 });
    events.changed('page');
    events.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sent).toEqual([]);
  });
});

describe('the event stream through a gateway', () => {
  let site: FakeSite;
  let local: TestServer;
  let gateway: Awaited<ReturnType<typeof startGateway>>;

  beforeAll(async () => {
    site = await startSite({
      '/': page('Home', '<!--#include virtual="/fragments/header" -->'),
      '/fragments/header': '<header>prod header</header>',
    });
    local = await listen((_req, res) => res.end('<header>local header</header>'));
    gateway = await startGateway({ upstream: site.url, fragments: { header: { src: '/fragments/header', local: local.url } }, local: ['header'] });
  });
  afterAll(async () => {
    await gateway.close();
    await local.close();
    await site.close();
  });

  it("says `state` to the dev page's stream when a page was composed; the state carries configError: null", async () => {
    const stream = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(`${gateway.url}/__mfe-dev/events?page=${encodeURIComponent('/__mfe-dev/')}`, resolve).on('error', reject);
    });
    try {
      expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
      let text = '';
      const seen = (pattern: RegExp) =>
        new Promise<void>((resolve) => {
          const check = () => {
            if (pattern.test(text)) {
              stream.off('data', onData);
              resolve();
            }
          };
          const onData = (chunk: Buffer) => {
            text += chunk.toString();
            check();
          };
          stream.on('data', onData);
          check();
        });
      await seen(/event: ready/);
      expect((await request(`${gateway.url}/`)).text).toContain('local header');
      await seen(/event: state\ndata: \{"changes":\[[^\]]*"page"/);

      const state = JSON.parse((await request(`${gateway.url}/__mfe-dev/api/state`)).text) as { configError: unknown };
      expect(state.configError).toBeNull();
      const script = await request(`${gateway.url}/__mfe-dev/dev-page.js`);
      expect(script.status).toBe(200);
      expect(script.headers['content-type']).toMatch(/javascript/);
      expect((await request(`${gateway.url}/__mfe-dev/`)).text).toContain('<script src="/__mfe-dev/dev-page.js" defer></script>');
    } finally {
      stream.destroy();
    }
  });
});
