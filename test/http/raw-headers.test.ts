import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { requestHeaderList, withHeaderValue } from '../../src/http/raw-headers.js';

describe('requestHeaderList: request headers as the flat list http.request writes as it is', () => {
  it.each([
    ['adds Host after the headers', { accept: 'text/html', cookie: 'a=b' }, ['accept', 'text/html', 'cookie', 'a=b', 'Host', 'frag:8080']],
    ['keeps a Host the headers name (any case)', { accept: '*/*', HOST: 'preset.example' }, ['accept', '*/*', 'HOST', 'preset.example']],
    ['repeats a header given as an array, writes numbers as text', { 'x-a': ['1', '2'], 'x-n': 3 }, ['x-a', '1', 'x-a', '2', 'x-n', '3', 'Host', 'frag:8080']],
    ['leaves out undefined values', { accept: undefined, 'x-b': 'b' }, ['x-b', 'b', 'Host', 'frag:8080']],
  ])('%s', (_name, headers, expected) => {
    expect(requestHeaderList(headers, 'frag:8080')).toEqual(expected);
  });

  it('gives every request its own list (one object, several fragment hosts)', () => {
    const headers = { accept: 'text/html' };
    const a = requestHeaderList(headers, 'one:1');
    const b = requestHeaderList(headers, 'two:2');
    expect(a).toEqual(['accept', 'text/html', 'Host', 'one:1']);
    expect(b).toEqual(['accept', 'text/html', 'Host', 'two:2']);
    a.push('x', 'y');
    expect(requestHeaderList(headers, 'one:1')).toEqual(['accept', 'text/html', 'Host', 'one:1']);
  });

  it('withHeaderValue: a copy with one value replaced, listed as the copy says, the original untouched', () => {
    const page = { accept: 'text/html', traceparent: '00-a-b-01', cookie: 'c=1' };
    requestHeaderList(page, 'h:1'); // the page's list is made first, as for its first fragment
    const fragment = withHeaderValue(page, 'traceparent', '00-a-c-01');
    expect(fragment).toEqual({ accept: 'text/html', traceparent: '00-a-c-01', cookie: 'c=1' });
    expect(requestHeaderList(fragment, 'h:1')).toEqual(['accept', 'text/html', 'traceparent', '00-a-c-01', 'cookie', 'c=1', 'Host', 'h:1']);
    expect(requestHeaderList(page, 'h:1')).toEqual(['accept', 'text/html', 'traceparent', '00-a-b-01', 'cookie', 'c=1', 'Host', 'h:1']);
    // A name the headers do not have: added, the list built from the copy.
    expect(requestHeaderList(withHeaderValue({ accept: '*/*' }, 'traceparent', 'x'), 'h:1')).toEqual(['accept', '*/*', 'traceparent', 'x', 'Host', 'h:1']);
  });

  it('produces the same request head as the object form', async () => {
    const heads: string[] = [];
    const server = net.createServer((socket) =>
      socket.on('data', (data) => {
        heads.push(data.toString('latin1'));
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    const agent = new http.Agent({ keepAlive: true });
    const headers = { accept: 'text/html', cookie: 'sid=1', 'x-forwarded-host': '127.0.0.1:3000' };
    const url = new URL(`http://127.0.0.1:${port}/fragments/f1?q=1`);
    const get = (send: (done: (res: http.IncomingMessage) => void) => http.ClientRequest) =>
      new Promise<void>((resolve, reject) => send((res) => res.resume().on('end', resolve)).on('error', reject).end());
    try {
      await get((done) => http.request(url, { headers, agent }, done));
      await get((done) => http.request({ hostname: '127.0.0.1', port, path: '/fragments/f1?q=1', headers: requestHeaderList(headers, url.host), agent }, done));
      expect(heads).toHaveLength(2);
      expect(heads[1]).toBe(heads[0]);
    } finally {
      agent.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
