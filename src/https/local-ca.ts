import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { MfeDevError } from '../errors.js';
import { withFileLock } from './file-lock.js';
import { ensurePrivateDir, mfeDevHome, writeFileAtomic } from './home.js';
import type { PemPair } from './issue.js';
import {
  constraintsFor,
  constraintsPermit,
  describeConstraints,
  describeNames,
  mergeConstraints,
  namesFromSubjectAltName,
  sameNames,
  type CertificateNames,
  type NameConstraints,
} from './names.js';

/**
 * mfe-dev's local certificate authority and the server certificates it issues, kept in the
 * user's mfe-dev folder (see `mfeDevHome`): `ca.pem` and `ca-key.pem`, and `certs/<id>.pem`
 * with `certs/<id>-key.pem` per set of names. Keys are 0600 and the folders 0700.
 *
 * Stored certificates are checked with Node's own X.509 parser; the issuing library is loaded
 * only when something must be made: the first time, when a certificate nears its end, or when
 * the names change (a new `allowedHosts`).
 */
export interface LocalCertificate extends PemPair {
  /** The CA's certificate (PEM), for clients that must trust it explicitly. */
  ca: string;
  caFile: string;
  /** The CA's common name: how it is listed in trust stores. */
  caName: string;
  names: CertificateNames;
  notAfter: Date;
  /** What happened: `reused` stored certificates, or made a `new-ca` / `new-certificate`. */
  outcome: 'reused' | 'new-ca' | 'new-certificate';
  /** Lines for the terminal, e.g. that browsers must be told to trust a new CA. */
  notes: string[];
}

const DAY = 24 * 60 * 60 * 1000;
/** Renew a server certificate this long before it ends. */
const RENEW_SERVER_BEFORE_MS = 30 * DAY;
/** Replace the CA this long before it ends (it then needs `mfe-dev trust` again). */
const RENEW_CA_BEFORE_MS = 30 * DAY;

export interface LocalCertificateOptions {
  names: CertificateNames;
  /** The mfe-dev folder; default `mfeDevHome()`. */
  home?: string;
  /** The current time (tests move it forward). */
  now?: Date;
}

export function caFiles(home = mfeDevHome()): { cert: string; key: string } {
  return { cert: path.join(home, 'ca.pem'), key: path.join(home, 'ca-key.pem') };
}

/** The stored CA, or `undefined` when there is none yet. Throws for a damaged one. */
export function readCertificateAuthority(home = mfeDevHome()): (PemPair & { x509: X509Certificate; file: string }) | undefined {
  const files = caFiles(home);
  if (!existsSync(files.cert) && !existsSync(files.key)) return undefined;
  try {
    const cert = readFileSync(files.cert, 'utf8');
    const key = readFileSync(files.key, 'utf8');
    const x509 = new X509Certificate(cert);
    if (!x509.ca || !x509.checkPrivateKey(createPrivateKey(key))) throw new Error('the key does not belong to the certificate, or it is not a CA');
    return { cert, key, x509, file: files.cert };
  } catch (error) {
    throw new MfeDevError(
      'MFE_HTTPS_CA_DAMAGED',
      `mfe-dev's local certificate authority in ${home} cannot be used (${(error as Error).message}). ` +
        `Delete ${files.cert} and ${files.key}; mfe-dev makes a new CA on its next https start (then run \`mfe-dev trust\` again).`,
      { file: files.cert, cause: error },
    );
  }
}

/** The common name of a certificate's subject. */
export function commonName(x509: X509Certificate): string {
  return /(?:^|\n)CN=([^\n]*)/.exec(x509.subject)?.[1] ?? x509.subject;
}

/** Why a CA was made: there was none, the old one was about to end, had no name constraints, or did not cover a name. */
export type CaReason = 'first' | 'expiring' | 'unconstrained' | 'names';

export interface EnsuredCertificateAuthority {
  ca: PemPair & { x509: X509Certificate; file: string };
  /** The names it may sign for. */
  constraints: NameConstraints;
  created: boolean;
  reason?: CaReason;
  /** The common name of the CA it replaced. */
  replaced?: string;
}

