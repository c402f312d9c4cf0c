import { isIP } from 'node:net';

/**
 * DNS-rebinding protection, as Vite's dev server does it: the gateway holds the developer's
 * production session, so it answers only to names of this machine (and IP literals, which a
 * rebinding attack cannot use).
 */
export function isAllowedHost(hostHeader: string | undefined, config: { host: string; allowedHosts: readonly string[] | true }): boolean {
  if (!hostHeader) return false;
  if (config.allowedHosts === true) return true;
  const hostname = hostnameOf(hostHeader).toLowerCase();
  if (isIP(hostname)) return true;
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return true;
  if (hostname === config.host.toLowerCase()) return true;
  return config.allowedHosts.some((allowed) => {
    const name = allowed.toLowerCase();
    return name.startsWith('.') ? hostname === name.slice(1) || hostname.endsWith(name) : hostname === name;
  });
}

export function hostNotAllowedMessage(hostHeader: string | undefined): string {
  const host = hostHeader ?? '(none)';
  return `mfe-dev: blocked a request for host '${host}'. The gateway only answers to localhost, *.localhost and IP addresses, so that other sites cannot use it to reach production with your session. Open it as http://localhost:PORT, or add '${hostnameOf(host)}' to \`allowedHosts\` in the config.\n`;
}

function hostnameOf(hostHeader: string): string {
  if (hostHeader.startsWith('[')) return hostHeader.slice(1, hostHeader.indexOf(']'));
  const colon = hostHeader.lastIndexOf(':');
  return colon === -1 ? hostHeader : hostHeader.slice(0, colon);
}
