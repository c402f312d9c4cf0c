import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MfeDevError } from '../errors.js';
import type { PemPair } from './issue.js';

/**
 * `https: { cert, key }`: the developer's own certificate (from mkcert, a company CA, …). Read
 * and checked at start, so a wrong path or a key of another certificate is an error that names
 * the file, not a handshake failure in the browser later.
 */
export interface UserCertificate extends PemPair {
  certFile: string;
  keyFile: string;
  /** The names the certificate is for, as its subjectAltName lists them. */
  subjectAltName: string;
  notAfter: Date;
}

export function readUserCertificate(files: { cert: string; key: string }, options: { baseDir?: string; now?: Date } = {}): UserCertificate {
  const baseDir = options.baseDir ?? process.cwd();
  const certFile = path.resolve(baseDir, files.cert);
  const keyFile = path.resolve(baseDir, files.key);
  const cert = readPem(certFile, 'https.cert', 'certificate');
  const key = readPem(keyFile, 'https.key', 'private key');

  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (error) {
    throw invalid(certFile, 'https.cert', `is not a PEM or DER certificate (${(error as Error).message})`, 'Point it at the certificate file (e.g. localhost.pem from `mkcert localhost`).', error);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    throw invalid(keyFile, 'https.key', `is not an unencrypted private key (${(error as Error).message})`, 'Point it at the key file (e.g. localhost-key.pem from `mkcert localhost`); encrypted keys are not supported.', error);
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw invalid(keyFile, 'https.key', `does not belong to the certificate ${certFile}`, 'Use the key that was made together with that certificate.');
  }
  const now = options.now ?? new Date();
  const notAfter = new Date(x509.validTo);
  if (notAfter.getTime() <= now.getTime()) {
    throw invalid(certFile, 'https.cert', `expired on ${notAfter.toISOString()}`, 'Make a new certificate, or use `https: true` and let mfe-dev make and renew one.');
  }
  return { cert: cert.toString(), key: key.toString(), certFile, keyFile, subjectAltName: x509.subjectAltName ?? '', notAfter };
}

function readPem(file: string, key: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable by this user' : `cannot be read (${(error as Error).message})`;
    throw invalid(file, key, reason, `Set \`${key}\` to your ${what} file (relative paths are from the config file's folder).`, error);
  }
}

function invalid(file: string, key: string, reason: string, fix: string, cause?: unknown): MfeDevError {
  return new MfeDevError('MFE_HTTPS_FILE_INVALID', `\`${key}\`: ${file} ${reason}. ${fix}`, { file, cause });
}
