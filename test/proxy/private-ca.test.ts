/**
 * Production behind a private CA (a company proxy, staging): Node does not trust it, and the
 * developer needs the fix where the error is shown: the terminal, the 502 page, `mfe-dev check`.
 * A real https "production" with a certificate from a throwaway CA.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCertificate } from '../../src/https/local-ca.js';
import { startCliGateway, type CliGateway } from '../hardening/cli-process.js';
import { request } from '../helpers/servers.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/mfe-dev.js');
let dir: string;
let production: https.Server;
let upstream: string;
let gateway: CliGateway | undefined;

beforeAll(async () => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-private-ca-')));
  const cert = await localCertificate({ names: { dns: ['localhost'], ips: ['127.0.0.1'] }, home: path.join(dir, 'ca') });
  production = https.createServer({ cert: cert.cert, key: cert.key }, (_req, res) => res.setHeader('content-type', 'text/html').end('<p>shop</p>'));
  await new Promise<void>((resolve) => production.listen(0, '127.0.0.1', resolve));
  upstream = `https://127.0.0.1:${(production.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await gateway?.stop();
  production.closeAllConnections();
  await new Promise((resolve) => production.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a private CA in front of production', () => {
  it('names NODE_EXTRA_CA_CERTS on the 502 page and in the terminal', async () => {
    gateway = await startCliGateway({ upstream }, { NODE_EXTRA_CA_CERTS: '' });
    const page = await request(`${gateway.url}/`);
    expect(page.status).toBe(502);
    expect(page.text).toMatch(/unable to verify the first certificate\. If the server uses a private CA .*NODE_EXTRA_CA_CERTS=\/path\/to\/ca\.pem/);
    await gateway.waitFor(/NODE_EXTRA_CA_CERTS/);
  });

  it('names it in `mfe-dev check`', async () => {
    const file = path.join(dir, 'mfe-dev.config.json');
    fs.writeFileSync(file, JSON.stringify({ upstream }));
    const result = await promisify(execFile)(process.execPath, [BIN, 'check', '--config', file], { env: { ...process.env, NO_COLOR: '1' } }).catch((error: { stdout: string; stderr: string }) => error);
    expect(result.stdout + result.stderr).toMatch(/NODE_EXTRA_CA_CERTS=\/path\/to\/ca\.pem/);
  });
});
