/**
 * `resolveConfig`: find and load the config file, apply `extends`, put the inline config
 * (command line, `createDevServer()` options) on top, validate across files, fill defaults.
 */
import path from 'node:path';
import { MfeDevError } from '../errors.js';
import { collectLayers, type ConfigLayer } from './extends.js';
import { findConfigFile, loadConfigFile, type LoadedConfigFile } from './load-file.js';
import { displayLayer, mergeLayers, type FromLayer, type MergedConfig } from './merge.js';
import { invalidConfigError, type ConfigProblem } from './schema.js';
import { closest, didYouMean, formatList } from './suggest.js';
import type { InlineConfig, ModeLayer, ResolvedConfig, ResolvedFragment, ResolvedPreset, UserConfig } from './types.js';
import { normalizeLocal, normalizeOrigin, normalizeSrc } from './urls.js';

/** Defaults of the optional top-level keys. */
export const CONFIG_DEFAULTS = { port: 4400, host: '127.0.0.1', overlay: true, diagnostics: true, pageTimeout: 30_000, maxFragmentSize: 10 * 1024 * 1024, maxMarkerSize: 1024 * 1024 } as const;

/** Defaults of `fragments.NAME.compare` (shadow mode). */
export const COMPARE_DEFAULTS = { maxInFlight: 4, cookies: false } as const;

const MODE_KEYS = ['local', 'prod', 'shadow'] as const;

function userPart(inline: InlineConfig): UserConfig {
  const { configFile: _file, root: _root, cli: _cli, watch: _watch, logLevel: _log, logger: _logger, ...user } = inline;
  return Object.fromEntries(Object.entries(user).filter(([, v]) => v !== undefined)) as UserConfig;
}

async function loadRoot(inline: InlineConfig, root: string): Promise<LoadedConfigFile | undefined> {
  if (inline.configFile === false) return undefined;
  if (inline.configFile) return loadConfigFile(path.resolve(root, inline.configFile), `--config ${inline.configFile}`);
  return findConfigFile(root);
}

function requireUpstream(merged: MergedConfig, rootFile: string | undefined, extended: boolean): string {
  if (merged.upstream) return normalizeOrigin(merged.upstream.value);
  const where = rootFile ? `${rootFile}${extended ? ' or the files it extends' : ''}` : 'the inline config';
  throw new MfeDevError(
    'MFE_CONFIG_INVALID',
    `no \`upstream\` in ${where}: add upstream: 'https://www.example.com' (the production origin whose pages ` +
      'mfe-dev composes), or pass --upstream URL.',
    { file: rootFile },
  );
}

function unknownNames(names: string[] | undefined, known: Map<string, unknown>, key: string, layer: ConfigLayer): ConfigProblem[] {
  return (names ?? [])
    .filter((name) => !known.has(name))
    .map((name) => ({
      source: layer.source,
      message:
        `\`${key}\` names '${name}', which is not a configured fragment.${didYouMean(closest(name, known.keys()))} ` +
        `Configured fragments: ${formatList(known.keys())}.`,
    }));
}

function provenance(layer: ConfigLayer): ResolvedFragment['from'] {
  return { file: layer.file ?? layer.source, ...(layer.package && { package: layer.package }) };
}

/**
 * Absolute srcs may be on the final upstream or on the one the files set: with
 * `--upstream https://staging…`, srcs written as `https://www.example.com/…` still resolve.
 */
function resolveFragments(merged: MergedConfig, origins: string[], problems: ConfigProblem[]): Map<string, ResolvedFragment> {
  const fragments = new Map<string, ResolvedFragment>();
  const upstream = origins[0];
  for (const [name, { value, layer }] of merged.fragments) {
    const src = normalizeSrc(value.src, origins);
    if ('foreignOrigin' in src) {
      const pathOnly = new URL(value.src).pathname;
      problems.push({
        source: layer.source,
        message:
          `\`fragments.${name}.src\` is on ${src.foreignOrigin}, not on upstream ${upstream}, got '${value.src}'. ` +
          `Use the path ('${pathOnly}') if production serves it at ${upstream}, or change \`upstream\`.`,
      });
      continue;
    }
    fragments.set(name, {
      name,
      src: src.path,
      ...(value.selector !== undefined && { selector: value.selector }),
      ...(value.local !== undefined && { local: normalizeLocal(value.local) }),
      assets: [...(value.assets ?? [])],
      ...(value.timeout !== undefined && { timeout: value.timeout }),
      compare: {
        ignore: {
          selectors: [...(value.compare?.ignore?.selectors ?? [])],
          attributes: [...(value.compare?.ignore?.attributes ?? [])],
          text: [...(value.compare?.ignore?.text ?? [])],
          headers: (value.compare?.ignore?.headers ?? []).map((name) => name.toLowerCase()),
        },
        maxInFlight: value.compare?.maxInFlight ?? COMPARE_DEFAULTS.maxInFlight,
        cookies: value.compare?.cookies ?? COMPARE_DEFAULTS.cookies,
      },
      from: provenance(layer),
    });
  }
  return fragments;
}

