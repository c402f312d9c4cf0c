/**
 * Merging layers, weakest first: fragments and presets by name (a later definition replaces the
 * whole earlier one, with a warning naming both files), scalar keys and the `local`/`shadow`
 * lists from the last layer that sets them. Every value remembers the layer it came from.
 */
import path from 'node:path';
import type { ConfigLayer } from './extends.js';
import type { Edge, FragmentConfig, HttpsFiles, PresetConfig } from './types.js';

/** A value and the layer that gave it. */
export interface FromLayer<T> {
  value: T;
  layer: ConfigLayer;
}

export interface MergedConfig {
  upstream?: FromLayer<string>;
  port?: FromLayer<number>;
  host?: FromLayer<string>;
  overlay?: FromLayer<boolean>;
  edge?: FromLayer<Edge>;
  diagnostics?: FromLayer<boolean>;
  record?: FromLayer<string>;
  allowedHosts?: FromLayer<string[] | true>;
  includeHosts?: FromLayer<string[]>;
  pageTimeout?: FromLayer<number>;
  maxFragmentSize?: FromLayer<number>;
  maxMarkerSize?: FromLayer<number>;
  https?: FromLayer<boolean | HttpsFiles>;
  local?: FromLayer<string[]>;
  shadow?: FromLayer<string[]>;
  fragments: Map<string, FromLayer<FragmentConfig>>;
  presets: Map<string, FromLayer<PresetConfig>>;
  warnings: string[];
}

/**
 * How warnings name a layer: its path relative to `base` (the root config's folder), with the
 * package name for package files.
 */
export function displayLayer(layer: ConfigLayer, base: string): string {
  if (!layer.file) return layer.source;
  const relative = path.relative(base, layer.file) || path.basename(layer.file);
  return layer.package ? `${layer.package} (${relative})` : relative;
}

const SCALARS = ['upstream', 'port', 'host', 'overlay', 'record', 'edge', 'diagnostics', 'allowedHosts', 'includeHosts', 'pageTimeout', 'maxFragmentSize', 'maxMarkerSize', 'https', 'local', 'shadow'] as const;

/** Merges `layers` (weakest first). `base` is the folder warnings are relative to. */
export function mergeLayers(layers: ConfigLayer[], base: string): MergedConfig {
  const merged: MergedConfig = { fragments: new Map(), presets: new Map(), warnings: [] };
  const byName = <T>(kind: string, target: Map<string, FromLayer<T>>, entries: Record<string, T> | undefined, layer: ConfigLayer) => {
    for (const [name, value] of Object.entries(entries ?? {})) {
      const earlier = target.get(name);
      if (earlier && earlier.layer.file !== layer.file) {
        const before = displayLayer(earlier.layer, base);
        const now = displayLayer(layer, base);
        merged.warnings.push(`${kind} '${name}' is defined in ${before} and in ${now}; using the one from ${now}`);
      }
      target.set(name, { value, layer });
    }
  };
  for (const layer of layers) {
    for (const key of SCALARS) {
      const value = layer.config[key];
      if (value !== undefined) (merged as unknown as Record<string, FromLayer<unknown>>)[key] = { value, layer };
    }
    byName('fragment', merged.fragments, layer.config.fragments, layer);
    byName('preset', merged.presets, layer.config.presets, layer);
  }
  return merged;
}
