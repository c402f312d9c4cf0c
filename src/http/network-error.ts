/** The fix for a certificate signed by a CA Node does not know. */
export const PRIVATE_CA_FIX = 'If the server uses a private CA (a company proxy, staging), start mfe-dev with NODE_EXTRA_CA_CERTS=/path/to/ca.pem';

/** Network errors in words a developer recognises. */
export function describeNetworkError(error: unknown): string {
  const err = error as NodeJS.ErrnoException | undefined;
  switch (err?.code) {
    case 'ECONNREFUSED':
      return 'connection refused (is the service running?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host not found (${err.message})`;
    case 'ECONNRESET':
      return 'connection reset';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'EPROTO':
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      return `TLS error: ${err.message}`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      // Almost always a private CA (a company proxy, a staging environment): Node trusts only its
      // own list, not the system's, unless told.
      return `TLS certificate error: ${err.message}. ${PRIVATE_CA_FIX}`;
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS certificate error: ${err.message}`;
    default:
      return err?.message ?? String(error);
  }
}
