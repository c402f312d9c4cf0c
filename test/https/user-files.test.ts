import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateNames, localCertificate, tlsCredentials } from '../../src/https/index.js';

/** `https: { cert, key }`: the developer's own files, checked at start with errors that name the file. */
let dir: string;
let pair: { cert: string; key: string };
let otherKey: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-userfiles-'));
  const home = path.join(dir, 'home');
  pair = await localCertificate({ names: certificateNames({}), home });
  otherKey = (await localCertificate({ names: certificateNames({ allowedHosts: ['other.test'] }), home })).key;
  writeFileSync(path.join(dir, 'localhost.pem'), pair.cert);
  writeFileSync(path.join(dir, 'localhost-key.pem'), pair.key);
  writeFileSync(path.join(dir, 'other-key.pem'), otherKey);
  writeFileSync(path.join(dir, 'notes.txt'), 'not a certificate');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('https: { cert, key }', () => {
  it('serves the files as given, relative to the config folder', async () => {
    const credentials = await tlsCredentials({ cert: 'localhost.pem', key: 'localhost-key.pem' }, { baseDir: dir });
    expect(credentials).toMatchObject({ source: 'files', cert: pair.cert, key: pair.key });
    expect(credentials!.notes[0]).toContain('DNS:localhost');
  });

  it.each([
    [{ cert: 'missing.pem', key: 'localhost-key.pem' }, /`https.cert`: .*missing\.pem does not exist\. Set `https.cert` to your certificate file/],
    [{ cert: 'localhost.pem', key: 'missing-key.pem' }, /`https.key`: .*missing-key\.pem does not exist\. Set `https.key` to your private key file/],
    [{ cert: 'notes.txt', key: 'localhost-key.pem' }, /`https.cert`: .*notes\.txt is not a PEM or DER certificate/],
    [{ cert: 'localhost.pem', key: 'notes.txt' }, /`https.key`: .*notes\.txt is not an unencrypted private key/],
    [{ cert: 'localhost.pem', key: 'other-key.pem' }, /`https.key`: .*other-key\.pem does not belong to the certificate .*localhost\.pem\. Use the key that was made together with that certificate/],
  ])('%o is refused with the file and the fix', async (files, message) => {
    await expect(tlsCredentials(files, { baseDir: dir })).rejects.toMatchObject({ code: 'MFE_HTTPS_FILE_INVALID', message: expect.stringMatching(message) });
  });

  it('refuses an expired certificate', async () => {
    await expect(tlsCredentials({ cert: 'localhost.pem', key: 'localhost-key.pem' }, { baseDir: dir, now: new Date(Date.now() + 400 * 24 * 3600 * 1000) })).rejects.toMatchObject({
      message: expect.stringMatching(/localhost\.pem expired on .*use `https: true`/),
    });
  });

  it.skipIf(process.platform === 'win32' || process.getuid?.() === 0)('says so when a file is not readable', async () => {
    const file = path.join(dir, 'locked-key.pem');
    writeFileSync(file, pair.key);
    chmodSync(file, 0);
    await expect(tlsCredentials({ cert: 'localhost.pem', key: 'locked-key.pem' }, { baseDir: dir })).rejects.toMatchObject({ message: expect.stringContaining('is not readable by this user') });
  });
});
