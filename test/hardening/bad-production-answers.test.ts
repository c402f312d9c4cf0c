/**
 * Issue 16 item 11: production sends a header with a control byte (NUL, 0x01, which the lenient
 * backend parser lets through but no browser accepts and Node cannot write), or answers `101
 * Switching Protocols` to a plain request. The browser gets a 502 naming the header (or the 101),
 * the terminal a line without a stack, and the gateway keeps serving. Through the real CLI.
 */
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../helpers/servers.js';
import { startCliGateway, type CliGateway } from './cli-process.js';

const ANSWERS: Record<string, string> = {
  '/nul': 'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Bad: a\x00b\r\nContent-Length: 2\r\n\r\nhi',
  '/one': 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Trace: a\x01b\r\nContent-Length: 2\r\n\r\nhi',
  '/101': 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
  '/ok': 'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nok',
};

let production: net.Server;
let localService: net.Server;
let gateway: CliGateway;

beforeAll(async () => {
  production = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', (data) => socket.end(ANSWERS[String(data).split(' ')[1]!] ?? ANSWERS['/ok']));
  });
  await new Promise<void>((resolve) => production.listen(0, '127.0.0.1', resolve));
  // A local fragment service whose files carry the same kind of header.
  localService = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/javascript\r\nX-Bad: a\x01b\r\nContent-Length: 2\r\n\r\nhi'));
  });
  await new Promise<void>((resolve) => localService.listen(0, '127.0.0.1', resolve));
  gateway = await startCliGateway({
    upstream: `http://127.0.0.1:${(production.address() as AddressInfo).port}`,
    fragments: { h: { src: '/f', local: `http://127.0.0.1:${(localService.address() as AddressInfo).port}`, assets: ['/assets/h/'] } },
    local: ['h'],
  });
}, 30_000);
afterAll(async () => {
  await gateway?.stop();
  await new Promise((resolve) => production?.close(resolve));
  await new Promise((resolve) => localService?.close(resolve));
});

describe('production answers the gateway cannot pass on', () => {
  it.each([
    ['/nul', "header 'X-Bad' with the control character 0x00"],
    ['/one', "header 'X-Trace' with the control character 0x01"],
    ['/101', 'production answered 101 Switching Protocols'],
  ])('%s → 502 naming what is wrong, no stack in the terminal', async (path, reason) => {
    const response = await request(`${gateway.url}${path}`, { timeout: 10_000 });
    expect(response.status).toBe(502);
    // The page escapes HTML ('), the terminal line does not.
    expect(response.text.replace(/&#39;/g, "'")).toContain(reason);
    await gateway.waitFor(new RegExp(`GET ${path} → 502: .*${reason.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(gateway.output()).not.toMatch(/internal error|\n\s+at /);
    expect((await request(`${gateway.url}/ok`)).text).toBe('ok');
  });

  it('a local service file with such a header → 502 naming it (both asset routes), no stack', async () => {
    for (const path of ['/assets/h/x.js', '/__mfe-dev/local/h/x.js']) {
      const response = await request(`${gateway.url}${path}`, { timeout: 10_000 });
      expect(response.status, path).toBe(502);
      expect(response.text).toContain("header 'X-Bad' with the control character 0x01");
    }
    await gateway.waitFor(/local asset of fragment 'h' failed: .*X-Bad/);
    expect(gateway.output()).not.toMatch(/internal error|\n\s+at /);
  });
});
