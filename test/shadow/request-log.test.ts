/**
 * The `record` request log as a developer's file: mode 0600, query-string secrets redacted as in
 * the terminal's page lines, rotated past its size cap. Through the real CLI gateway, then the
 * rotation on its own with a small cap.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/http/redact-url.js';
import { createRequestLog } from '../../src/shadow/recorded-requests.js';
import { startCliGateway, type CliGateway } from '../hardening/cli-process.js';
import { listen, request, type TestServer } from '../helpers/servers.js';

let dir: string;
let production: TestServer | undefined;
let gateway: CliGateway | undefined;
beforeEach(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-record-')));
});
afterEach(async () => {
  await gateway?.stop();
  await production?.close();
  gateway = production = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the record log', () => {
  it('is written 0600 with query-string secrets redacted, as the terminal shows them', async () => {
    production = await listen((_req, res) => res.setHeader('content-type', 'text/html').end('<!doctype html><p>page</p>'));
    const file = path.join(dir, 'requests.jsonl');
    // An existing world-readable file is made private too.
    fs.writeFileSync(file, '', { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    gateway = await startCliGateway({ upstream: production.url, record: file, fragments: { header: { src: '/fragments/header' } } });
    const secret = 'eyJhbGciOiJIUzI1NiJ9.SECRET';
    await request(`${gateway.url}/callback?code=OAUTH-CODE-1&state=ok&access_token=${secret}&zipcode=10115`, {
      headers: { accept: 'text/html', referer: `${gateway.url}/login?password=hunter2&next=/` },
    });
    await expect.poll(() => fs.readFileSync(file, 'utf8'), { timeout: 10_000 }).toContain('/callback');
    const [entry] = fs.readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(entry.url).toBe('/callback?code=REDACTED&state=ok&access_token=REDACTED&zipcode=10115');
    // The gateway records the Referer it sends production (its origin rewritten).
    expect(entry.headers.referer).toBe(`${production.url}/login?password=REDACTED&next=/`);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    await gateway.waitFor(/GET \/callback/);
    expect(gateway.output()).toContain('/callback?code=REDACTED&state=ok&access_token=REDACTED&zipcode=10115');
    expect(gateway.output()).not.toMatch(/OAUTH-CODE-1|SECRET|hunter2/);
  });

  it('rotates past its size cap: never more than the cap in the file, the previous part in FILE.1', async () => {
    const file = path.join(dir, 'requests.jsonl');
    const errors: string[] = [];
    const log = createRequestLog(file, (message) => errors.push(message), { maxBytes: 2_000 });
    for (let i = 0; i < 100; i++) log.record('GET', `/products/${i}?q=${'x'.repeat(50)}`, { 'accept-language': 'de' });
    await log.close();
    expect(errors).toEqual([]);
    expect(fs.statSync(file).size).toBeLessThanOrEqual(2_000);
    expect(fs.statSync(`${file}.1`).size).toBeLessThanOrEqual(2_000);
    expect(fs.statSync(`${file}.1`).mode & 0o777).toBe(0o600);
    const last = fs.readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line).url);
    expect(last.at(-1)).toMatch(/^\/products\/99\?/);
    expect(fs.readdirSync(dir).sort()).toEqual(['requests.jsonl', 'requests.jsonl.1']);
  });

  it.each([
    ['/a?token=t&id=1', '/a?token=REDACTED&id=1'],
    ['/a?X-Amz-Signature=abc&X-Amz-Credential=k', '/a?X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED'],
    ['/a?client_secret=s&sortkey=name&postcode=1', '/a?client_secret=REDACTED&sortkey=name&postcode=1'],
    ['/a?api-key=k&key=v', '/a?api-key=REDACTED&key=REDACTED'],
    ['/plain', '/plain'],
    ['/a?code=#frag', '/a?code='],
  ])('redacts %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});
