import pc from 'picocolors';
import { resolveConfig } from '../config/resolve-config.js';
import type { InlineConfig } from '../config/types.js';
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
  process.stdout.write(out.join('\n') + '\n');
  return ok ? 0 : 1;
}
