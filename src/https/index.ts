import { certificateNames } from './names.js';
import { readUserCertificate } from './user-files.js';

/**
 * HTTPS for the gateway: the certificate it serves, from the developer's own files or from
 * mfe-dev's local certificate authority. Imported by the server and the command line only; the
 * heavy parts (issuing, trust stores) load when they are needed.
 */
export { certificateNames, describeNames, type CertificateNames } from './names.js';
export { mfeDevHome } from './home.js';
export { localCertificate, type LocalCertificate } from './local-ca.js';
export { readUserCertificate, type UserCertificate } from './user-files.js';
export { runTrust, type TrustOptions, type TrustReport } from './trust/trust.js';
export { caTrustStatus } from './trust/trust-status.js';

/** The `https` config value: `true` for the local CA, or the developer's own PEM files. */
export type HttpsSetting = boolean | { cert: string; key: string };

export interface TlsCredentials {
  cert: string;
  key: string;
  /** Where the certificate came from, for the banner. */
  source: 'local-ca' | 'files';
  /** Lines for the terminal (a new CA, a renewed certificate, …). */
  notes: string[];
  /** A CA was made just now: browsers do not trust it until `mfe-dev trust` runs (the notes say so). */
  trustNeeded?: boolean;
  /** The CA certificate (PEM) when it is mfe-dev's own, for clients that must trust it explicitly. */
  ca?: string;
}

/**
 * The certificate and key for a gateway listening on `host` and answering to `allowedHosts`,
 * or `undefined` for plain http. `baseDir` resolves relative `cert`/`key` paths (the config
 * file's folder).
 */
export async function tlsCredentials(
  https: HttpsSetting | undefined,
  options: { host?: string; allowedHosts?: readonly string[] | true; baseDir?: string; home?: string; now?: Date },
): Promise<TlsCredentials | undefined> {
  if (!https) return undefined;
  if (https === true) {
    const { localCertificate } = await import('./local-ca.js');
    const local = await localCertificate({ names: certificateNames(options), home: options.home, now: options.now });
    const notes = [...local.notes];
    if (options.allowedHosts === true) notes.push('`allowedHosts: true` cannot be put in a certificate: names other than localhost and the listed ones get a certificate warning.');
    return { cert: local.cert, key: local.key, source: 'local-ca', notes, ca: local.ca, trustNeeded: local.outcome === 'new-ca' };
  }
  const files = readUserCertificate(https, { baseDir: options.baseDir, now: options.now });
  return { cert: files.cert, key: files.key, source: 'files', notes: [`serving ${files.certFile} (${files.subjectAltName || 'no subjectAltName'})`] };
}
