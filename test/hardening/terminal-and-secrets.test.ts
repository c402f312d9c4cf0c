/**
 * What a request (any web page can make the developer's browser send one) can put in the
 * terminal and on the dev page: no control character a terminal acts on, whatever the query,
 * cookie or header says (issue 8 item 5); and no secret (Cookie, Authorization, Set-Cookie
 * values) ever, at any log level (item 6). The real CLI in a child process, DEBUG=mfe-dev:*.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { page, startSite, type FakeSite } from '../fixtures/site.js';
import { closedPort, listen, request, type TestServer } from '../helpers/servers.js';
import { startCliGateway, TERMINAL_CONTROL, type CliGateway } from './cli-process.js';

const SECRETS = { cookie: 'SECRET-COOKIE-4e1f', auth: 'SECRET-AUTH-9b2c', setCookie: 'SECRET-SETCOOKIE-77aa' };

let site: FakeSite;
let local: TestServer;
let gateway: CliGateway;

beforeAll(async () => {
  // A local footer that echoes nothing secret; the header's local service is stopped.
  local = await listen((req, res) => {
    res.writeHead(req.url?.includes('broken') ? 500 : 200, { 'content-type': 'text/html' });
    res.end('<footer>local footer</footer>');
  });
  site = await startSite({
    '/': {
      body: page('home', '<esi:include src="/fragments/header"/><esi:include src="/fragments/footer"/><!--#include virtual="/missing" -->'),
      headers: { 'set-cookie': `session=${SECRETS.setCookie}; Path=/; HttpOnly` },
    },
    '/fragments/header': '<header>prod header</header>',
    '/fragments/footer': '<footer>prod footer</footer>',
  });
  gateway = await startCliGateway(
    {
      upstream: site.url,
      fragments: {
        header: { src: '/fragments/header', local: `http://127.0.0.1:${await closedPort()}` },
        footer: { src: '/fragments/footer', local: local.url },
      },
      presets: { broken: { description: 'footer local', local: ['footer'] } },
    },
    { DEBUG: 'mfe-dev:*' },
  );
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all([site?.close(), local?.close()]);
});

/** One request on a raw socket: the bytes as given (Node's client would refuse some of them). */
function rawRequest(url: string, head: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.end(Buffer.from(head, 'latin1')));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
  });
}

describe('control characters from a request never reach the terminal or the dev page', () => {
  const ESCAPES = '%1b%5d0%3bpwned%07%1b%5b2J%1b%5b1%3b1H%c2%9b2J%00%7f%0d%0a';

  it('query, preset, cookie and header values with ESC, BEL, CSI, NUL, DEL and CR/LF are shown escaped', async () => {
    const host = new URL(gateway.url).host;
    const answers = await Promise.all([
      request(`${gateway.url}/?mfe-dev=${ESCAPES}=local`),
      request(`${gateway.url}/?mfe-dev=header=${ESCAPES}`),
      request(`${gateway.url}/?mfe-dev-preset=${ESCAPES}`),
      request(`${gateway.url}/`, { headers: { cookie: `mfe-dev=${ESCAPES}%3Dlocal; mfe-dev-preset=${ESCAPES}` } }),
      request(`${gateway.url}/${ESCAPES}?q=${ESCAPES}`),
      rawRequest(gateway.url, `GET /?x=1 HTTP/1.1\r\nHost: ${host}\r\nX-Mfe-Dev: \x9b2J\x9b31m=local\r\nConnection: close\r\n\r\n`),
    ]);
    for (const answer of answers.slice(0, 5)) expect(typeof answer === 'string' ? 0 : answer.status).toBeLessThan(500);
    // The warnings name the offending values, escaped: the developer still sees what came in.
    await gateway.waitFor(/\\x1b\]0;pwned\\x07/);
    await gateway.waitFor(/\\x9b2J/);

    const devPage = await request(`${gateway.url}/__mfe-dev/?mfe-dev=${ESCAPES}=local`);
    const state = await request(`${gateway.url}/__mfe-dev/api/state`, { headers: { cookie: `mfe-dev=${ESCAPES}%3Dlocal` } });
    expect(devPage.status).toBe(200);
    expect(devPage.text).toContain('pwned');
    expect(devPage.text).not.toMatch(TERMINAL_CONTROL);
    expect(state.text).toContain('pwned');
    expect(state.text).not.toMatch(TERMINAL_CONTROL);
    // JSON escapes C0 itself (\u001b); what it holds must be the escaped text, not the raw byte.
    const warnings = (JSON.parse(state.text) as { warnings: string[] }).warnings.join('\n');
    expect(warnings).not.toMatch(TERMINAL_CONTROL);

    const output = gateway.output();
    expect(output).toContain('pwned');
    const offending = output.split('\n').filter((line) => TERMINAL_CONTROL.test(line));
    expect(offending).toEqual([]);
  });
});

describe('secrets never appear in logs, the dev page or its APIs', () => {
  it('Cookie, Authorization and Set-Cookie values stay out of every line at DEBUG=mfe-dev:*', async () => {
    const headers = {
      cookie: `sid=${SECRETS.cookie}; mfe-dev=header=local|footer=shadow`,
      authorization: `Bearer ${SECRETS.auth}`,
    };
    const pages = await Promise.all([
      request(`${gateway.url}/`, { headers }),
      request(`${gateway.url}/?mfe-dev-preset=broken`, { headers }),
      request(`${gateway.url}/nowhere`, { headers }),
      request(`${gateway.url}/__mfe-dev/nothing`, { headers }),
    ]);
    expect(pages[0].status).toBe(200);
    expect(String(pages[0].headers['set-cookie'])).toContain(SECRETS.setCookie); // the browser does get it
    const devPage = await request(`${gateway.url}/__mfe-dev/`, { headers });
    const state = await request(`${gateway.url}/__mfe-dev/api/state`, { headers });
    const shadow = await request(`${gateway.url}/__mfe-dev/api/shadow`, { headers });
    await gateway.waitFor(/GET \/nowhere/);
    for (const [where, text] of [
      ['terminal', gateway.output()],
      ['dev page', devPage.text],
      ['api/state', state.text],
      ['api/shadow', shadow.text],
    ]) {
      for (const secret of Object.values(SECRETS)) expect(text, `${secret} in the ${where}`).not.toContain(secret);
    }
  });
});
