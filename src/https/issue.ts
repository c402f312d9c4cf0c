import { generateKeyPair, randomBytes } from 'node:crypto';
import os from 'node:os';
import { promisify } from 'node:util';
import forge from 'node-forge';
import type { CertificateNames, NameConstraints } from './names.js';

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

/**
 * A new certificate authority: self-signed, allowed to sign server certificates only (path
 * length 0), and only for the names in `constraints` (a critical nameConstraints extension).
 */
export async function createCertificateAuthority(constraints: NameConstraints, now = new Date()): Promise<PemPair> {
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
    nameConstraintsExtension(constraints),
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keys.privateKey), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: keys.privateKey };
}

/** forge's IP helpers (byte strings), which its type definitions leave out. */
const ipBytes = forge.util as unknown as { bytesFromIP(ip: string): string | null; bytesToIP(bytes: string): string | null };
const { asn1 } = forge;

/**
 * NameConstraints ::= SEQUENCE { permittedSubtrees [0] GeneralSubtrees } with one GeneralSubtree
 * per name: a dNSName ([2] IA5String) or an iPAddress ([7] OCTET STRING: address, then mask).
 * forge writes any extension given as ASN.1; critical, as RFC 5280 requires of a CA.
 */
function nameConstraintsExtension(constraints: NameConstraints): { id: string; critical: boolean; value: forge.asn1.Asn1 } {
  const subtree = (tag: number, bytes: string) =>
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [asn1.create(asn1.Class.CONTEXT_SPECIFIC, tag, false, bytes)]);
  const ips = constraints.ips.map((range) => {
    const [ip, bits] = range.split('/');
    const address = ipBytes.bytesFromIP(ip);
    if (!address) throw new Error(`not an IP range: ${range}`);
    const mask = Array.from({ length: address.length }, (_, i) => String.fromCharCode((0xff << (8 - Math.max(0, Math.min(8, Number(bits) - i * 8)))) & 0xff)).join('');
    return subtree(7, address + mask);
  });
  const permitted = asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [...constraints.dns.map((name) => subtree(2, name)), ...ips]);
  return { id: '2.5.29.30', critical: true, value: asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [permitted]) };
}

/** The permitted names of a CA certificate (PEM), or `undefined` when it has no name constraints. */
export function readNameConstraints(pem: string): NameConstraints | undefined {
  const extension = forge.pki.certificateFromPem(pem).getExtension('nameConstraints') as
    | { permittedSubtrees?: Array<{ type: number; value: string }>; excludedSubtrees?: unknown[] }
    | undefined;
  if (!extension?.permittedSubtrees?.length) return undefined;
  const dns: string[] = [];
  const ips: string[] = [];
  for (const { type, value } of extension.permittedSubtrees) {
    if (type === 2) dns.push(value.toLowerCase());
    else if (type === 7) {
      const half = value.length / 2;
      const ip = ipBytes.bytesToIP(value.slice(0, half));
      const bits = [...value.slice(half)].reduce((sum, c) => sum + c.charCodeAt(0).toString(2).replace(/0/g, '').length, 0);
      if (ip) ips.push(`${ip}/${bits}`);
    }
  }
  return { dns: dns.sort(), ips: ips.sort() };
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
