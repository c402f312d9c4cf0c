import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cac } from 'cac';
import pc from 'picocolors';
import { closest, didYouMean, formatValue } from '../config/suggest.js';
import type { InlineConfig } from '../config/types.js';
import { checkOrigin } from '../config/urls.js';
import { isMfeDevError } from '../errors.js';
import { guardTerminalStreams, writeTerminal } from '../logger.js';
// Commands load what they need when they run, so `--help` and `--version` answer at once.
const runCheck = async (inline: InlineConfig) => (await import('./check.js')).runCheck(inline);
const runInit = async (cwd: string) => (await import('./init.js')).runInit(cwd);
const runPresets = async (inline: InlineConfig) => (await import('./presets.js')).runPresets(inline);
const runTrust = async (flags: { uninstall?: boolean; system?: boolean }) => (await import('./trust.js')).runTrustCommand(flags);
const runReplay = async (options: import('./replay.js').ReplayCommandOptions) => (await import('./replay.js')).runReplay(options);

/**
 * The command line is thin: flags become an inline config for `createDevServer()`. Returns the
 * exit code (the `dev` command resolves only when the server stops).
 */
export async function main(argv: string[]): Promise<number> {
  guardTerminalStreams();
  const cli = cac('mfe-dev');
  let run: (() => Promise<number>) | undefined;

  cli
    .command('[dev]', 'Start the gateway (the default command)')
    .option('--config <file>', 'Config file (default: found from the working directory upward)')
    .option('--port <port>', 'Port to listen on (default: config port, else 4400; 0 picks a free port)')
    .option('--host <host>', 'Host to listen on', { default: undefined })
    .option('--upstream <url>', 'Production origin (overrides the config)')
    .option('--local <name>', 'Serve this fragment from its local service (repeatable)')
    .option('--prod <name>', 'Serve this fragment from production (repeatable)')
    .option('--shadow <name>', 'Shadow this fragment: serve production, compare with local (repeatable)')
    .option('--preset <name>', 'Apply a preset (repeatable)')
    .option('--no-overlay', 'Do not inject the dev overlay into pages')
    .option('--open', 'Open the browser once the gateway is ready')
    .option('--https', "Serve https with a certificate from mfe-dev's local CA (or the config's https files); see mfe-dev trust")
    .option('--shadow-report <file>', 'When the gateway stops, write the shadow report to FILE.json and FILE.html')
    .option('--record <file>', 'Append every page request to FILE (JSON lines, no cookies) for mfe-dev replay')
    .example('mfe-dev --local header')
    .example('mfe-dev --preset checkout --port 0')
    .action((command: string | undefined, flags: Record<string, unknown>) => {
      if (command !== undefined && command !== 'dev') {
        const suggestion = closest(command, ['dev', 'serve', 'check', 'presets', 'replay', 'trust', 'init']);
        throw new UsageError(`unknown command '${command}'.${suggestion ? ` Did you mean '${suggestion}'?` : ''} Commands: dev (default), serve, check, presets, replay, trust, init. See mfe-dev --help.`);
      }
      run = () => runDev(flags);
    });
  cli
    .command('serve', 'Run the team preview gateway: the same gateway as a shared service (needs serve.auth in the config)')
    .option('--config <file>', 'Config file (default: found from the working directory upward)')
    .option('--port <port>', 'Port to listen on (default: config port, else 4400; 0 picks a free port)')
    .option('--host <host>', 'Host to listen on (default: config host, else 0.0.0.0)', { default: undefined })
    .example('mfe-dev serve --config /etc/mfe-dev/mfe-dev.config.yaml --port 8080')
    .action((flags: Record<string, unknown>) => {
      run = () => runServe(flags);
    });
  cli
    .command('check', 'Validate the config and probe upstream and every local service')
    .option('--config <file>', 'Config file')
    .action((flags: Record<string, unknown>) => {
      run = () => runCheck(inlineFrom(flags));
    });
  cli
    .command('presets', 'List presets: what each sets and the file it comes from')
    .option('--config <file>', 'Config file')
    .action((flags: Record<string, unknown>) => {
      run = () => runPresets(inlineFrom(flags));
    });
  cli
    .command('trust', "Make this machine's browsers trust mfe-dev's local certificate authority (for --https)")
    .option('--uninstall', 'Stop trusting it')
    .option('--system', 'Use the system-wide store instead of this user\'s (needs root / administrator)')
    .action((flags: Record<string, unknown>) => {
      run = () => runTrust({ uninstall: flags.uninstall === true, system: flags.system === true });
    });
  cli
    .command('replay <file>', 'Replay recorded requests (a HAR, or a --record log) against production and the local services; write the shadow report')
    .option('--config <file>', 'Config file')
    .option('--upstream <url>', 'Production origin (overrides the config)')
    .option('--shadow <name>', 'Compare this fragment (repeatable; default: the shadowed fragments, else every fragment with a local URL)')
    .option('--rate <n>', 'Requests started per second at most (default: as fast as --concurrency allows)')
    .option('--concurrency <n>', 'Recorded requests in progress at once (default: 4)')
    .option('--report <file>', 'Where to write the report; .json and .html are written (default: shadow-report)')
    .example('mfe-dev replay checkout.har --rate 20 --concurrency 8 --report reports/header')
    .action((file: string, flags: Record<string, unknown>) => {
      const inline = inlineFrom(flags);
      if (flags.upstream !== undefined) inline.upstream = checkedUpstream(flags.upstream);
      const rate = flags.rate === undefined ? undefined : positiveNumber('--rate', flags.rate, false);
      const concurrency = flags.concurrency === undefined ? 4 : positiveNumber('--concurrency', flags.concurrency, true);
      const report = typeof flags.report === 'string' ? flags.report : 'shadow-report';
      run = () => runReplay({ file, inline, shadow: list(flags.shadow) ?? [], rate, concurrency, report });
    });
  cli.command('init', 'Write a commented starter mfe-dev.config.ts').action(() => {
    run = () => runInit(process.cwd());
  });
  // cac shows the implied default of a --no-* flag as "(default: true)", which reads backwards.
  cli.help((sections) => sections.map((section) => ({ ...section, body: section.body.replace(/ \(default: true\)/g, '') })));
  cli.version(packageVersion());

  try {
    cli.parse(['node', 'mfe-dev', ...argv], { run: false });
    if (cli.options.help || cli.options.version) {
      // cac printed what was asked for.
      return 0;
    }
    await cli.runMatchedCommand();
    return run ? await run() : 0;
  } catch (error) {
    return reportError(withFlagSuggestion(error, cli));
  }
}

