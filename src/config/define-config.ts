import type { UserConfig } from './types.js';

/** A config, or a function (possibly async) that returns one; called on every (re)load. */
export type UserConfigExport = UserConfig | (() => UserConfig | Promise<UserConfig>);

/**
 * Types `mfe-dev.config.ts` for editors; returns its argument unchanged.
 * @example
 * export default defineConfig({
 *   upstream: 'https://www.example.com',
 *   fragments: { header: { src: '/fragments/header', local: 'http://127.0.0.1:3001' } },
 * });
 */
export function defineConfig(config: UserConfig): UserConfig;
export function defineConfig(config: () => UserConfig | Promise<UserConfig>): () => UserConfig | Promise<UserConfig>;
export function defineConfig(config: UserConfigExport): UserConfigExport {
  return config;
}
