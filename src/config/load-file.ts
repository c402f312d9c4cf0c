/**
 * Finding and loading one config file, in any of the contract's formats. Discovery is
 * cosmiconfig's; JavaScript and TypeScript files are imported with tsx, fresh on every load.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cosmiconfig, defaultLoaders, type Loader } from 'cosmiconfig';
import { MfeDevError, describeError } from '../errors.js';

/** Where a config is looked for in each folder, in order (the contract's list). */
export const CONFIG_SEARCH_PLACES = [
  'package.json',
  '.mfe-devrc',
  '.mfe-devrc.json',
  '.mfe-devrc.yaml',
  '.mfe-devrc.yml',
  '.mfe-devrc.js',
  '.mfe-devrc.mjs',
  '.mfe-devrc.cjs',
  '.mfe-devrc.ts',
  'mfe-dev.config.ts',
  'mfe-dev.config.mts',
  'mfe-dev.config.js',
  'mfe-dev.config.mjs',
  'mfe-dev.config.cjs',
  'mfe-dev.config.json',
  'mfe-dev.config.yaml',
  'mfe-dev.config.yml',
];

/** Extensions tried, in order, for an `extends` entry written without one. */
export const CONFIG_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.cjs', '.json', '.yaml', '.yml'];

/** One config file as loaded: not yet validated. */
export interface LoadedConfigFile {
  /** Absolute path. */
  file: string;
  /** What the file exported (a function export already called), or `undefined` for an empty file. */
  config: unknown;
  /** Local files the config imported (TypeScript/JavaScript configs), for the watcher. */
  dependencies: string[];
  warnings: string[];
}

const require = createRequire(import.meta.url);
/** CommonJS cache keys created by earlier config loads: dropped before the next load. */
const cjsCacheKeys = new Set<string>();

