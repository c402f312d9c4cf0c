/**
 * `extends`: the files and npm packages a config builds on. Each source becomes a validated
 * layer; layers are ordered weakest first (what a file extends comes before the file itself,
 * and a later `extends` entry beats an earlier one).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { MfeDevError } from '../errors.js';
import { CONFIG_EXTENSIONS, loadConfigFile, type LoadedConfigFile } from './load-file.js';
import { invalidConfigError, validateUserConfig } from './schema.js';
import type { UserConfig } from './types.js';

/** One validated config source. */
export interface ConfigLayer {
  config: UserConfig;
  /** Absolute path of the file; undefined for the inline config. */
  file?: string;
  /** The npm package the file came from (`extends: ['@acme/mfe-presets']`). */
  package?: string;
  /** How errors name this layer: the absolute path, or `the inline config`. */
  source: string;
}

/** A config source before validation: a loaded file, or the inline config. */
export interface LayerSource {
  config: unknown;
  file?: string;
  package?: string;
  /** Folder `extends` entries are resolved from. */
  dir: string;
  dependencies?: string[];
}

/** What {@link collectLayers} found. */
export interface CollectedLayers {
  /** Weakest first; the starting source is last. */
  layers: ConfigLayer[];
  /** Every file read, the starting file first, then extended files and imported siblings. */
  files: string[];
}

function isFileEntry(entry: string): boolean {
  return entry.startsWith('./') || entry.startsWith('../') || entry === '.' || path.isAbsolute(entry);
}

function sourceName(file: string | undefined): string {
  return file ?? 'the inline config';
}

