/**
 * Conformance tables: cases taken from an edge's own test suite or document, each driven
 * through a real mfe-dev gateway in front of a real origin on 127.0.0.1.
 *
 * A row keeps the peer's expectation (its template, its request, what it expects back); where
 * that expectation is about something mfe-dev cannot or should not reproduce, the row is kept
 * with `skip` saying why, so the table still shows the whole suite.
 */
import type http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Edge } from '../../src/config/types.js';
import { startSite, type FakeSite, type Route } from '../fixtures/site.js';
import { startGateway } from '../helpers/gateway.js';
import { request, type TestResponse } from '../helpers/servers.js';

export interface ConformanceCase {
  /** The peer's file and case, e.g. `bin/varnishtest/tests/e00003.vtc` or `esi_tests.rs: test_has_operator`. */
  source: string;
  /** What the case checks, in a few words. */
  name: string;
  /** The edge whose behaviour the row expects (it sets the gateway's `edge`). */
  edge?: Edge;
  /** @default false: the page is exactly what the edge sends, without mfe-dev's comments */
  diagnostics?: boolean;
  /** The page production sends (at `path`). */
  template: string | Route;
  /** Other documents production serves: fragments, by path. */
  fragments?: Record<string, string | Route>;
  /** The browser's request. @default { path: '/' } */
  request?: { path?: string; method?: string; body?: string; headers?: http.OutgoingHttpHeaders };
  expect: {
    status?: number;
    /** The whole body, byte for byte. */
    body?: string;
    /** The body's length in bytes (Varnish's `resp.bodylen`). */
    bodyLength?: number;
    /** The body with surrounding whitespace trimmed (Fastly's `result.trim()`). */
    trimmed?: string;
    contains?: string[];
    notContains?: string[];
    /** The body matches (for values that depend on the test's ports). */
    matches?: RegExp;
    /** Response headers, lower-case names. */
    headers?: Record<string, string | string[] | undefined>;
    /** The fragment requests production received, path and query, in any order. */
    requested?: string[];
    /** Headers a fragment request carried: path → expected headers (undefined: must be absent). */
    fragmentHeaders?: Record<string, Record<string, string | undefined>>;
  };
  /** Why this case does not apply to mfe-dev (the row is listed, not run). */
  skip?: string;
}

/** One `describe` per peer; one `it` per row, named after its source. */
export function conformance(peer: string, cases: readonly ConformanceCase[]): void {
  describe(peer, () => {
    let site: FakeSite | undefined;
    let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
    const gateways = new Map<string, Awaited<ReturnType<typeof startGateway>>>();

    beforeAll(async () => {
      site = await startSite({});
    });
    afterEach(() => {
      site?.routes.clear();
      if (site) site.requests.length = 0;
    });
    afterAll(async () => {
      await Promise.all([...gateways.values()].map((g) => g.close()));
      await site?.close();
    });

    async function gatewayFor(edge: Edge | undefined, diagnostics: boolean) {
      const key = `${edge ?? ''}/${diagnostics}`;
      gateway = gateways.get(key);
      if (!gateway) {
        gateway = await startGateway({ upstream: site!.url, overlay: false, diagnostics, ...(edge && { edge }) });
        gateways.set(key, gateway);
      }
      return gateway;
    }

    for (const row of cases) {
      const title = `${row.source} — ${row.name}${row.edge ? ` [edge: ${row.edge}]` : ''}`;
      if (row.skip) {
        it.skip(`${title} (skipped: ${row.skip})`, () => undefined);
        continue;
      }
      it(title, async () => {
        const path = row.request?.path ?? '/';
        const pagePath = path.split('?')[0];
        site!.routes.set(pagePath, typeof row.template === 'string' ? { body: row.template } : row.template);
        for (const [fragmentPath, route] of Object.entries(row.fragments ?? {})) {
          site!.routes.set(fragmentPath, typeof route === 'string' ? { body: route } : route);
        }
        const g = await gatewayFor(row.edge, row.diagnostics ?? false);
        const response = await request(g.url + path, {
          method: row.request?.method,
          body: row.request?.body,
          headers: { accept: 'text/html', ...row.request?.headers },
        });
        check(row, response, site!);
      });
    }
  });
}

function check(row: ConformanceCase, response: TestResponse, site: FakeSite): void {
  const { expect: want } = row;
  if (want.status !== undefined) expect(response.status).toBe(want.status);
  if (want.body !== undefined) expect(response.text).toBe(want.body);
  if (want.bodyLength !== undefined) expect(response.body.length, `body: ${JSON.stringify(response.text.length > 2000 ? response.text.replace(/x{100,}/g, (m) => `x×${m.length}`) : response.text)}`).toBe(want.bodyLength);
  if (want.trimmed !== undefined) expect(response.text.trim()).toBe(want.trimmed);
  for (const text of want.contains ?? []) expect(response.text).toContain(text);
  for (const text of want.notContains ?? []) expect(response.text).not.toContain(text);
  if (want.matches) expect(response.text).toMatch(want.matches);
  for (const [name, value] of Object.entries(want.headers ?? {})) expect(response.headers[name]).toEqual(value);
  const fragmentRequests = site.requests.slice(1).map((r) => r.path);
  if (want.requested) expect(fragmentRequests.slice().sort()).toEqual(want.requested.slice().sort());
  for (const [path, headers] of Object.entries(want.fragmentHeaders ?? {})) {
    const seen = site.requests.find((r) => r.path === path);
    expect(seen, `a request for ${path}`).toBeDefined();
    for (const [name, value] of Object.entries(headers)) expect(seen!.headers[name], `${path}: ${name}`).toBe(value);
  }
}

/** The peer's body text exactly as its test wrote it (Varnish's `{…}` keeps tabs and newlines). */
export function lines(...parts: string[]): string {
  return parts.join('\n');
}
