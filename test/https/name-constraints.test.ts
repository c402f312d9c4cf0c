/**
 * mfe-dev's local CA is name-constrained (RFC 5280 §4.2.1.10): it can sign for `localhost`, its
 * subdomains, the loopback addresses and the configured `allowedHosts` names, nothing else. A
 * leaked `ca-key.pem` therefore cannot sign for a real site. Proved with the verifiers users
 * have: OpenSSL (Node's TLS client), NSS (`certutil`, as Firefox and Chromium on Linux read it)
 * and headless Chromium trusting the CA through the NSS database of a temporary HOME, the way
 * `mfe-dev trust` sets it up.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import { isIP, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import forge from 'node-forge';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { caTrustStatus, certificateNames, localCertificate, runTrust } from '../../src/https/index.js';
import { issueServerCertificate, readNameConstraints, type PemPair } from '../../src/https/issue.js';
import { caFiles, readCertificateAuthority } from '../../src/https/local-ca.js';
import { certutilAvailable } from '../helpers/certutil.js';
import { startHttpsCli } from '../helpers/cli-https.js';
import { startGateway } from '../helpers/gateway.js';
import { listen, type TestServer } from '../helpers/servers.js';

const CHROMIUM = '/usr/bin/chromium';
const runBrowser = (fs.existsSync(CHROMIUM) || Boolean(process.env.CI)) && certutilAvailable && process.platform === 'linux';

let home: string;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-nc-'));
});
afterEach(() => {
  fs.rmSync(home, { recursive: true, force: true });
});

/** The stored CA, as an attacker who copied `ca.pem` and `ca-key.pem` has it. */
function stolenCa(dir: string): PemPair {
  const files = caFiles(dir);
  return { cert: fs.readFileSync(files.cert, 'utf8'), key: fs.readFileSync(files.key, 'utf8') };
}

/** A CA as mfe-dev made it before name constraints: CA:true, path length 0, no nameConstraints. */
function writeUnconstrainedCa(dir: string): string {
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKey);
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 3650 * 86400_000);
  const subject = [{ name: 'commonName', value: 'mfe-dev local CA old@box 00000000' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keys.privateKey), forge.md.sha256.create());
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(caFiles(dir).cert, forge.pki.certificateToPem(cert));
  fs.writeFileSync(caFiles(dir).key, keys.privateKey, { mode: 0o600 });
  return forge.pki.certificateToPem(cert);
}

/** A TLS handshake by a client that trusts only `ca`: Node's TLS, i.e. OpenSSL's verifier. */
async function handshake(leaf: PemPair, ca: string, servername: string): Promise<string> {
  const server = https.createServer({ cert: leaf.cert, key: leaf.key }, (_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port, ca: [ca], servername: isIP(servername) ? undefined : servername, checkServerIdentity: () => undefined }, () => {
        resolve(socket.authorized ? 'ok' : String(socket.authorizationError));
        socket.end();
      });
      socket.on('error', (error: Error) => resolve(error.message));
    });
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('the local CA is name-constrained', () => {
  it('permits localhost, .localhost, loopback and the allowedHosts names; a leaf for any other name from the same key is refused', async () => {
    const made = await localCertificate({ names: certificateNames({ host: '127.0.0.1', allowedHosts: ['.shop.test', 'dev.example.org', '192.168.7.7'] }), home });
    expect(readNameConstraints(made.ca)).toEqual({
      dns: ['.localhost', 'dev.example.org', 'localhost', 'shop.test'],
      ips: ['127.0.0.0/8', '192.168.7.7/32', '::1/128'],
    });
    expect(made.notes.join('\n')).toContain('it can sign only for .localhost, dev.example.org, localhost, shop.test, 127.0.0.0/8, 192.168.7.7/32, ::1/128');

    // Verification ignores the host name asked for (checkServerIdentity is off): only the chain and its constraints count.
    expect(await handshake(made, made.ca, 'localhost')).toBe('ok');
    const ca = stolenCa(home);
    for (const names of [{ dns: ['app.localhost', 'www.shop.test'], ips: ['127.0.0.2'] }]) {
      expect(await handshake(await issueServerCertificate(ca, names), made.ca, names.dns[0])).toBe('ok');
    }
    for (const names of [{ dns: ['www.example.com'], ips: [] }, { dns: ['localhost'], ips: ['8.8.8.8'] }, { dns: ['localhost.evil.example', 'example.org'], ips: [] }]) {
      expect(await handshake(await issueServerCertificate(ca, names), made.ca, names.dns[0])).toBe('permitted subtree violation');
    }
  });

  it('a name the CA does not cover gives a new CA, once, covering the old names and the new; the note says to run `mfe-dev trust`', async () => {
    const first = await localCertificate({ names: certificateNames({ allowedHosts: ['a.test'] }), home });
    const second = await localCertificate({ names: certificateNames({ allowedHosts: ['b.test'] }), home });
    expect(second.outcome).toBe('new-ca');
    expect(second.ca).not.toBe(first.ca);
    expect(second.notes).toHaveLength(1);
    expect(second.notes[0]).toMatch(/could not sign for a name in `allowedHosts`.*Browsers do not trust it yet: run `mfe-dev trust` once\./);
    expect(readNameConstraints(second.ca)?.dns).toEqual(['.localhost', 'a.test', 'b.test', 'localhost']);
    // Both projects now share it: no more new CAs, no more notes.
    const again = await localCertificate({ names: certificateNames({ allowedHosts: ['a.test'] }), home });
    expect(again.outcome).toBe('new-certificate');
    expect(again.ca).toBe(second.ca);
    expect((await localCertificate({ names: certificateNames({ allowedHosts: ['b.test'] }), home })).outcome).toBe('reused');
  });

  it('a CA made before name constraints (it could sign for any site) is replaced by a constrained one, and said once', async () => {
    const old = writeUnconstrainedCa(home);
    const ca = stolenCa(home);
    expect(await handshake(await issueServerCertificate(ca, { dns: ['www.example.com'], ips: [] }), old, 'www.example.com')).toBe('ok');

    // `mfe-dev check` says so, and what to do.
    expect(await caTrustStatus({ home, env: { ...process.env, HOME: home } })).toMatchObject({ trusted: false, detail: expect.stringContaining('can sign for any site: run `mfe-dev trust`') });

    const made = await localCertificate({ names: certificateNames({}), home });
    expect(made.outcome).toBe('new-ca');
    expect(made.notes.join('\n')).toMatch(/replaced the local certificate authority 'mfe-dev local CA old@box 00000000', which could sign for any site.*run `mfe-dev trust` once/);
    expect(readNameConstraints(made.ca)).toEqual({ dns: ['.localhost', 'localhost'], ips: ['127.0.0.0/8', '::1/128'] });
    const next = await localCertificate({ names: certificateNames({}), home });
    expect(next).toMatchObject({ outcome: 'reused', notes: [] });
  });

  it('through the real CLI: the gateway start says so as one warning (and does not add the "browsers will warn" line)', async () => {
    writeUnconstrainedCa(home);
    const production = await listen((_req, res) => res.end('production'));
    const gateway = await startHttpsCli({ upstream: production.url, https: true }, { MFE_DEV_HOME: home, HOME: home });
    try {
      const out = gateway.output;
      expect(out.match(/mfe-dev trust/g)).toHaveLength(1);
      expect(out).toMatch(/replaced the local certificate authority .*which could sign for any site.*run `mfe-dev trust` once/);
      expect(readNameConstraints(stolenCa(home).cert)).toBeDefined();
    } finally {
      await gateway.stop();
      await production.close();
    }
  });
});

