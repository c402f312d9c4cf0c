/**
 * Issue 16, item 5: live reload asks the local fragments of open pages for their HTML every
 * second. Those requests have the fragment requests' size cap (`maxFragmentSize`) and deadline
 * (the fragment's `timeout`): a local service streaming an endless body, or dripping one
 * forever, has its connection closed, and the gateway's memory stays bounded.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway } from '../helpers/gateway.js';
import { listen, request } from '../helpers/servers.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Served {
  bytes: number;
  closed: boolean;
}

/** A fragment service whose body never ends: as fast as the reader takes it, or a drip. */
async function endlessService(mode: 'flood' | 'drip') {
  const served: Served[] = [];
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const service = await listen((req, res) => {
    const record: Served = { bytes: 0, closed: false };
    served.push(record);
    res.writeHead(200, { 'content-type': 'text/html' });
    res.write('<header data-fragment="header">');
    let timer: NodeJS.Timeout | undefined;
    res.on('close', () => {
      record.closed = true;
      clearTimeout(timer);
    });
    const flood = () => {
      while (!res.destroyed && record.bytes < 4 * 1024 ** 3) {
        record.bytes += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', flood);
      }
    };
    const drip = () => {
      if (res.destroyed) return;
      record.bytes += 4;
      res.write('<b>');
      timer = setTimeout(drip, 50);
    };
    if (mode === 'flood') flood();
    else drip();
  });
  cleanups.push(() => service.close());
  return { service, served };
}

/** Opens the live-reload stream of `page` as the overlay does; returns how to close it. */
function listenForReloads(gatewayUrl: string, page: string): () => void {
  const req = http.get(`${gatewayUrl}/__mfe-dev/events?page=${encodeURIComponent(page)}`);
  req.on('error', () => undefined);
  return () => req.destroy();
}

describe('live reload requests to local fragments are bounded (issue 16, item 5)', { timeout: 60_000 }, () => {
  for (const mode of ['flood', 'drip'] as const) {
    it(`a local fragment with an endless body (${mode}): every live-reload request is closed within the deadline, after at most the size cap`, async () => {
      const { service, served } = await endlessService(mode);
      const maxFragmentSize = 256 * 1024;
      const gateway = await startGateway({
        upstream: (await listen((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body><!--#include virtual="/fragments/header" --></body></html>'))).url,
        fragments: { header: { src: '/fragments/header', local: service.url, timeout: 1500 } },
        local: ['header'],
        maxFragmentSize,
      });
      cleanups.push(() => gateway.close());
      const page = await request(`${gateway.url}/`, { timeout: 20_000 });
      expect(page.status).toBe(200);
      expect(page.body.toString()).toContain('data-mfe-dev-error="header"');
      const before = served.length;
      const stop = listenForReloads(gateway.url, '/');
      cleanups.push(stop);
      // The stream's baseline and a few polls.
      await new Promise((resolve) => setTimeout(resolve, 4000));
      stop();
      const polls = served.slice(before);
      expect(polls.length).toBeGreaterThanOrEqual(2);
      // Every request but the latest ones (still within their deadline) was closed by the gateway.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect(polls.filter((p) => !p.closed)).toEqual([]);
      // What the service could write: the cap plus what sockets buffer, not gigabytes.
      for (const poll of polls) expect(poll.bytes).toBeLessThan(64 * 1024 * 1024);
    });
  }
});