/** Where the CA's constraints are remembered, so a start need not load the X.509 library to read them. */
const constraintsFile = (home: string) => path.join(home, 'ca-constraints.json');
const LOOPBACK_NAMES: CertificateNames = { dns: ['localhost'], ips: ['127.0.0.1', '::1'] };

/**
 * The CA, made now if there is none, it is about to end, it has no name constraints (made by an
 * older mfe-dev), or its constraints do not cover `names`. A replacement permits what the old one
 * did plus the new names, so projects with different `allowedHosts` do not take turns.
 */
export async function ensureCertificateAuthority(home = mfeDevHome(), now = new Date(), names: CertificateNames = LOOPBACK_NAMES): Promise<EnsuredCertificateAuthority> {
  const existing = readCertificateAuthority(home);
  let constraints = constraintsFor(names);
  let reason: CaReason = 'first';
  if (existing) {
    const current = await storedConstraints(home, existing);
    if (new Date(existing.x509.validTo).getTime() - now.getTime() <= RENEW_CA_BEFORE_MS) reason = 'expiring';
    else if (!current) reason = 'unconstrained';
    else if (!constraintsPermit(current, names)) reason = 'names';
    else return { ca: existing, constraints: current, created: false };
    if (current) constraints = mergeConstraints(current, constraints);
  }
  const { createCertificateAuthority } = await import('./issue.js');
  const made = await createCertificateAuthority(constraints, now);
  ensurePrivateDir(home);
  const files = caFiles(home);
  const x509 = new X509Certificate(made.cert);
  writeFileAtomic(files.key, made.key, 0o600);
  writeFileAtomic(files.cert, made.cert, 0o644);
  writeFileAtomic(constraintsFile(home), JSON.stringify({ certificate: x509.fingerprint256, ...constraints }) + '\n', 0o644);
  // Certificates of the old CA would no longer be trusted with the new one.
  rmSync(path.join(home, 'certs'), { recursive: true, force: true });
  return { ca: { ...made, x509, file: files.cert }, constraints, created: true, reason, replaced: existing ? commonName(existing.x509) : undefined };
}

/** The CA's name constraints: remembered beside it, or read from the certificate (and remembered). */
export async function storedConstraints(home: string, ca: PemPair & { x509: X509Certificate }): Promise<NameConstraints | undefined> {
  try {
    const stored = JSON.parse(readFileSync(constraintsFile(home), 'utf8')) as { certificate?: unknown; dns?: unknown; ips?: unknown };
    const strings = (value: unknown) => Array.isArray(value) && value.every((v) => typeof v === 'string');
    if (stored.certificate === ca.x509.fingerprint256 && strings(stored.dns) && strings(stored.ips)) return { dns: stored.dns as string[], ips: stored.ips as string[] };
  } catch {
    // Missing or unreadable: read the certificate.
  }
  const { readNameConstraints } = await import('./issue.js');
  const constraints = readNameConstraints(ca.cert);
  if (constraints) writeFileAtomic(constraintsFile(home), JSON.stringify({ certificate: ca.x509.fingerprint256, ...constraints }) + '\n', 0o644);
  return constraints;
}

/** What to tell the developer about a CA made now: it must be trusted (again). */
export function newCaNote(made: EnsuredCertificateAuthority, home: string): string {
  const name = commonName(made.ca.x509);
  const scope = `it can sign only for ${describeConstraints(made.constraints)}`;
  switch (made.reason) {
    case 'expiring':
      return `made a new local certificate authority '${name}' (the old one, '${made.replaced}', was about to expire; ${scope}). Browsers do not trust it yet: run \`mfe-dev trust\` once.`;
    case 'unconstrained':
      return `replaced the local certificate authority '${made.replaced}', which could sign for any site, with '${name}': ${scope}, so a leaked key is no use elsewhere. Browsers do not trust it yet: run \`mfe-dev trust\` once.`;
    case 'names':
      return `made a new local certificate authority '${name}' because the old one, '${made.replaced}', could not sign for a name in \`allowedHosts\`; ${scope}. Browsers do not trust it yet: run \`mfe-dev trust\` once.`;
    default:
      return `made mfe-dev's local certificate authority '${name}' in ${home} (${scope}). Run \`mfe-dev trust\` once so browsers trust it.`;
  }
}

