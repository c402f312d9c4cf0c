/** The config module's public surface. */
export { defineConfig, type UserConfigExport } from './define-config.js';
export { resolveConfig, CONFIG_DEFAULTS } from './resolve-config.js';
export { watchConfig, type ConfigWatcher, type ConfigWatchHandlers, type ConfigWatchOptions } from './watch.js';
export { describeConfigChanges } from './describe-changes.js';
export { CONFIG_SEARCH_PLACES, findConfigFile, loadConfigFile, type LoadedConfigFile } from './load-file.js';
export { userConfigSchema, validateUserConfig } from './schema.js';
export * from './types.js';
