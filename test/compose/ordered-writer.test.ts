import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
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

const CHUNK = Buffer.alloc(64 * 1024, 'a');

/** A real server writing with the writer to a browser that sends its request and reads nothing. */
async function slowBrowser<T>(produce: (writer: OrderedWriter, res: http.ServerResponse, paused: () => boolean) => Promise<T>): Promise<T> {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  let result!: Promise<T>;
  const handled = new Promise<void>((resolve) => {
    server = http.createServer((_req, res) => {
      let paused = false;
      const writer = new OrderedWriter(res, { beforeFirstWrite: () => res.writeHead(200), onBackpressure: (p) => (paused = p) });
      result = produce(writer, res, () => paused).finally(() => {
        writer.abort();
        res.destroy();
      });
      resolve();
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server!.address() as AddressInfo;
  const client = net.connect(port, '127.0.0.1', () => client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
  client.pause();
  try {
    await handled;
    return await result;
  } finally {
    client.destroy();
  }
}

describe('OrderedWriter', () => {
  it("hands the page's head to the socket at once when asked, not after the rest of the chunk is read", async () => {
    const { seen, body } = await page(async (writer, res) => {
      writer.push(Buffer.from('<html><body>'));
      writer.flush(true);
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

  it('sends what is written in one turn of the event loop in one write', async () => {
    const { seen, body } = await page(async (writer, res) => {
      const socket = res.socket!;
      const writes: number[] = [];
      const writev = socket._writev!.bind(socket);
      const write = socket._write.bind(socket);
      socket._writev = (chunks, callback) => (writes.push(chunks.length), writev(chunks, callback));
      socket._write = (chunk, encoding, callback) => (writes.push(1), write(chunk, encoding, callback));
      // A page read in two chunks in one turn (a 72 KB page is two reads of the socket), then its end.
      // (each read is a callback of its own: Node's next-tick work runs between them)
      writer.push(Buffer.from('<html><body>'));
      writer.flush();
      await new Promise((resolve) => process.nextTick(resolve));
      writer.push(Buffer.from('</body></html>'));
      writer.flush();
      const heldInTurn = socket.writableCorked;
      await new Promise((resolve) => setImmediate(resolve));
      return { heldInTurn, writes: writes.length };
    });
    expect(seen).toEqual({ heldInTurn: 1, writes: 1 });
    expect(body).toBe('<html><body></body></html>');
  });

  it('lets a turn hold a bounded amount, then pauses the producer while the browser does not read', async () => {
    // A page that keeps coming in one turn is held up to a bound, then the producer is paused.
    const inOneTurn = await slowBrowser(async (writer, res, paused) => {
      let chunks = 0;
      while (!paused() && chunks < 100) {
        writer.push(CHUNK);
        writer.flush();
        chunks++;
      }
      return { chunks, held: res.socket!.writableLength };
    });
    expect(inOneTurn.chunks).toBeLessThanOrEqual(5);
    expect(inOneTurn.held).toBeLessThan(384 * 1024);
    // A page that comes a chunk a turn: paused once the response needs to drain (the kernel's
    // buffers are full), with no more than a chunk or so held in the process.
    const aChunkATurn = await slowBrowser(async (writer, res, paused) => {
      let held = 0;
      for (let turn = 0; turn < 5000 && !paused(); turn++) {
        writer.push(CHUNK);
        writer.flush();
        await new Promise((resolve) => setImmediate(resolve));
        held = Math.max(held, res.socket!.writableLength);
      }
      return { paused: paused(), held };
    });
    expect(aChunkATurn.paused).toBe(true);
    expect(aChunkATurn.held).toBeLessThanOrEqual(2 * CHUNK.length);
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
