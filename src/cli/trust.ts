import pc from 'picocolors';
import type { CertificateNames } from '../https/index.js';

/**
 * `mfe-dev trust [--uninstall] [--system]`: exit 0 when done, 1 with the manual steps when it
 * cannot (a tool missing, a store refused the change).
 */
export async function runTrustCommand(flags: { uninstall?: boolean; system?: boolean }): Promise<number> {
  const { runTrust } = await import('../https/index.js');
  const names = flags.uninstall ? undefined : await projectNames();
  const report = await runTrust({ uninstall: flags.uninstall, system: flags.system, names });
  const out = report.lines.map((line) => (line.startsWith('✓') ? pc.green('✓') + line.slice(1) : line.startsWith('✗') ? pc.red('✗') + line.slice(1) : line));
  if (report.ok) {
    out.push(flags.uninstall ? "Done: browsers no longer trust mfe-dev's certificates." : 'Done: restart your browser, then open the gateway with --https.');
    process.stdout.write(out.join('\n') + '\n');
    return 0;
  }
  out.push('', pc.bold(flags.uninstall ? 'To remove it by hand:' : 'To trust it by hand:'), ...report.manualSteps.map((step) => `  ${step}`));
  process.stderr.write(out.join('\n') + '\n');
  return 1;
}

/**
 * The names of the project in this folder (its `host` and `allowedHosts`), so the CA that is
 * trusted now already covers them and its first https start needs no new CA. No config, or one
 * that does not load within a few seconds: localhost and loopback only.
 */
async function projectNames(): Promise<CertificateNames | undefined> {
  try {
    const [{ resolveConfig }, { certificateNames }] = await Promise.all([import('../config/resolve-config.js'), import('../https/index.js')]);
    let timer: NodeJS.Timeout | undefined;
    const config = await Promise.race([
      resolveConfig({ watch: false }),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('config load timed out')), 5000))),
    ]).finally(() => clearTimeout(timer));
    return certificateNames({ host: config.host, allowedHosts: config.allowedHosts });
  } catch {
    return undefined;
  }
}
