import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { certificateNames, localCertificate, tlsCredentials } from '../../src/https/index.js';
import { caFiles } from '../../src/https/local-ca.js';

const DAY = 24 * 60 * 60 * 1000;
let home: string;

beforeEach(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-ca-'));
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

const mode = (file: string) => statSync(file).mode & 0o777;
const names = (allowedHosts: string[] = []) => certificateNames({ host: '127.0.0.1', allowedHosts });

/** A real TLS handshake that trusts only `ca`: what a browser with the CA installed does. */
async function handshake(cert: { cert: string; key: string; ca: string }, connect: { host: string; servername?: string }): Promise<{ authorized: boolean; error?: string }> {
  const server = https.createServer({ cert: cert.cert, key: cert.key }, (_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, connect.host, resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise((resolve) => {
      const socket = tls.connect({ host: connect.host, port, ca: [cert.ca], servername: connect.servername, rejectUnauthorized: true }, () => {
        resolve({ authorized: socket.authorized });
        socket.end();
      });
      socket.on('error', (error) => resolve({ authorized: false, error: (error as NodeJS.ErrnoException).code ?? error.message }));
    });
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('the local certificate authority', () => {
  it('is made on first use in the mfe-dev folder, with private keys readable by the user only', async () => {
    const made = await localCertificate({ names: names(), home });
    expect(made.outcome).toBe('new-ca');
    expect(made.notes.join('\n')).toContain('mfe-dev trust');
    const ca = new X509Certificate(made.ca);
    expect(ca.ca).toBe(true);
    expect(ca.subject).toContain('CN=mfe-dev local CA');
    expect(made.caFile).toBe(caFiles(home).cert);
    if (process.platform !== 'win32') {
      expect(mode(home)).toBe(0o700);
      expect(mode(caFiles(home).key)).toBe(0o600);
      const certs = path.join(home, 'certs');
      expect(mode(certs)).toBe(0o700);
      const keyFiles = readdirSync(certs).filter((f) => f.endsWith('-key.pem'));
      expect(keyFiles).toHaveLength(1);
      expect(mode(path.join(certs, keyFiles[0]))).toBe(0o600);
    }
  });

  it('issues a server certificate for localhost, 127.0.0.1, ::1 and every allowedHosts name (wildcards for leading dots)', async () => {
    const made = await localCertificate({ names: names(['dev.shop.test', '.shop.example']), home });
    const leaf = new X509Certificate(made.cert);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(new X509Certificate(made.ca))).toBe(true);
    expect(leaf.subjectAltName).toBe('DNS:*.shop.example, DNS:dev.shop.test, DNS:localhost, DNS:shop.example, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(leaf.keyUsage).toContain('1.3.6.1.5.5.7.3.1'); // serverAuth
    const days = (new Date(leaf.validTo).getTime() - Date.now()) / DAY;
    expect(days).toBeGreaterThan(300);
    expect(days).toBeLessThan(400);

    // A client that trusts only the CA accepts it for each name, and refuses another name.
    expect(await handshake(made, { host: '127.0.0.1' })).toEqual({ authorized: true });
    expect(await handshake(made, { host: '127.0.0.1', servername: 'localhost' })).toEqual({ authorized: true });
    expect(await handshake(made, { host: '127.0.0.1', servername: 'www.shop.example' })).toEqual({ authorized: true });
    expect(await handshake(made, { host: '127.0.0.1', servername: 'dev.shop.test' })).toEqual({ authorized: true });
    expect((await handshake(made, { host: '127.0.0.1', servername: 'evil.example' })).error).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('reuses the stored CA and certificate on the next start', async () => {
    const first = await localCertificate({ names: names(), home });
    const second = await localCertificate({ names: names(), home });
    expect(second.outcome).toBe('reused');
    expect(second.notes).toEqual([]);
    expect(second.cert).toBe(first.cert);
    expect(second.key).toBe(first.key);
    expect(second.ca).toBe(first.ca);
  });

  it('issues a new certificate from the same CA for names it covers, and reuses each one after', async () => {
    const withShop = await localCertificate({ names: names(['.shop.test']), home });
    const plain = await localCertificate({ names: names(), home });
    expect(plain.outcome).toBe('new-certificate');
    expect(plain.notes.join('\n')).toContain('issued a new certificate for localhost');
    expect(plain.ca).toBe(withShop.ca);
    expect(new X509Certificate(withShop.cert).subjectAltName).toContain('DNS:*.shop.test');
    const sub = await localCertificate({ names: names(['dev.shop.test']), home });
    expect(sub.outcome).toBe('new-certificate');
    expect(sub.ca).toBe(withShop.ca);
    // Two projects with different names do not take turns re-issuing.
    expect((await localCertificate({ names: names(), home })).cert).toBe(plain.cert);
    expect((await localCertificate({ names: names(['.shop.test']), home })).cert).toBe(withShop.cert);
  });

  it('renews the server certificate 30 days before it ends, and removes certificates that ended', async () => {
    const other = await localCertificate({ names: names(['other.test']), home });
    const first = await localCertificate({ names: names(), home });
    const notAfter = new Date(new X509Certificate(first.cert).validTo).getTime();

    const stillGood = await localCertificate({ names: names(), home, now: new Date(notAfter - 31 * DAY) });
    expect(stillGood.outcome).toBe('reused');

    const later = new Date(notAfter - 29 * DAY);
    const renewed = await localCertificate({ names: names(), home, now: later });
    expect(renewed.outcome).toBe('new-certificate');
    expect(renewed.cert).not.toBe(first.cert);
    expect(new Date(new X509Certificate(renewed.cert).validTo).getTime()).toBeGreaterThan(notAfter);

    // The other certificate ended by the time of a renewal a year later: it is pruned.
    const yearLater = new Date(notAfter + 2 * DAY);
    await localCertificate({ names: names(['third.other.test']), home, now: yearLater });
    const left = readdirSync(path.join(home, 'certs')).map((f) => readFileSync(path.join(home, 'certs', f), 'utf8'));
    expect(left).toContain(renewed.cert);
    expect(left).not.toContain(other.cert);
  });

  it('replaces the CA shortly before it ends, says so, and issues from the new one', async () => {
    const first = await localCertificate({ names: names(), home });
    const caEnd = new Date(new X509Certificate(first.ca).validTo).getTime();
    const renewed = await localCertificate({ names: names(), home, now: new Date(caEnd - 10 * DAY) });
    expect(renewed.outcome).toBe('new-ca');
    expect(renewed.ca).not.toBe(first.ca);
    expect(renewed.notes.join('\n')).toMatch(/about to expire.*mfe-dev trust/);
    expect(new X509Certificate(renewed.cert).checkIssued(new X509Certificate(renewed.ca))).toBe(true);
  });

  it('re-issues a certificate whose files were damaged, and names the folder and the fix for a damaged CA', async () => {
    const first = await localCertificate({ names: names(), home });
    const certFile = readdirSync(path.join(home, 'certs')).find((f) => /^[0-9a-f]{16}\.pem$/.test(f))!;
    writeFileSync(path.join(home, 'certs', certFile), 'garbage');
    const again = await localCertificate({ names: names(), home });
    expect(again.outcome).toBe('new-certificate');
    expect(again.cert).not.toBe(first.cert);

    writeFileSync(caFiles(home).key, 'not a key');
    await expect(localCertificate({ names: names(), home })).rejects.toMatchObject({
      code: 'MFE_HTTPS_CA_DAMAGED',
      message: expect.stringContaining(`Delete ${caFiles(home).cert}`),
    });
  });

  it('gateways starting at once share one CA (no key of one beside the certificate of another)', async () => {
    const made = await Promise.all([1, 2, 3, 4].map(() => localCertificate({ names: names(), home })));
    expect(new Set(made.map((m) => m.ca)).size).toBe(1);
    expect(made.filter((m) => m.outcome === 'new-ca')).toHaveLength(1);
    const again = await localCertificate({ names: names(), home });
    expect(again.outcome).toBe('reused');
    expect(again.ca).toBe(made[0].ca);
    expect(readdirSync(home).filter((f) => f.endsWith('.lock'))).toEqual([]);
  });

  it('is not touched for plain http', async () => {
    expect(await tlsCredentials(false, { home })).toBeUndefined();
    expect(await tlsCredentials(undefined, { home })).toBeUndefined();
    expect(readdirSync(home)).toEqual([]);
  });
});
