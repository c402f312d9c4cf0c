import { isIP } from 'node:net';

/**
 * DNS-rebinding protection, as Vite's dev server does it: the gateway holds the developer's
 * production session, so it answers only to names of this machine (and IP literals, which a
 * rebinding attack cannot use).
 */
export function isAllowedHost(hostHeader: string | undefined, config: { host: string; allowedHosts: readonly string[] | true }): boolean {
  if (!hostHeader) return false;
  const hostname = parseHost(hostHeader)?.toLowerCase();
  if (hostname === undefined) return false;
  if (config.allowedHosts === true) return true;
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

/** `[v6]`, `[v6]:port` (an IPv6 literal and nothing but a port after `]`). */
const BRACKETED = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/i;
/** A DNS name or IPv4 address, optionally with a port. */
const NAME = /^([a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?\.?)(?::\d{1,5})?$/i;

/**
 * The host name of a `Host` header, or `undefined` when the header is not a valid
 * `host[:port]` (RFC 9110 §7.2): `[::1]evil.example` is not an IPv6 literal with a port.
 */
export function parseHost(hostHeader: string): string | undefined {
  const bracketed = BRACKETED.exec(hostHeader);
  if (bracketed) return isIP(bracketed[1]) === 6 ? bracketed[1] : undefined;
  return NAME.exec(hostHeader)?.[1];
}

/**
 * True when a `Host` header that is otherwise well formed names a port no URL can hold
 * (`127.0.0.1:99999`): a bad request (400), refused before anything builds a URL from it.
 */
export function hasInvalidPort(hostHeader: string | undefined): boolean {
  if (!hostHeader || parseHost(hostHeader) === undefined) return false;
  const port = /\]?:(\d+)$/.exec(hostHeader)?.[1];
  return port !== undefined && Number(port) > 65535;
}

export function invalidPortMessage(hostHeader: string): string {
  return `mfe-dev: the Host header '${hostHeader}' names a port above 65535; open the gateway at the address it printed.\n`;
}

function hostnameOf(hostHeader: string): string {
  return parseHost(hostHeader) ?? hostHeader.replace(/[^\x21-\x7e]/g, '?');
}
