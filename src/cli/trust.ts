import pc from 'picocolors';

/**
 * `mfe-dev trust [--uninstall] [--system]`: exit 0 when done, 1 with the manual steps when it
 * cannot (a tool missing, a store refused the change).
 */
export async function runTrustCommand(flags: { uninstall?: boolean; system?: boolean }): Promise<number> {
  const { runTrust } = await import('../https/index.js');
  const report = await runTrust({ uninstall: flags.uninstall, system: flags.system });
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