function dependencyPath(key: string): string | undefined {
  const file = key.startsWith('file:') ? fileURLToPath(key.replace(/[?#].*$/, '')) : key.replace(/\?.*$/, '');
  if (!path.isAbsolute(file) || file.split(path.sep).includes('node_modules')) return undefined;
  return file;
}

/** `export default config`, `export default () => config`, `module.exports = config`. */
async function configFromModule(mod: Record<string, unknown>): Promise<unknown> {
  let value: unknown = mod.default;
  // A TypeScript file compiled as CommonJS arrives as { default: { __esModule, default } }.
  const inner = value as { __esModule?: boolean; default?: unknown } | undefined;
  if (inner && typeof inner === 'object' && inner.__esModule && 'default' in inner) value = inner.default;
  if (value === undefined) {
    throw new Error("it has no default export: write `export default defineConfig({ upstream: 'https://…' })`");
  }
  return typeof value === 'function' ? await (value as () => unknown)() : value;
}

/**
 * Imports a JavaScript or TypeScript config with tsx. Each `tsImport` call uses a fresh
 * namespace, so ES modules (the config and what it imports) are evaluated anew. tsx's
 * CommonJS path does not re-evaluate required siblings, so the require-cache entries of earlier
 * loads are removed first.
 */
async function importConfig(file: string, dependencies: Set<string>): Promise<unknown> {
  for (const key of cjsCacheKeys) delete require.cache[key];
  cjsCacheKeys.clear();
  const before = new Set(Object.keys(require.cache));
  const onImport = (url: string) => {
    const dep = dependencyPath(url);
    if (dep && dep !== file) dependencies.add(dep);
  };
  try {
    // Loaded on first use: a JSON or YAML config never loads tsx (nor esbuild).
    const { tsImport } = await import('tsx/esm/api');
    const mod = (await tsImport(pathToFileURL(file).href, { parentURL: import.meta.url, onImport })) as Record<string, unknown>;
    return await configFromModule(mod);
  } finally {
    for (const key of Object.keys(require.cache)) {
      if (before.has(key)) continue;
      const dep = dependencyPath(key);
      // Only this load's own modules: tsx's namespaced entries and local files, never packages.
      if (dep || /namespace(=|%3D)/.test(key)) cjsCacheKeys.add(key);
      if (dep && dep !== file) dependencies.add(dep);
    }
  }
}

function createExplorer(dependencies: Map<string, Set<string>>) {
  const moduleLoader: Loader = (file) => {
    const deps = new Set<string>();
    dependencies.set(file, deps);
    return importConfig(file, deps);
  };
  return cosmiconfig('mfe-dev', {
    searchPlaces: CONFIG_SEARCH_PLACES,
    // 'none' looks in one folder only; findConfigFile walks up itself, so that neither the
    // home-folder stop of 'global' nor its extra global config folder applies.
    searchStrategy: 'none',
    cache: false,
    loaders: {
      ...defaultLoaders,
      '.js': moduleLoader,
      '.mjs': moduleLoader,
      '.cjs': moduleLoader,
      '.ts': moduleLoader,
      '.mts': moduleLoader,
      '.cts': moduleLoader,
    },
  });
}

function loadFailed(file: string, cause: unknown): MfeDevError {
  let reason = describeError(cause).trim();
  // A JSON syntax error (parse-json, through cosmiconfig) carries its code frame in the message,
  // and cosmiconfig's wrapping repeats it: shown once, after the reason, without the repeated file.
  const frame = (cause as { codeFrame?: unknown } | undefined)?.codeFrame;
  if (typeof frame === 'string' && frame.trim()) {
    const text = reason.split(frame).join('').replace(`JSON Error in ${file}:`, '').replace(/ while parsing '[^\n]*'/, '');
    reason = `${text.replace(/\n\s*\n+/g, '\n').trim()}\n\n${frame}`;
  }
  const separator = reason.includes('\n') ? ':\n' : ': ';
  return new MfeDevError('MFE_CONFIG_LOAD_FAILED', `could not load ${file}${separator}${reason}`, { file, cause });
}

function notFoundInFolders(root: string): MfeDevError {
  return new MfeDevError(
    'MFE_CONFIG_NOT_FOUND',
    `no mfe-dev config found in ${root} or any folder above it. mfe-dev looks for ` +
      `a "mfe-dev" key in package.json, or a file named ${CONFIG_SEARCH_PLACES.slice(1).join(', ')}. ` +
      'Run `mfe-dev init` to write a starter mfe-dev.config.ts, or pass --config FILE.',
  );
}

function otherConfigsBeside(file: string): string[] {
  const dir = path.dirname(file);
  return CONFIG_SEARCH_PLACES.filter(
    (place) => place !== 'package.json' && path.join(dir, place) !== file && fs.existsSync(path.join(dir, place)),
  );
}

/**
 * Finds the config in `root` or the nearest folder above it that has one (up to the filesystem
 * root), and loads it.
 * @throws MfeDevError `MFE_CONFIG_NOT_FOUND`, or `MFE_CONFIG_LOAD_FAILED` for a file that fails
 */
export async function findConfigFile(root: string): Promise<LoadedConfigFile> {
  const dependencies = new Map<string, Set<string>>();
  const explorer = createExplorer(dependencies);
  let dir = path.resolve(root);
  for (;;) {
    let result;
    try {
      result = await explorer.search(dir);
    } catch (error) {
      throw loadFailed((error as { filepath?: string }).filepath ?? dir, error);
    }
    if (result) {
      const others = otherConfigsBeside(result.filepath);
      const warnings = others.length
        ? [`${path.dirname(result.filepath)} has more than one mfe-dev config: using ${path.basename(result.filepath)}, ignoring ${others.join(', ')}.`]
        : [];
      return { file: result.filepath, config: result.config, dependencies: [...(dependencies.get(result.filepath) ?? [])], warnings };
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw notFoundInFolders(path.resolve(root));
    dir = parent;
  }
}

/**
 * Loads one config file of any supported format (the `--config` file, or an `extends` target).
 * A `package.json` must have a `"mfe-dev"` key.
 * @param given how the user wrote the path, for the not-found message (e.g. `--config ./x.ts`)
 * @throws MfeDevError `MFE_CONFIG_NOT_FOUND` when the file does not exist, `MFE_CONFIG_LOAD_FAILED` when it fails
 */
export async function loadConfigFile(file: string, given?: string): Promise<LoadedConfigFile> {
  const absolute = path.resolve(file);
  if (!fs.existsSync(absolute)) {
    throw new MfeDevError(
      'MFE_CONFIG_NOT_FOUND',
      `config file ${absolute} does not exist${given ? ` (given as ${given})` : ''}. Check the path, ` +
        'or leave out --config to look for mfe-dev.config.ts and the other accepted names from the working directory upward.',
      { file: absolute },
    );
  }
  const dependencies = new Map<string, Set<string>>();
  let result;
  try {
    result = await createExplorer(dependencies).load(absolute);
  } catch (error) {
    throw loadFailed(absolute, error);
  }
  if (result === null) {
    throw new MfeDevError(
      'MFE_CONFIG_LOAD_FAILED',
      `${absolute} has no "mfe-dev" key: add "mfe-dev": { "upstream": "https://…" } to it, or point at another file.`,
      { file: absolute },
    );
  }
  return { file: absolute, config: result.config, dependencies: [...(dependencies.get(absolute) ?? [])], warnings: [] };
}