function notFound(from: LayerSource, entry: string, tried: string[], why: string): MfeDevError {
  return new MfeDevError(
    'MFE_EXTENDS_NOT_FOUND',
    `${sourceName(from.file)}: \`extends\` entry '${entry}' was not found (${why}). Tried:\n` +
      tried.map((p) => `  - ${p}`).join('\n'),
    { file: from.file },
  );
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The entry point named by a package.json `exports` value (`.`; `import`, `node`, `default`, `require`). */
function exportsEntry(exports: unknown): string | undefined {
  if (typeof exports === 'string') return exports;
  if (Array.isArray(exports)) return exports.map(exportsEntry).find((e) => e !== undefined);
  if (exports && typeof exports === 'object') {
    const map = exports as Record<string, unknown>;
    if (Object.keys(map).some((k) => k.startsWith('.'))) return exportsEntry(map['.']);
    for (const condition of ['import', 'node', 'default', 'require']) {
      const entry = exportsEntry(map[condition]);
      if (entry !== undefined) return entry;
    }
  }
  return undefined;
}

function splitPackage(entry: string): { name: string; subpath: string } {
  const parts = entry.split('/');
  const count = entry.startsWith('@') ? 2 : 1;
  return { name: parts.slice(0, count).join('/'), subpath: parts.slice(count).join('/') };
}

function resolvePackage(entry: string, from: LayerSource): { file: string; package: string } {
  const requireFrom = createRequire(from.file ?? path.join(from.dir, 'package.json'));
  const { name, subpath } = splitPackage(entry);
  const candidates = (requireFrom.resolve.paths(name) ?? []).map((dir) => path.join(dir, name, 'package.json'));
  if (subpath) {
    try {
      return { file: requireFrom.resolve(entry), package: name };
    } catch {
      const direct = candidates.map((c) => path.join(path.dirname(c), subpath)).find(isFile);
      if (direct) return { file: direct, package: name };
      throw notFound(from, entry, candidates.map((c) => path.join(path.dirname(c), subpath)), `no such file in package ${name}`);
    }
  }
  let manifest: string | undefined;
  try {
    manifest = requireFrom.resolve(`${name}/package.json`);
  } catch {
    // `exports` may hide package.json: look in the node_modules folders Node would search.
    manifest = candidates.find(isFile);
  }
  if (!manifest) throw notFound(from, entry, candidates, `no package ${name} is installed where ${sourceName(from.file)} can see it`);
  const pkg = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { exports?: unknown; main?: string; 'mfe-dev'?: unknown };
  const target = exportsEntry(pkg.exports) ?? pkg.main;
  if (target === undefined && pkg['mfe-dev'] !== undefined) return { file: manifest, package: name };
  const file = target === undefined ? undefined : path.resolve(path.dirname(manifest), target);
  if (!file || !isFile(file)) {
    throw notFound(
      from,
      entry,
      [file ?? manifest],
      target === undefined
        ? `${manifest} has no "exports", "main" or "mfe-dev" key pointing at a config`
        : `its package.json points at ${target}, which does not exist`,
    );
  }
  return { file, package: name };
}

/** Resolves one `extends` entry of `from` to a file (and the package it came from). */
export function resolveExtendsEntry(entry: string, from: LayerSource): { file: string; package?: string } {
  if (!isFileEntry(entry)) return resolvePackage(entry, from);
  const base = path.resolve(from.dir, entry);
  const tried = [base, ...CONFIG_EXTENSIONS.map((ext) => base + ext)];
  const file = tried.find(isFile);
  if (!file) throw notFound(from, entry, tried, `relative to ${from.dir}`);
  return { file, package: from.package };
}

/**
 * Keys a file reached through `extends` may not set: who can reach the gateway (`host`,
 * `allowedHosts`, `serve`), where it connects with your session (`includeHosts`), its TLS
 * (`https`) and the files it writes (`record`). A shared preset file or an npm package adds
 * fragments and presets; settings like these belong to the developer's own config, where they
 * are seen. Such a key is refused, not ignored: a silently dropped setting would leave the
 * package's author and its users guessing, and a refusal names the file to fix.
 */
export const EXTENDS_FORBIDDEN_KEYS = ['host', 'allowedHosts', 'includeHosts', 'https', 'record', 'serve'] as const;

function forbiddenKeysError(source: LayerSource, keys: string[]): MfeDevError {
  const listed = keys.map((k) => `\`${k}\``).join(', ');
  return invalidConfigError(
    [
      {
        source: sourceName(source.file),
        message:
          `${listed} may not be set in a file reached through \`extends\`${source.package ? ` (package ${source.package})` : ''}: ` +
          `extended files add fragments and presets, while ${keys.length === 1 ? 'this setting' : 'these settings'} decide who can reach the gateway, ` +
          `where it connects with your session, its TLS or the files it writes. Remove ${keys.length === 1 ? 'it' : 'them'} from that file and set ${keys.length === 1 ? 'it' : 'them'} in your own config if you want ${keys.length === 1 ? 'it' : 'them'}.`,
      },
    ],
    source.file,
  );
}

function cycleError(chain: string[], file: string): MfeDevError {
  const names = [...chain, file].map((f) => path.relative(path.dirname(chain[0]), f) || path.basename(f));
  return invalidConfigError(
    [{ source: chain[chain.length - 1], message: `\`extends\` makes a cycle: ${names.join(' → ')}. Remove one of these entries.` }],
    chain[chain.length - 1],
  );
}

/**
 * Validates `start` and, recursively, everything it extends.
 * @throws MfeDevError `MFE_EXTENDS_NOT_FOUND`, `MFE_CONFIG_INVALID` (naming the file at fault,
 *   or the chain of a cycle), `MFE_CONFIG_LOAD_FAILED`
 */
export async function collectLayers(start: LayerSource): Promise<CollectedLayers> {
  const layers: ConfigLayer[] = [];
  const files: string[] = [];
  const loaded = new Map<string, LoadedConfigFile>();
  const addFile = (file: string) => {
    if (!files.includes(file)) files.push(file);
  };

  async function visit(source: LayerSource, chain: string[], extended: boolean): Promise<void> {
    if (source.file) addFile(source.file);
    for (const dep of source.dependencies ?? []) addFile(dep);
    if (extended && source.config && typeof source.config === 'object') {
      const forbidden = EXTENDS_FORBIDDEN_KEYS.filter((key) => (source.config as Record<string, unknown>)[key] !== undefined);
      if (forbidden.length) throw forbiddenKeysError(source, forbidden);
    }
    const config = validateUserConfig(source.config ?? {}, sourceName(source.file), source.file);
    const entries = config.extends === undefined ? [] : [config.extends].flat();
    for (const entry of entries) {
      const target = resolveExtendsEntry(entry, source);
      if (chain.includes(target.file)) throw cycleError(chain, target.file);
      let file = loaded.get(target.file);
      if (!file) {
        file = await loadConfigFile(target.file);
        loaded.set(target.file, file);
      }
      const next = { config: file.config, file: target.file, package: target.package, dir: path.dirname(target.file), dependencies: file.dependencies };
      await visit(next, [...chain, target.file], true);
    }
    layers.push({ config, file: source.file, package: source.package, source: sourceName(source.file) });
  }

  await visit(start, start.file ? [start.file] : [], false);
  return { layers, files };
}
