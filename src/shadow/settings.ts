import type { ResolvedConfig, ResolvedFragment } from '../config/types.js';
import type { ShadowSettings } from './shadow-monitor.js';

/** Defaults for a fragment whose config says nothing about shadow mode. */
export const DEFAULT_SHADOW_SETTINGS: ShadowSettings = {
  ignores: { selectors: [], attributes: [], text: [] },
  headers: [],
  maxInFlight: 4,
  cookies: false,
};

const compiled = new WeakMap<ResolvedFragment, ShadowSettings>();

/**
 * A fragment's `compare` config as the shadow engine uses it (text patterns compiled). The
 * patterns were validated when the config was loaded; compiled once per config object.
 */
export function shadowSettingsOf(fragment: ResolvedFragment | undefined): ShadowSettings {
  const compare = fragment?.compare;
  if (!fragment || !compare) return DEFAULT_SHADOW_SETTINGS;
  let settings = compiled.get(fragment);
  if (!settings) {
    settings = {
      ignores: {
        selectors: compare.ignore.selectors,
        attributes: compare.ignore.attributes,
        text: compare.ignore.text.map((pattern) => new RegExp(pattern, 'g')),
        assetPrefixes: fragment.assets,
      },
      headers: compare.ignore.headers,
      maxInFlight: compare.maxInFlight,
      cookies: compare.cookies,
    };
    compiled.set(fragment, settings);
  }
  return settings;
}

/** Settings by fragment name from whatever config is current (hot reload swaps it). */
export function settingsFromConfig(current: () => ResolvedConfig): (fragment: string) => ShadowSettings {
  return (name) => shadowSettingsOf(current().fragments.get(name));
}
