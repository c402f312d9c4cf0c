import type http2 from 'node:http2';
import type { ResolvedConfig } from '../config/types.js';
import type { Logger } from '../logger.js';

/**
 * With `https` on: the certificate and key (mfe-dev's local CA, or the developer's files), and
 * `refresh` to load new ones after a config edit, served to new connections without a restart.
 * Plain http (the default) loads none of this.
 */
export async function createTlsServerOptions(config: ResolvedConfig, logger: Logger) {
  if (!config.https) return undefined;
  const { caTrustStatus, tlsCredentials } = await import('../https/index.js');
  const load = async (next: ResolvedConfig) => (await tlsCredentials(next.https, { host: next.host, allowedHosts: next.allowedHosts }))!;
  const report = (fresh: Awaited<ReturnType<typeof load>>) => {
    // A new CA needs `mfe-dev trust`: said once, as a warning, and not again by the check below.
    for (const note of fresh.notes) (fresh.trustNeeded ? logger.warn : logger.info).call(logger, `https: ${note}`);
  };
  let credentials = await load(config);
  report(credentials);
  if (config.https === true && !credentials.trustNeeded) {
    // Asked in the background (it may run certutil): the start does not wait for it.
    void caTrustStatus()
      .then((status) => {
        if (status.trusted === false) logger.warn(`https: browsers will warn about the certificate: ${status.detail}`);
      })
      .catch(() => undefined);
  }
  let server: http2.Http2SecureServer | undefined;
  return {
    options: { cert: credentials.cert, key: credentials.key },
    attach(listening: http2.Http2SecureServer) {
      server = listening;
    },
    async refresh(next: ResolvedConfig) {
      const fresh = await load(next);
      if (fresh.cert === credentials.cert && fresh.key === credentials.key) return;
      credentials = fresh;
      server?.setSecureContext({ cert: fresh.cert, key: fresh.key });
      report(fresh);
    },
  };
}
