import { networkInterfaces } from 'node:os';
import pc from 'picocolors';
import type { ResolvedConfig } from '../config/types.js';
import type { PageEnd } from '../compose/events.js';
import { DEV_PAGE_PATH } from '../http/routes.js';
import { escapeControlChars } from '../http/control-chars.js';
import { redactUrl } from '../http/redact-url.js';
import type { Logger } from '../logger.js';
import { resolveSelection } from '../overrides/index.js';
import { probeHttp } from '../probe.js';

/** What the terminal shows: the ready banner and one line per composed page. */

export function printReady(logger: Logger, config: ResolvedConfig, url: string, startupMs: number): void {
  const lines = [
    '',
    `  ${pc.bold(pc.cyan('mfe-dev'))} ready in ${Math.round(startupMs)} ms`,
    '',
    `  ➜  Local:    ${pc.cyan(url + '/')}`,
    ...networkUrls(config.host, url).map((network) => `  ➜  Network:  ${pc.cyan(network + '/')}`),
    `  ➜  Upstream: ${config.upstream}`,
    `  ➜  Dev page: ${url}${DEV_PAGE_PATH}`,
    '',
  ];
  const fragments = [...config.fragments.values()];
  if (fragments.length) {
    lines.push('  Fragments');
    const width = Math.max(...fragments.map((f) => f.name.length));
    // The modes a request that says nothing gets: CLI flags over the config file.
    const defaults = resolveSelection(config, { url: '/', headers: {} }).modes;
    for (const f of fragments) {
      const mode = defaults.get(f.name) ?? 'prod';
      const target = mode === 'prod' ? `${config.upstream}${f.src}` : `${f.local}${f.src}`;
      const modeText = mode === 'local' ? pc.green(mode.padEnd(6)) : mode === 'shadow' ? pc.yellow(mode.padEnd(6)) : pc.dim(mode.padEnd(6));
      lines.push(`    ${f.name.padEnd(width)}  ${modeText}  ${target}`);
    }
    lines.push('');
  }
  logger.styled(lines.join('\n'));
}

export function printPageLine(logger: Logger, end: PageEnd): void {
  const status = end.status >= 500 ? pc.red(String(end.status)) : end.status >= 400 ? pc.yellow(String(end.status)) : pc.green(String(end.status));
  const fragments = end.fragments
    .filter((f) => f.depth === 0 || f.name !== undefined)
    .map((f) => {
      // Names, paths and reasons come from requests and production: escaped.
      const label = escapeControlChars(`${f.name ?? new URL(f.url).pathname} ${f.mode} ${Math.round(f.durationMs)}ms${f.failed ? ` ✗ ${f.reason ?? 'failed'}` : ''}`);
      return f.failed ? pc.red(label) : f.mode === 'local' ? pc.bold(pc.green(label)) : f.mode === 'shadow' ? pc.yellow(label) : pc.dim(label);
    });
  // The URL is the request's: escaped, so it can neither move the cursor nor start a new line;
  // query-string secrets redacted, as in the `record` log.
  logger.styled(`${pc.dim(end.page.method)} ${escapeControlChars(redactUrl(end.page.url))} ${status} ${Math.round(end.durationMs)}ms${fragments.length ? '  ' + fragments.join(pc.dim(' · ')) : ''}`);
}

/**
 * One warning per local service that does not answer at start, for the fragments a request that
 * says nothing serves locally or shadows: the developer learns it before the first page shows an
 * error box.
 */
export async function warnAboutDownLocalServices(logger: Logger, config: ResolvedConfig): Promise<void> {
  const defaults = resolveSelection(config, { url: '/', headers: {} }).modes;
  const used = [...config.fragments.values()].filter((f) => f.local && (defaults.get(f.name) ?? 'prod') !== 'prod');
  const byService = new Map<string, string[]>();
  for (const f of used) byService.set(f.local!, [...(byService.get(f.local!) ?? []), f.name]);
  await Promise.all(
    [...byService].map(async ([local, names]) => {
      const result = await probeHttp(local, 2000);
      if (result.ok) return;
      const which = names.length === 1 ? `fragment '${names[0]}'` : `fragments ${names.map((n) => `'${n}'`).join(', ')}`;
      logger.warn(`the local service of ${which} at ${local} is not answering (${result.reason}). Start its dev server; until then pages show an error box where it goes.`);
    }),
  );
}

/** Listening on every interface (`0.0.0.0`, `::`): the URLs other machines open, as Vite lists them. */
function networkUrls(host: string, localUrl: string): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [];
  const { protocol, port } = new URL(localUrl);
  return Object.values(networkInterfaces())
    .flatMap((addresses) => addresses ?? [])
    .filter((a) => !a.internal && (a.family === 'IPv4' || host === '::'))
    .map((a) => `${protocol}//${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${port}`)
    .filter((u) => !u.includes('[fe80'));
}
