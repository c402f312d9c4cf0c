/**
 * Make production's `Set-Cookie` usable on the gateway's origin (`http://127.0.0.1:PORT`).
 *
 * Attributes are filtered one by one and everything else is kept byte for byte, so the cookie
 * the browser stores is the one production meant, minus what would stop it working locally:
 * - `Domain` is dropped: the cookie becomes host-only for the gateway's host.
 * - Where the browser would refuse `Secure` (see {@link keepsSecureCookies}), `Secure` is dropped,
 *   `Partitioned` with it (it requires `Secure`), and `SameSite=None` (which also requires
 *   `Secure`) becomes `Lax`. `__Secure-` and `__Host-` cookies need `Secure`, so they only work
 *   where it is kept: use `localhost` or `127.0.0.1` (or https), not a name from /etc/hosts.
 */
export function rewriteSetCookie(value: string, options: { secureGateway: boolean }): string {
  const parts = value.split(';');
  const kept: string[] = [parts[0]];
  let changed = false;
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i];
    const name = attributeName(part);
    if (name === 'domain') {
      changed = true;
      continue;
    }
    if (!options.secureGateway) {
      if (name === 'secure' || name === 'partitioned') {
        changed = true;
        continue;
      }
      if (name === 'samesite' && /=\s*none\s*$/i.test(part)) {
        kept.push(part.replace(/none\s*$/i, 'Lax'));
        changed = true;
        continue;
      }
    }
    kept.push(part);
  }
  return changed ? kept.join(';') : value;
}

/**
 * Whether a browser keeps `Secure` cookies set by this gateway origin: on https always, and on
 * plain http for the names browsers treat as secure contexts (Chromium and Firefox: `localhost`,
 * `*.localhost`, `127.0.0.0/8`, `[::1]`). The one place that decides, per gateway origin.
 * @param gatewayOrigin `http://127.0.0.1:4400`, `https://localhost:4400`, …
 */
export function keepsSecureCookies(gatewayOrigin: string): boolean {
  let keeps = secureCookieOrigins.get(gatewayOrigin);
  if (keeps === undefined) {
    keeps = decideSecureCookies(gatewayOrigin);
    // A gateway answers on a few origins (its names and ports); each is decided once.
    if (secureCookieOrigins.size < 64) secureCookieOrigins.set(gatewayOrigin, keeps);
  }
  return keeps;
}

const secureCookieOrigins = new Map<string, boolean>();

function decideSecureCookies(gatewayOrigin: string): boolean {
  let url: URL;
  try {
    url = new URL(gatewayOrigin);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  const host = url.hostname.toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function attributeName(part: string): string {
  const eq = part.indexOf('=');
  return (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
}
