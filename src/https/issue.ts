import { generateKeyPair, randomBytes } from 'node:crypto';
import os from 'node:os';
import { promisify } from 'node:util';
import forge from 'node-forge';
import type { CertificateNames } from './names.js';

/**
 * Certificate issuance. node-forge builds and signs the X.509 structures; the RSA keys come from
 * Node's own crypto (native and fast). This module is loaded only when a certificate must be
 * made, never on a plain-http start nor when the stored certificates are still good.
 */
export interface PemPair {
  /** The certificate, PEM. */
  cert: string;
  /** Its private key, PEM (PKCS #8). */
  key: string;
}

const DAY = 24 * 60 * 60 * 1000;
/** The CA lives ten years: trusting it again is a chore for the developer. */
export const CA_LIFETIME_DAYS = 3650;
/** A server certificate lives a year (well under Apple's 825-day limit); renewed 30 days early. */
export const SERVER_LIFETIME_DAYS = 365;

const generateRsa = promisify(generateKeyPair);

async function rsaKeyPair(): Promise<{ publicKey: string; privateKey: string }> {
  return generateRsa('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

/** A positive 128-bit serial number, as hex. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  return bytes.toString('hex');
}

/** Valid from an hour ago, so a clock a little behind the browser's does not refuse it. */
function validity(cert: forge.pki.Certificate, now: Date, days: number): void {
  cert.validity.notBefore = new Date(now.getTime() - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(now.getTime() + days * DAY);
}

/** `mfe-dev local CA user@machine 1a2b3c4d`: which machine and which CA, in trust-store lists. */
export function caCommonName(serial: string): string {
  let user = 'user';
  try {
    user = os.userInfo().username;
  } catch {
    // No user name (some containers): the machine's name is enough.
  }
  return `mfe-dev local CA ${user}@${os.hostname()} ${serial.slice(0, 8)}`.replace(/[^\x20-\x7e]/g, '?');
}

/**
 * Names as UTF8String: forge's default, PrintableString, cannot hold `@`, `;` or a backtick,
 * and Chromium refuses such a certificate (ERR_SSL_SERVER_CERT_BAD_FORMAT).
 */
function utf8(attributes: forge.pki.CertificateField[]): forge.pki.CertificateField[] {
  return attributes.map((attribute) => ({ ...attribute, valueTagClass: forge.asn1.Type.UTF8 as number as forge.asn1.Class }));
}

/** A new certificate authority: self-signed, allowed to sign server certificates only (path length 0). */
export async function createCertificateAuthority(now = new Date()): Promise<PemPair> {
  const keys = await rsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKey);
  cert.serialNumber = serialNumber();
  validity(cert, now, CA_LIFETIME_DAYS);
  const subject = utf8([
    { name: 'commonName', value: caCommonName(cert.serialNumber) },
    { name: 'organizationName', value: 'mfe-dev development CA' },
    { shortName: 'OU', value: 'Made on this machine by mfe-dev; trusted only where `mfe-dev trust` put it' },
  ]);
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keys.privateKey), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: keys.privateKey };
}

/** A server certificate for `names`, signed by `ca`. */
export async function issueServerCertificate(ca: PemPair, names: CertificateNames, now = new Date()): Promise<PemPair> {
  const keys = await rsaKeyPair();
  const caCert = forge.pki.certificateFromPem(ca.cert);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKey);
  cert.serialNumber = serialNumber();
  validity(cert, now, SERVER_LIFETIME_DAYS);
  cert.setSubject(
    utf8([
      { name: 'commonName', value: names.dns[0] ?? names.ips[0] ?? 'localhost' },
      { name: 'organizationName', value: 'mfe-dev development certificate' },
    ]),
  );
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [...names.dns.map((value) => ({ type: 2, value })), ...names.ips.map((ip) => ({ type: 7, ip }))] },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(ca.key), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: keys.privateKey };
}