describe.runIf(runBrowser)('NSS and Chromium refuse what the CA signs for other names', () => {
  let tmp: string;
  let env: NodeJS.ProcessEnv;
  let browser: Browser;
  let production: TestServer;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let evil: https.Server;
  let previousHome: string | undefined;
  const nssdb = () => `sql:${path.join(env.HOME!, '.pki', 'nssdb')}`;

  beforeAll(async () => {
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-nc-browser-')));
    env = { ...process.env, HOME: path.join(tmp, 'home'), MFE_DEV_HOME: path.join(tmp, 'mfe-dev') };
    fs.mkdirSync(env.HOME!);
    previousHome = process.env.MFE_DEV_HOME;
    process.env.MFE_DEV_HOME = env.MFE_DEV_HOME;
    production = await listen((req, res) => res.end(`production for ${req.headers.host}`));
    gateway = await startGateway({ upstream: production.url, https: true, allowedHosts: ['dev.shop.test'] });
    const trust = await runTrust({ env });
    expect(trust.ok).toBe(true);
    // Someone with the CA's key signs for a real site and serves it on this machine.
    const leaf = await issueServerCertificate(stolenCa(env.MFE_DEV_HOME!), { dns: ['www.example.com'], ips: [] });
    evil = https.createServer({ cert: leaf.cert, key: leaf.key }, (_req, res) => res.end('signed by the stolen key'));
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    fs.writeFileSync(path.join(tmp, 'evil.pem'), leaf.cert);
    fs.writeFileSync(path.join(tmp, 'gateway.pem'), (await localCertificate({ names: certificateNames({ host: '127.0.0.1', allowedHosts: ['dev.shop.test'] }) })).cert);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      env,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--host-resolver-rules=MAP www.example.com 127.0.0.1, MAP dev.shop.test 127.0.0.1'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    evil?.closeAllConnections();
    await new Promise((resolve) => (evil ? evil.close(resolve) : resolve(undefined)));
    await gateway?.close();
    await production?.close();
    if (previousHome === undefined) delete process.env.MFE_DEV_HOME;
    else process.env.MFE_DEV_HOME = previousHome;
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('certutil: the gateway certificate verifies against the trusted CA, the other-name leaf does not', () => {
    const verify = (name: string, file: string) => {
      execFileSync('certutil', ['-A', '-d', nssdb(), '-t', ',,', '-n', name, '-i', file]);
      return spawnSync('certutil', ['-V', '-d', nssdb(), '-n', name, '-u', 'V'], { encoding: 'utf8' });
    };
    const good = verify('gateway leaf', path.join(tmp, 'gateway.pem'));
    expect(good.stdout).toContain('certificate is valid');
    expect(good.status).toBe(0);
    const bad = verify('www.example.com leaf', path.join(tmp, 'evil.pem'));
    expect(bad.stdout + bad.stderr).toContain('not permitted to issue a certificate with this name');
    expect(bad.status).not.toBe(0);
    expect(new X509Certificate(fs.readFileSync(path.join(tmp, 'evil.pem'))).checkIssued(readCertificateAuthority(env.MFE_DEV_HOME)!.x509)).toBe(true);
  });

  it('Chromium opens the gateway as localhost, 127.0.0.1 and an allowedHosts name, and refuses www.example.com signed by the same CA', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const port = new URL(gateway.url).port;
      for (const host of ['localhost', '127.0.0.1', 'dev.shop.test']) {
        const response = await page.goto(`https://${host}:${port}/`);
        expect(response?.status()).toBe(200);
        expect(await page.textContent('body')).toContain('production for');
      }
      const evilPort = (evil.address() as AddressInfo).port;
      const error = await page.goto(`https://www.example.com:${evilPort}/`).then(
        () => 'loaded',
        (e: Error) => e.message,
      );
      expect(error).toMatch(/net::ERR_CERT_INVALID/);
    } finally {
      await context.close();
    }
  });
});
