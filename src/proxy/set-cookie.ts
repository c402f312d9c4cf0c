/**
 * Make production's `Set-Cookie` usable on the gateway's origin (`http://127.0.0.1:PORT`).
 *
 * Attributes are filtered one by one and everything else is kept byte for byte, so the cookie
 * the browser stores is the one production meant, minus what would stop it working locally:
 * - `Domain` is dropped: the cookie becomes host-only for the gateway's host.
 * - On a plain-http gateway, `Secure` is dropped (the browser would refuse it), `Partitioned`
 *   with it (it requires `Secure`), and `SameSite=None` (which also requires `Secure`) becomes `Lax`.
 *
 * Cookie names with the `__Secure-` or `__Host-` prefix still need `Secure`; browsers refuse them
 * on plain http whatever we do, so they are left as production sent them.
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

function attributeName(part: string): string {
  const eq = part.indexOf('=');
  return (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
}
