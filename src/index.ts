/**
 * mfe-dev: develop a micro-frontend fragment inside the real production page.
 *
 * The library is the product; the `mfe-dev` command is a thin layer over `createDevServer()`.
 */
export { defineConfig, type UserConfigExport } from './config/define-config.js';
export { resolveConfig } from './config/resolve-config.js';
export type {
  FragmentConfig,
  FragmentMode,
  InlineConfig,
  ModeLayer,
  PresetConfig,
  Provenance,
  ResolvedConfig,
  ResolvedFragment,
  ResolvedPreset,
  UserConfig,
} from './config/types.js';
export { createDevServer, type DevServer } from './server.js';
export { ComposeEvents } from './compose/events.js';
export type { ComposeEventMap, FragmentEnd, FragmentError, FragmentFallback, FragmentInfo, PageEnd, PageInfo, ShadowResult } from './compose/events.js';
export { MfeDevError, type MfeDevErrorCode } from './errors.js';
export { resolveSelection, shareLink, type Selection } from './overrides/index.js';
