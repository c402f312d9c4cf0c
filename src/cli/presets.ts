import pc from 'picocolors';
import { resolveConfig } from '../config/resolve-config.js';
import type { InlineConfig, ResolvedPreset } from '../config/types.js';
import { shareLink } from '../overrides/index.js';
import { describeProvenance } from '../ui/dev-state.js';
import { MASKED_VALUE } from '../config/masked-values.js';

/** `mfe-dev presets`: each preset, what it sets, where it is defined, and a link that applies it. */
export async function runPresets(inline: InlineConfig): Promise<number> {
  const config = await resolveConfig(inline);
  const gateway = `${config.https ? 'https' : 'http'}://${config.host}:${config.port}`;
  if (config.presets.size === 0) {
    process.stdout.write(`No presets in ${config.configFile ?? 'the config'}. Add one under \`presets\` (see the README).\n`);
    return 0;
  }
  const blocks = [...config.presets.values()].map((preset) =>
    [
      `${pc.bold(preset.name)}${preset.description ? `  ${preset.description}` : ''}`,
      ...describePreset(preset).map((line) => `  ${line}`),
      `  ${pc.dim('from')} ${describeProvenance(preset.from)}`,
      `  ${pc.dim('share')} ${shareLink(gateway + '/', { modes: {}, presets: [preset.name] })}`,
    ].join('\n'),
  );
  process.stdout.write(blocks.join('\n\n') + '\n');
  return 0;
}

export function describePreset(preset: ResolvedPreset): string[] {
  const lines: string[] = [];
  for (const mode of ['local', 'prod', 'shadow'] as const) {
    if (preset[mode].length) lines.push(`${mode}: ${preset[mode].join(', ')}`);
  }
  // Values are often credentials: names only (see maskValues).
  for (const name of Object.keys(preset.headers)) lines.push(`header ${name}: ${MASKED_VALUE}`);
  for (const name of Object.keys(preset.cookies)) lines.push(`cookie ${name}=${MASKED_VALUE}`);
  return lines;
}
