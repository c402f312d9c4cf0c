import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { OrderedWriter } from '../../src/compose/ordered-writer.js';

let server: http.Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A real server whose handler writes a page with the writer; returns what the handler saw and the body the client got. */
async function page(handler: (writer: OrderedWriter, res: http.ServerResponse) => Promise<unknown>): Promise<{ seen: unknown; body: string }> {
  let seen: unknown;
  server = http.createServer((_req, res) => {
    const writer = new OrderedWriter(res, { beforeFirstWrite: () => res.writeHead(200, { 'content-type': 'text/html' }) });
    void handler(writer, res).then(async (value) => {
      seen = value;
      await writer.end();
      res.end();
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const body = await (await fetch(`http://127.0.0.1:${port}/`)).text();
  return { seen, body };
}

describe('OrderedWriter', () => {
  it("hands the page's head to the socket at once, not after the rest of the chunk is read", async () => {
    const { seen, body } = await page(async (writer, res) => {
      writer.push(Buffer.from('<html><body>'));
      writer.flush();
      // Node's response corks its socket on a write until the next tick: the fragment requests
      // built in the same tick would go out before the page's first byte.
      const afterFirstWrite = { corked: res.socket!.writableCorked, buffered: res.socket!.writableLength };
      let resolveFragment!: (b: Buffer) => void;
      writer.push(new Promise<Buffer>((resolve) => (resolveFragment = resolve)));
      writer.push(Buffer.from('</body></html>'));
      setTimeout(() => resolveFragment(Buffer.from('<p>fragment</p>')), 5);
      return afterFirstWrite;
    });
    expect(seen).toEqual({ corked: 0, buffered: 0 });
    expect(body).toBe('<html><body><p>fragment</p></body></html>');
  });

  it('writes parts in document order whatever order they resolve in', async () => {
    const { body } = await page(async (writer) => {
      const later = (text: string, ms: number) => new Promise<Buffer>((resolve) => setTimeout(() => resolve(Buffer.from(text)), ms));
      writer.push(Buffer.from('a'));
      writer.push(later('b', 20));
      writer.push(later('c', 1));
      writer.push(Buffer.from('d'));
      writer.flush();
    });
    expect(body).toBe('abcd');
  });
});
