import pc from 'picocolors';
import { resolveConfig } from '../config/resolve-config.js';
import type { InlineConfig, ResolvedConfig } from '../config/types.js';
import { localUrlFor } from '../config/fragment-match.js';
import { probeHttp } from '../probe.js';

/**
 * `mfe-dev check`: is everything this config needs there? Validates the config, then asks
 * upstream and every local service for their root. Any HTTP answer counts as reachable; a
 * refused connection, a TLS error or a timeout does not. Exit 0 when all is well, 1 otherwise.
 */
export async function runCheck(inline: InlineConfig): Promise<number> {
  const config = await resolveConfig(inline);
  const out: string[] = [`${pc.green('✓')} config ${config.configFile ?? '(inline)'} is valid`];
  for (const warning of config.warnings) out.push(`${pc.yellow('!')} ${warning}`);
  const targets: Array<{ label: string; url: string }> = [{ label: 'upstream', url: config.upstream + '/' }];
  for (const fragment of config.fragments.values()) {
    if (fragment.local) {
      const url = localUrlFor(fragment, new URL(fragment.src, config.upstream)).href;
      targets.push({ label: `fragment '${fragment.name}' local`, url });
    }
  }
  const results = await Promise.all(targets.map(async (t) => ({ ...t, result: await probeHttp(t.url, 5000) })));
  let ok = true;
  for (const { label, url, result } of results) {
    if (result.ok) out.push(`${pc.green('✓')} ${label} ${url} answered HTTP ${result.status}`);
    else {
      ok = false;
      out.push(`${pc.red('✗')} ${label} ${url}: ${result.reason}`);
    }
  }
  const https = await checkHttps(config);
  if (https) {
    out.push(https.line);
    if (!https.ok) ok = false;
  }
  process.stdout.write(out.join('\n') + '\n');
  return ok ? 0 : 1;
}

/**
 * With `https: true`: does this user's browser trust mfe-dev's CA? With own files: can they be
 * served? With https off: whether the CA is trusted, for information only (never a failure).
 */
async function checkHttps(config: ResolvedConfig): Promise<{ ok: boolean; line: string } | undefined> {
  const { caTrustStatus, readUserCertificate } = await import('../https/index.js');
  if (typeof config.https === 'object') {
    try {
      const files = readUserCertificate(config.https);
      return { ok: true, line: `${pc.green('✓')} https: ${files.certFile} is valid until ${files.notAfter.toISOString().slice(0, 10)} (${files.subjectAltName})` };
    } catch (error) {
      return { ok: false, line: `${pc.red('✗')} https: ${(error as Error).message}` };
    }
  }
  const status = await caTrustStatus();
  if (!config.https) return { ok: true, line: `${pc.dim('-')} https is off (--https turns it on); local CA: ${status.detail}` };
  if (status.trusted === true) return { ok: true, line: `${pc.green('✓')} https: ${status.detail}` };
  if (status.trusted === undefined) return { ok: true, line: `${pc.yellow('!')} https: ${status.detail}` };
  return { ok: false, line: `${pc.red('✗')} https: ${status.detail}` };
}
