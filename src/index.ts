/**
 * mfe-dev: develop a micro-frontend fragment inside the real production page.
 *
 * The library is the product; the `mfe-dev` command is a thin layer over `createDevServer()`.
 *
 * This module stays cheap to import: a config file's `import { defineConfig } from 'mfe-dev'`
 * is evaluated on every load and hot reload, so the gateway itself is loaded on first use.
 */
import type { InlineConfig, ResolvedConfig } from './config/types.js';
import type { DevServer } from './server/index.js';

export { defineConfig, type UserConfigExport } from './config/define-config.js';
export type {
  CompareConfig,
  CompareIgnoreConfig,
  FragmentConfig,
  FragmentMode,
  HttpsFiles,
  InlineConfig,
  ModeLayer,
  PresetConfig,
  Provenance,
  ResolvedCompare,
  ResolvedConfig,
  ResolvedFragment,
  ResolvedPreset,
  UserConfig,
} from './config/types.js';
export type { DevServer } from './server/index.js';
export { ComposeEvents } from './compose/events.js';
export type { ComposeEventMap, FragmentEnd, FragmentError, FragmentFallback, FragmentInfo, PageEnd, PageInfo, ShadowResult } from './compose/events.js';
export { MfeDevError, type MfeDevErrorCode } from './errors.js';
export type { LogLevel, LogSink } from './logger.js';
export type { Selection } from './overrides/index.js';
export type { FragmentShadowJson, ShadowRecord, ShadowReportJson } from './shadow/stats.js';

/** Resolve the config (file, `extends`, inline options) and create the gateway; call `listen()` next. */
export async function createDevServer(inline: InlineConfig = {}): Promise<DevServer> {
  return (await import('./server/index.js')).createDevServer(inline);
}

/** Find, load, merge and validate the config as the gateway would, without starting it. */
export async function resolveConfig(inline: InlineConfig = {}): Promise<ResolvedConfig> {
  return (await import('./config/resolve-config.js')).resolveConfig(inline);
}