/** `Unknown option --loacl` → `… Did you mean --local?`, from the flags of the command given. */
function withFlagSuggestion(error: unknown, cli: ReturnType<typeof cac>): unknown {
  const unknown = (error as Error)?.name === 'CACError' ? /^Unknown option `(-{1,2}[^`]+)`/.exec((error as Error).message)?.[1] : undefined;
  if (!unknown) return error;
  const command = cli.matchedCommand ?? cli.commands.find((c) => c.name === '');
  const flags = [...(command?.options ?? []), ...cli.globalCommand.options].flatMap((o) => o.rawName.match(/--[\w-]+/g) ?? []);
  const suggestion = closest(unknown, flags);
  const message = `unknown option '${unknown}'.${suggestion ? ` Did you mean ${suggestion}?` : ''} See mfe-dev${command?.name ? ` ${command.name}` : ''} --help.`;
  return new UsageError(message);
}

class UsageError extends Error {}

function reportError(error: unknown): number {
  if (isMfeDevError(error) || error instanceof UsageError || (error as Error)?.name === 'CACError') {
    writeTerminal(process.stderr, `${pc.red('mfe-dev:')} ${(error as Error).message}\n`);
  } else {
    writeTerminal(process.stderr, `${pc.red('mfe-dev: unexpected error')}\n${(error as Error)?.stack ?? String(error)}\n`);
  }
  return 1;
}

/** cac gives a string for one use of a flag and an array for several. */
function list(value: unknown): string[] | undefined {
  if (value === undefined || value === true || value === false) return undefined;
  return (Array.isArray(value) ? value : [value]).map(String);
}

function checkedUpstream(value: unknown): string {
  const upstream = String(value);
  const problem = checkOrigin(upstream);
  if (problem) {
    const hint = problem.hint ? ` ${problem.hint}` : '';
    throw new UsageError(`--upstream ${problem.message}, got ${formatValue(upstream)}.${didYouMean(problem.suggestion)}${hint}`);
  }
  return upstream;
}

function positiveNumber(flag: string, value: unknown, whole: boolean): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0 || (whole && !Number.isInteger(number))) {
    throw new UsageError(`${flag} must be a ${whole ? 'whole ' : ''}number above 0, got ${formatValue(String(value))}.`);
  }
  return number;
}

function inlineFrom(flags: Record<string, unknown>): InlineConfig {
  const inline: InlineConfig = {};
  if (typeof flags.config === 'string') inline.configFile = flags.config;
  return inline;
}

/** `--port` and `--host`, shared by `dev` and `serve`. */
function listenFlags(inline: InlineConfig, flags: Record<string, unknown>): void {
  if (flags.port !== undefined) {
    const port = Number(flags.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new UsageError(`--port must be a whole number from 0 to 65535, got '${String(flags.port)}'.`);
    }
    inline.port = port;
  }
  if (typeof flags.host === 'string') inline.host = flags.host;
}

/**
 * `mfe-dev serve`: JSON lines on stdout, SIGTERM drains (readiness 503, serve for
 * `serve.drainDelay`, stop accepting, finish in-flight requests) and exits 0.
 */
async function runServe(flags: Record<string, unknown>): Promise<number> {
  // Request lines are logged at info: the command prints them, the library alone is quiet.
  const inline: InlineConfig = { ...inlineFrom(flags), command: 'serve', logLevel: 'info' };
  listenFlags(inline, flags);
  const server = await startServer(inline);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (graceful: boolean) => {
      if (stopping) return;
      stopping = true;
      void (graceful ? server.drain() : server.close()).then(() => {
        // Whatever a library still holds open must not keep a terminated pod alive.
        setTimeout(() => process.exit(0), 1000).unref();
        resolve(0);
      });
    };
    process.once('SIGTERM', () => stop(true));
    process.once('SIGINT', () => stop(false));
  });
}

async function runDev(flags: Record<string, unknown>): Promise<number> {
  const inline = inlineFrom(flags);
  // The command prints the banner and a line per page; the library alone is quiet.
  inline.logLevel = 'info';
  listenFlags(inline, flags);
  if (flags.upstream !== undefined) inline.upstream = checkedUpstream(flags.upstream);
  if (flags.overlay === false) inline.overlay = false;
  if (flags.https === true) inline.https = true;
  if (typeof flags.record === 'string') inline.record = flags.record;
  const shadowReport = typeof flags.shadowReport === 'string' ? flags.shadowReport : undefined;
  inline.cli = {
    local: list(flags.local) ?? [],
    prod: list(flags.prod) ?? [],
    shadow: list(flags.shadow) ?? [],
    presets: list(flags.preset) ?? [],
  };

  const server = await startServer(inline);
  if (flags.open && server.url) openBrowser(server.url + '/');

  // SIGINT / SIGTERM always end the process: a graceful close (the shadow report, open
  // connections), bounded by STOP_DEADLINE_MS; a second signal ends it at once.
  return new Promise<number>((resolve) => {
    let closing = false;
    const stop = () => {
      if (closing) process.exit(1);
      closing = true;
      setTimeout(() => process.exit(1), STOP_DEADLINE_MS).unref();
      void writeReportOnExit(server, shadowReport)
        .then(() => server.close())
        .catch(() => undefined)
        .then(() => {
          // Whatever still holds the event loop (a stuck socket, a timer of a config) does not
          // keep a stopped gateway alive.
          setTimeout(() => process.exit(0), 500).unref();
          resolve(0);
        });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** How long a stopping gateway may take (the shadow report waits up to 5 s for comparisons). */
const STOP_DEADLINE_MS = 8000;
/** Internal errors printed per run: a bug hit by every request must not flood the terminal. */
const MAX_BUG_REPORTS = 20;

/** Creates the gateway, reports its bugs (bounded), and listens; a failed listen closes it again. */
async function startServer(inline: InlineConfig): Promise<import('../server/index.js').DevServer> {
  const [{ createDevServer }, { capYoungGeneration }, { steadyOldGeneration }] = await Promise.all([
    import('../server/index.js'),
    import('../server/young-generation.js'),
    import('../server/old-generation.js'),
  ]);
  // The gateway is the process's only work: its heap is sized for request-long objects.
  capYoungGeneration();
  steadyOldGeneration();
  const server = await createDevServer(inline);
  reportBugsOf(server);
  try {
    await server.listen();
  } catch (error) {
    await server.close();
    throw error;
  }
  return server;
}

/**
 * A bug in one request must not take the gateway down: report it loudly, go on. The report
 * itself never throws and never reports itself (a failing terminal is dropped by the logger, see
 * guardTerminalStreams), and the same bug is printed a bounded number of times. Dev and serve alike.
 */
function reportBugsOf(server: import('../server/index.js').DevServer): void {
  let reporting = false;
  let reports = 0;
  const reportBug = (error: unknown) => {
    if (reporting || reports >= MAX_BUG_REPORTS) return;
    reporting = true;
    reports++;
    try {
      const more = reports === MAX_BUG_REPORTS ? `\n(further internal errors are not printed)` : '';
      server.logger.error(`mfe-dev: internal error (please report it, with the page that caused it):\n${describeBug(error)}${more}`);
    } catch {
      // Nowhere left to report it.
    } finally {
      reporting = false;
    }
  };
  process.on('unhandledRejection', reportBug);
  process.on('uncaughtException', reportBug);
}

function describeBug(error: unknown): string {
  try {
    return (error as Error)?.stack ?? String(error);
  } catch {
    return 'an error that cannot be described';
  }
}

/** `--shadow-report FILE`: the comparisons still running get a moment to finish, then both files are written. */
async function writeReportOnExit(server: import('../server/index.js').DevServer, file: string | undefined): Promise<void> {
  if (!file) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([server.shadow.idle(), new Promise((resolve) => (timer = setTimeout(resolve, 5000)))]);
  clearTimeout(timer);
  try {
    const { writeShadowReport } = await import('./shadow-report-files.js');
    const written = await writeShadowReport(file, server.shadow.report());
    writeTerminal(process.stderr, `mfe-dev: shadow report written to ${written.json} and ${written.html}\n`);
  } catch (error) {
    writeTerminal(process.stderr, `${pc.red('mfe-dev:')} could not write the shadow report to ${file}: ${(error as Error).message}\n`);
  }
}

function openBrowser(url: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open';
  const args = process.platform === 'win32' ? ['/c', 'start', '', url] : [url];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => writeTerminal(process.stderr, `mfe-dev: could not open a browser; open ${url} yourself.\n`));
    child.unref();
  } catch {
    // Opening a browser is a convenience; the URL is printed anyway.
  }
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
