import os from 'node:os';
import { mfeDevHome } from '../home.js';
import { commonName, readCertificateAuthority, storedConstraints } from '../local-ca.js';
import { findNssDatabases, listNss } from './nss.js';
import { runCommand } from './run-command.js';

/**
 * Does this user's browser trust mfe-dev's CA? For `mfe-dev check`. `false` when there is no CA
 * yet; `undefined` when it cannot be told (the tool to ask is missing).
 */
export async function caTrustStatus(options: { home?: string; env?: NodeJS.ProcessEnv; platform?: NodeJS.Platform } = {}): Promise<{ trusted: boolean | undefined; detail: string }> {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const home = options.home ?? mfeDevHome(env, platform);
  let ca;
  try {
    ca = readCertificateAuthority(home);
  } catch (error) {
    return { trusted: false, detail: (error as Error).message };
  }
  if (!ca) return { trusted: false, detail: `no local CA yet in ${home}: run \`mfe-dev trust\` (it makes the CA and trusts it)` };
  const name = commonName(ca.x509);
  if (!(await storedConstraints(home, ca))) {
    return { trusted: false, detail: `the local CA '${name}' was made by an older mfe-dev and can sign for any site: run \`mfe-dev trust\` (it replaces it with one limited to local names)` };
  }
  if (platform === 'darwin') {
    const result = await runCommand('security', ['verify-cert', '-c', ca.file], { env });
    return result.missing ? { trusted: undefined, detail: 'cannot ask the keychain (`security` not found)' } : { trusted: result.ok, detail: result.ok ? `the keychain trusts '${name}'` : `the keychain does not trust '${name}': run \`mfe-dev trust\`` };
  }
  if (platform === 'win32') {
    const result = await runCommand('certutil', ['-user', '-verifystore', 'Root', name], { env });
    return { trusted: result.ok, detail: result.ok ? `the user's root store trusts '${name}'` : `the user's root store does not trust '${name}': run \`mfe-dev trust\`` };
  }
  const [shared] = findNssDatabases(env.HOME || os.homedir(), platform);
  const { result, entries } = await listNss(shared, { env });
  if (result.missing) return { trusted: undefined, detail: 'cannot tell: certutil is not installed (Debian: apt-get install libnss3-tools)' };
  const trusted = entries.some((e) => e.nickname === name && e.trust.startsWith('C'));
  return { trusted, detail: trusted ? `${shared.label} trusts '${name}'` : `${shared.label} does not trust '${name}': run \`mfe-dev trust\`` };
}