function resolvePresets(merged: MergedConfig, problems: ConfigProblem[]): Map<string, ResolvedPreset> {
  const presets = new Map<string, ResolvedPreset>();
  for (const [name, { value, layer }] of merged.presets) {
    for (const key of MODE_KEYS) problems.push(...unknownNames(value[key], merged.fragments, `presets.${name}.${key}`, layer));
    presets.set(name, {
      name,
      ...(value.description !== undefined && { description: value.description }),
      local: [...(value.local ?? [])],
      prod: [...(value.prod ?? [])],
      shadow: [...(value.shadow ?? [])],
      headers: { ...value.headers },
      cookies: { ...value.cookies },
      from: provenance(layer),
    });
  }
  return presets;
}

/** Keeps the names that have a `local` URL; warns about the others (they stay prod). */
function withLocalUrl(
  names: string[],
  mode: 'local' | 'shadow',
  where: string,
  fragments: Map<string, ResolvedFragment>,
  warnings: string[],
): string[] {
  return [...new Set(names)].filter((name) => {
    if (fragments.get(name)?.local !== undefined) return true;
    warnings.push(
      `fragment '${name}' is set to ${mode} ${where} but has no \`local\` URL; it stays prod. ` +
        `Add fragments.${name}.local: 'http://localhost:3001'.`,
    );
    return false;
  });
}

function configModes(merged: MergedConfig, fragments: Map<string, ResolvedFragment>, base: string, warnings: string[]): ModeLayer {
  const listed = (list: FromLayer<string[]> | undefined, mode: 'local' | 'shadow') =>
    list ? withLocalUrl(list.value, mode, `in ${displayLayer(list.layer, base)}`, fragments, warnings) : [];
  return { local: listed(merged.local, 'local'), prod: [], shadow: listed(merged.shadow, 'shadow'), presets: [] };
}

function cliModes(cli: InlineConfig['cli'], config: Pick<ResolvedConfig, 'fragments' | 'presets'>, origin: string, warnings: string[]): ModeLayer {
  const known = (kind: string, names: Iterable<string>) => {
    const list = [...names];
    return list.length ? `configured ${kind}s are ${list.join(', ')} (from ${origin})` : `no ${kind}s are configured (in ${origin})`;
  };
  for (const key of MODE_KEYS) {
    for (const name of cli?.[key] ?? []) {
      if (config.fragments.has(name)) continue;
      throw new MfeDevError(
        'MFE_UNKNOWN_FRAGMENT',
        `unknown fragment '${name}' in --${key}: ${known('fragment', config.fragments.keys())}.${didYouMean(closest(name, config.fragments.keys()))}`,
      );
    }
  }
  for (const name of cli?.presets ?? []) {
    if (config.presets.has(name)) continue;
    throw new MfeDevError(
      'MFE_UNKNOWN_PRESET',
      `unknown preset '${name}' in --preset: ${known('preset', config.presets.keys())}.${didYouMean(closest(name, config.presets.keys()))}`,
    );
  }
  return {
    local: withLocalUrl(cli?.local ?? [], 'local', 'by --local', config.fragments, warnings),
    prod: [...new Set(cli?.prod ?? [])],
    shadow: withLocalUrl(cli?.shadow ?? [], 'shadow', 'by --shadow', config.fragments, warnings),
    presets: [...new Set(cli?.presets ?? [])],
  };
}

/**
 * Resolves the config the gateway runs on. The inline config wins over the file; its `cli`
 * becomes `modes.cli`, the file's `local`/`shadow` become `modes.config`.
 * @throws MfeDevError `MFE_CONFIG_NOT_FOUND`, `MFE_CONFIG_LOAD_FAILED`, `MFE_CONFIG_INVALID`,
 *   `MFE_EXTENDS_NOT_FOUND`, `MFE_UNKNOWN_FRAGMENT`, `MFE_UNKNOWN_PRESET`
 */