/** A file name for a set of names, so gateways with different `allowedHosts` do not take turns. */
function certificateId(names: CertificateNames): string {
  return createHash('sha256').update(JSON.stringify(names)).digest('hex').slice(0, 16);
}

/**
 * A server certificate for `names` from the local CA: the stored one while it is good (same
 * names, same CA, more than 30 days left), otherwise a new one. The CA is made on first use.
 */
export async function localCertificate(options: LocalCertificateOptions): Promise<LocalCertificate> {
  const home = options.home ?? mfeDevHome();
  return withFileLock(home, 'certificates', () => localCertificateLocked(home, options));
}

async function localCertificateLocked(home: string, options: LocalCertificateOptions): Promise<LocalCertificate> {
  const now = options.now ?? new Date();
  const notes: string[] = [];
  const ensured = await ensureCertificateAuthority(home, now, options.names);
  const { ca, created } = ensured;
  const caName = commonName(ca.x509);
  if (created) notes.push(newCaNote(ensured, home));
  const certsDir = path.join(home, 'certs');
  const id = certificateId(options.names);
  const certFile = path.join(certsDir, `${id}.pem`);
  const keyFile = path.join(certsDir, `${id}-key.pem`);
  const stored = readStoredCertificate(certFile, keyFile, ca.x509, options.names, now);
  if (stored) {
    return { ...stored, ca: ca.cert, caFile: ca.file, caName, names: options.names, outcome: created ? 'new-ca' : 'reused', notes };
  }
  const { issueServerCertificate } = await import('./issue.js');
  const issued = await issueServerCertificate(ca, options.names, now);
  ensurePrivateDir(home);
  ensurePrivateDir(certsDir);
  writeFileAtomic(keyFile, issued.key, 0o600);
  writeFileAtomic(certFile, issued.cert, 0o644);
  pruneExpired(certsDir, now);
  if (!created) notes.push(`issued a new certificate for ${describeNames(options.names)}.`);
  return {
    ...issued,
    ca: ca.cert,
    caFile: ca.file,
    caName,
    names: options.names,
    notAfter: new Date(new X509Certificate(issued.cert).validTo),
    outcome: created ? 'new-ca' : 'new-certificate',
    notes,
  };
}

function readStoredCertificate(certFile: string, keyFile: string, ca: X509Certificate, names: CertificateNames, now: Date): (PemPair & { notAfter: Date }) | undefined {
  try {
    const cert = readFileSync(certFile, 'utf8');
    const key = readFileSync(keyFile, 'utf8');
    const x509 = new X509Certificate(cert);
    const notAfter = new Date(x509.validTo);
    if (notAfter.getTime() - now.getTime() <= RENEW_SERVER_BEFORE_MS) return undefined;
    if (new Date(x509.validFrom).getTime() > now.getTime()) return undefined;
    if (!x509.checkIssued(ca) || !x509.verify(ca.publicKey)) return undefined;
    if (!sameNames(namesFromSubjectAltName(x509.subjectAltName), names)) return undefined;
    if (!x509.checkPrivateKey(createPrivateKey(key))) return undefined;
    return { cert, key, notAfter };
  } catch {
    // Missing or unreadable: issue a new one.
    return undefined;
  }
}

/** Remove server certificates that have ended, so the folder does not grow forever. */
function pruneExpired(certsDir: string, now: Date): void {
  for (const file of readdirSync(certsDir)) {
    if (!/^[0-9a-f]{16}\.pem$/.test(file)) continue;
    try {
      const x509 = new X509Certificate(readFileSync(path.join(certsDir, file)));
      if (new Date(x509.validTo).getTime() > now.getTime()) continue;
    } catch {
      // Unreadable: remove it too.
    }
    rmSync(path.join(certsDir, file), { force: true });
    rmSync(path.join(certsDir, file.replace(/\.pem$/, '-key.pem')), { force: true });
  }
}
