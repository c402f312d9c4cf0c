import { BlockList, isIP } from 'node:net';

/** The names a gateway certificate is for: DNS names (wildcards included) and IP addresses. */
export interface CertificateNames {
  dns: string[];
  ips: string[];
}

/** A DNS name as a certificate may carry it: labels of letters, digits, `-` and `_`, maybe `*.` first. */
const DNS_NAME = /^(\*\.)?[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/**
 * Every name the gateway answers to over https: `localhost`, `127.0.0.1`, `::1`, the host it
 * listens on (unless it is a wildcard address such as `0.0.0.0`), and each `allowedHosts` entry.
 * A leading-dot entry (`.shop.test`) stands for the name and its subdomains, so it gives
 * `shop.test` and `*.shop.test` (a wildcard covers one level, as in every browser).
 * `allowedHosts: true` adds nothing: no certificate can cover every name.
 * Sorted and without duplicates, so the same settings always give the same list.
 */
export function certificateNames(options: { host?: string; allowedHosts?: readonly string[] | true }): CertificateNames {
  const dns = new Set<string>(['localhost']);
  const ips = new Set<string>(['127.0.0.1', '::1']);
  const add = (raw: string) => {
    let name = raw.trim().toLowerCase().replace(/\.$/, '');
    if (name.startsWith('[') && name.endsWith(']')) name = name.slice(1, -1);
    if (isIP(name)) {
      if (name !== '0.0.0.0' && name !== '::') ips.add(name);
      return;
    }
    if (name.startsWith('.')) {
      add(name.slice(1));
      name = `*${name}`;
    }
    if (DNS_NAME.test(name) && name.length <= 253) dns.add(name);
  };
  if (options.host) add(options.host);
  if (Array.isArray(options.allowedHosts)) for (const name of options.allowedHosts) add(name);
  return { dns: [...dns].sort(), ips: [...ips].sort() };
}

/** `DNS:localhost, IP Address:127.0.0.1` → the same shape, for comparing with a certificate. */
export function namesFromSubjectAltName(subjectAltName: string | undefined): CertificateNames {
  const dns: string[] = [];
  const ips: string[] = [];
  for (const entry of (subjectAltName ?? '').split(/,\s*/)) {
    const colon = entry.indexOf(':');
    if (colon === -1) continue;
    const type = entry.slice(0, colon);
    const value = entry.slice(colon + 1);
    if (type === 'DNS') dns.push(value.toLowerCase());
    else if (type === 'IP Address') ips.push(normalizeIp(value));
  }
  return { dns: [...new Set(dns)].sort(), ips: [...new Set(ips)].sort() };
}

export function sameNames(a: CertificateNames, b: CertificateNames): boolean {
  const key = (n: CertificateNames) => JSON.stringify([[...n.dns].sort(), [...n.ips].map(normalizeIp).sort()]);
  return key(a) === key(b);
}

export function describeNames(names: CertificateNames): string {
  return [...names.dns, ...names.ips].join(', ');
}

/** Node prints IPv6 addresses in a certificate in full (`0:0:0:0:0:0:0:1`); compare them short. */
function normalizeIp(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip;
  }
}

/**
 * What mfe-dev's local CA may sign for: X.509 name constraints (RFC 5280 §4.2.1.10) as DNS
 * subtrees (`localhost` covers the name and every name under it, `.localhost` only the names
 * under it) and IP ranges in CIDR form. Browsers refuse a certificate from the CA for any
 * other name, so a leaked `ca-key.pem` cannot sign for a real site.
 */
export interface NameConstraints {
  dns: string[];
  ips: string[];
}

/** Always permitted: `localhost`, its subdomains and the loopback addresses. */
export const LOOPBACK_CONSTRAINTS: NameConstraints = { dns: ['.localhost', 'localhost'], ips: ['127.0.0.0/8', '::1/128'] };

/** The constraints a CA needs to sign a certificate for `names`: loopback plus each name (a wildcard's base name). */
export function constraintsFor(names: CertificateNames): NameConstraints {
  const dns = names.dns.map((name) => name.replace(/^\*\./, ''));
  const ips = names.ips.filter((ip) => !constraintsPermit(LOOPBACK_CONSTRAINTS, { dns: [], ips: [ip] })).map((ip) => `${normalizeIp(ip)}/${isIP(ip) === 6 ? 128 : 32}`);
  return mergeConstraints(LOOPBACK_CONSTRAINTS, { dns, ips });
}

/** Both sets together, sorted and without duplicates, so equal sets compare equal. */
export function mergeConstraints(a: NameConstraints, b: NameConstraints): NameConstraints {
  return { dns: [...new Set([...a.dns, ...b.dns])].sort(), ips: [...new Set([...a.ips, ...b.ips])].sort() };
}

/** Whether a CA with `constraints` may sign a certificate for every one of `names`. */
export function constraintsPermit(constraints: NameConstraints, names: CertificateNames): boolean {
  // A wildcard stands for any one label: check a name it covers.
  const dnsOk = names.dns.every((name) => constraints.dns.some((subtree) => dnsSubtreeHas(subtree, name.replace(/^\*\./, 'a.'))));
  const ipsOk = names.ips.every((ip) => constraints.ips.some((range) => ipRangeHas(range, `${ip}/${isIP(ip) === 6 ? 128 : 32}`)));
  return dnsOk && ipsOk;
}

export function describeConstraints(constraints: NameConstraints): string {
  return [...constraints.dns, ...constraints.ips].join(', ');
}

/** RFC 5280: `a.b` covers `a.b` and `x.a.b`; `.a.b` covers only `x.a.b`. */
function dnsSubtreeHas(subtree: string, name: string): boolean {
  const s = subtree.toLowerCase();
  const n = name.toLowerCase();
  return s.startsWith('.') ? n.endsWith(s) : n === s || n.endsWith(`.${s}`);
}

/** Whether the CIDR range `outer` contains every address of `inner`. */
function ipRangeHas(outer: string, inner: string): boolean {
  const [outerIp, outerBits] = outer.split('/');
  const [innerIp, innerBits] = inner.split('/');
  const family = isIP(outerIp);
  if (!family || family !== isIP(innerIp) || Number(innerBits) < Number(outerBits)) return false;
  const list = new BlockList();
  list.addSubnet(outerIp, Number(outerBits), family === 6 ? 'ipv6' : 'ipv4');
  return list.check(innerIp, family === 6 ? 'ipv6' : 'ipv4');
}