export async function resolveConfig(inline: InlineConfig = {}): Promise<ResolvedConfig> {
  const root = path.resolve(inline.root ?? process.cwd());
  const rootFile = await loadRoot(inline, root);
  const base = rootFile ? path.dirname(rootFile.file) : root;
  const layers: ConfigLayer[] = [];
  const files: string[] = [];
  if (rootFile) {
    const collected = await collectLayers({ ...rootFile, dir: base });
    layers.push(...collected.layers);
    files.push(...collected.files);
  }
  const user = userPart(inline);
  if (Object.keys(user).length > 0 || !rootFile) {
    const collected = await collectLayers({ config: user, dir: root });
    layers.push(...collected.layers);
    files.push(...collected.files.filter((f) => !files.includes(f)));
  }

  const merged = mergeLayers(layers, base);
  const warnings = [...(rootFile?.warnings ?? []), ...merged.warnings];
  const extended = layers.some((layer) => layer.file !== undefined && layer.file !== rootFile?.file);
  const upstream = requireUpstream(merged, rootFile?.file, extended);
  const problems: ConfigProblem[] = [];
  const fileUpstream = [...layers].reverse().find((layer) => layer.file && layer.config.upstream)?.config.upstream;
  const origins = [...new Set([upstream, ...(fileUpstream ? [normalizeOrigin(fileUpstream)] : [])])];
  const fragments = resolveFragments(merged, origins, problems);
  const presets = resolvePresets(merged, problems);
  for (const key of ['local', 'shadow'] as const) {
    const list = merged[key];
    if (list) problems.push(...unknownNames(list.value, merged.fragments, key, list.layer));
  }
  if (problems.length > 0) throw invalidConfigError(problems, rootFile?.file);

  const origin = rootFile?.file ?? 'the inline config';
  const config = configModes(merged, fragments, base, warnings);
  const cli = cliModes(inline.cli, { fragments, presets }, origin, warnings);
  return {
    ...(rootFile && { configFile: rootFile.file }),
    files,
    upstream,
    port: merged.port?.value ?? CONFIG_DEFAULTS.port,
    host: merged.host?.value ?? CONFIG_DEFAULTS.host,
    allowedHosts: merged.allowedHosts?.value ?? [],
    fragments,
    presets,
    modes: { cli, config },
    overlay: merged.overlay?.value ?? CONFIG_DEFAULTS.overlay,
    includeHosts: [...new Set((merged.includeHosts?.value ?? []).map(normalizeOrigin))],
    pageTimeout: merged.pageTimeout?.value ?? CONFIG_DEFAULTS.pageTimeout,
    maxFragmentSize: merged.maxFragmentSize?.value ?? CONFIG_DEFAULTS.maxFragmentSize,
    maxMarkerSize: merged.maxMarkerSize?.value ?? CONFIG_DEFAULTS.maxMarkerSize,
    ...(merged.edge && { edge: merged.edge.value }),
    diagnostics: merged.diagnostics?.value ?? CONFIG_DEFAULTS.diagnostics,
    https: resolveHttps(merged.https, layers, root),
    // Relative to the file that set it (like `extends`); from the command line, to the working directory.
    ...(merged.record && { record: path.resolve(merged.record.layer.file ? path.dirname(merged.record.layer.file) : process.cwd(), merged.record.value) }),
    warnings: [...new Set(warnings)],
  };
}

/**
 * `https` as the gateway uses it: own files become absolute, relative to the file that named
 * them (the inline config's are relative to the working folder). `--https` (inline `true`)
 * over a config that names its own files means "serve https": with those files.
 */
function resolveHttps(https: MergedConfig['https'], layers: ConfigLayer[], root: string): ResolvedConfig['https'] {
  let chosen = https;
  if (chosen?.value === true && !chosen.layer.file) {
    const files = [...layers].reverse().find((layer) => layer.file && typeof layer.config.https === 'object');
    if (files) chosen = { value: files.config.https!, layer: files };
  }
  const value = chosen?.value ?? false;
  if (typeof value === 'boolean') return value;
  const dir = chosen?.layer.file ? path.dirname(chosen.layer.file) : root;
  return { cert: path.resolve(dir, value.cert), key: path.resolve(dir, value.key) };
}
