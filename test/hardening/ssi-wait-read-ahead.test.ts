/**
 * While an SSI include with `wait="yes"` (or `set=`) is awaited, what follows it in the page is
 * queued until the include is done: that queue counts against the page's read-ahead limit
 * (1 MiB), so production's socket feels the backpressure instead of the gateway's memory taking
 * the page in (before: 129 MB of a fast page read into memory during a 4 s include). Measured
 * by what production managed to send before the include answered, not by timings.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../helpers/gateway.js';
import { listen, type TestServer } from '../helpers/servers.js';

const PAGE = 40 * 1024 * 1024;
let upstream: TestServer;
/** Bytes of the page production has written, and had written when the awaited include answered. */
let sent = 0;
let sentWhenIncluded = -1;

beforeAll(async () => {
  upstream = await listen((req, res) => {
    if (req.url?.startsWith('/slow')) {
      // Answers once production could have sent the whole page, had nothing held it back.
      setTimeout(() => {
        sentWhenIncluded = sent;
        res.end('[slow]');
      }, 3000);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    const command = req.url === '/set' ? '<!--#include virtual="/slow" set="x" --><!--#echo var="x" -->' : '<!--#include virtual="/slow" wait="yes" -->';
    res.write(`<html><body>${command}`);
    const chunk = Buffer.alloc(64 * 1024, 'a');
    sent = 0;
    const pump = () => {
      while (sent < PAGE) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end('</body></html>');
    };
    pump();
  });
});
afterAll(async () => {
  await upstream?.close();
});

describe('an awaited SSI include holds back the page, not the gateway\'s memory', () => {
  for (const [name, path] of [['wait="yes"', '/wait'], ['set=', '/set']] as const) {
    it(`${name}: production is read at most a few MB ahead while the include is awaited; the page arrives whole`, { timeout: 120_000 }, async () => {
      sentWhenIncluded = -1;
      const gateway = await startGateway({ upstream: upstream.url, fragments: { slow: { src: '/slow', timeout: 20_000 } } });
      try {
        const received = await new Promise<{ bytes: number; head: string }>((resolve, reject) => {
          http
            .get(`${gateway.url}${path}`, (res) => {
              let bytes = 0;
              let head = '';
              res.on('data', (chunk: Buffer) => {
                if (head.length < 40) head += chunk.toString('latin1', 0, 40);
                bytes += chunk.length;
              });
              res.on('end', () => resolve({ bytes, head }));
            })
            .on('error', reject);
        });
        expect(received.head.startsWith('<html><body>[slow]')).toBe(true);
        expect(received.bytes).toBe('<html><body>[slow]'.length + PAGE + '</body></html>'.length);
        // 1 MiB of read-ahead plus what the sockets and streams buffer; before: the whole page.
        expect(sentWhenIncluded).toBeGreaterThan(0);
        expect(sentWhenIncluded).toBeLessThan(16 * 1024 * 1024);
      } finally {
        await gateway.close();
      }
    });
  }
});
