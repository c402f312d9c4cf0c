/**
 * HEAD describes what GET sends: on a page the gateway composes, production's Content-Length and
 * Content-Encoding describe production's bytes, not the composed (identity, chunked) page.
 */
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../helpers/gateway.js';
import { listen, request, type TestServer } from '../helpers/servers.js';

const PAGE = '<!doctype html><title>shop</title><!--#include virtual="/fragments/header" --><main>shop</main>';
let production: TestServer;
let local: TestServer;
let gateway: Awaited<ReturnType<typeof startGateway>>;

beforeAll(async () => {
  production = await listen((req, res) => {
    if (req.url!.startsWith('/fragments/header')) return res.setHeader('content-type', 'text/html').end('<header>production header</header>');
    const gzip = /gzip/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? zlib.gzipSync(PAGE) : Buffer.from(PAGE);
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': body.length,
      ...(gzip && { 'content-encoding': 'gzip' }),
      etag: '"v1"',
      'cache-control': 'private, max-age=0',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  local = await listen((_req, res) => res.setHeader('content-type', 'text/html').end('<header>local header, longer than production</header>'));
  gateway = await startGateway({ upstream: production.url, fragments: { header: { src: '/fragments/header', local: local.url } }, local: ['header'] });
});
afterAll(async () => {
  await gateway.close();
  await production.close();
  await local.close();
});

describe('HEAD of a composed page', () => {
  it.each([[{}], [{ 'accept-encoding': 'gzip' }]])('has the headers GET has, not production raw ones (%j)', async (headers) => {
    const get = await request(`${gateway.url}/`, { headers });
    const head = await request(`${gateway.url}/`, { method: 'HEAD', headers });
    expect(get.text).toContain('local header');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    for (const name of ['content-length', 'content-encoding', 'etag']) {
      expect(head.headers[name], name).toBe(get.headers[name]);
    }
    expect(head.headers['content-length']).toBeUndefined();
    expect(head.headers['content-encoding']).toBeUndefined();
    expect(head.headers['content-type']).toBe(get.headers['content-type']);
    expect(head.headers['cache-control']).toBe('private, max-age=0');
  });
});
