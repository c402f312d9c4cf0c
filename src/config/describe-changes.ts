/**
 * What changed between two resolved configs, as lines for the terminal and the dev page:
 * "fragment 'header': local http://127.0.0.1:3001 → http://127.0.0.1:3002", "preset 'checkout' added".
 */
import { maskValues } from './masked-values.js';
import type { ResolvedConfig, ResolvedFragment, ResolvedPreset } from './types.js';

function show(value: unknown): string {
  if (value === undefined) return '(none)';
  if (Array.isArray(value)) return value.length ? value.join(', ') : '(none)';
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return entries.length ? entries.map(([k, v]) => `${k}=${v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ') : '(none)';
  }
  return String(value);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Preset header and cookie values are never shown (config/masked-values.ts): which names changed is. */
const MASKED_FIELDS = new Set(['headers', 'cookies']);

function fieldChanges<T extends object>(prev: T, next: T, keys: (keyof T & string)[]): string[] {
  const shown = (key: keyof T & string, value: unknown) => show(MASKED_FIELDS.has(key) && value ? maskValues(value as Record<string, string>) : value);
  return keys.filter((key) => !same(prev[key], next[key])).map((key) => `${key} ${shown(key, prev[key])} → ${shown(key, next[key])}`);
}

function describeMap<T extends ResolvedFragment | ResolvedPreset>(
  kind: string,
  prev: Map<string, T>,
  next: Map<string, T>,
  keys: (keyof T & string)[],
): string[] {
  const lines: string[] = [];
  for (const [name, before] of prev) {
    const after = next.get(name);
    if (!after) {
      lines.push(`${kind} '${name}' removed`);
      continue;
    }
    for (const change of fieldChanges(before, after, keys)) lines.push(`${kind} '${name}': ${change}`);
    if (before.from.file !== after.from.file) lines.push(`${kind} '${name}': now from ${after.from.file}`);
  }
  for (const name of next.keys()) if (!prev.has(name)) lines.push(`${kind} '${name}' added`);
  return lines;
}

/**
 * Human-readable differences between `prev` and `next`, one line per change; empty when
 * nothing that matters changed.
 */
export function describeConfigChanges(prev: ResolvedConfig, next: ResolvedConfig): string[] {
  const lines: string[] = [];
  for (const key of ['upstream', 'port', 'host', 'overlay', 'edge', 'diagnostics', 'allowedHosts', 'includeHosts', 'pageTimeout', 'maxFragmentSize', 'maxMarkerSize', 'https', 'record'] as const) {
    if (!same(prev[key], next[key])) lines.push(`${key}: ${show(prev[key])} → ${show(next[key])}`);
  }
  lines.push(...describeMap('fragment', prev.fragments, next.fragments, ['src', 'selector', 'local', 'assets', 'timeout', 'compare']));
  lines.push(...describeMap('preset', prev.presets, next.presets, ['description', 'local', 'prod', 'shadow', 'headers', 'cookies']));
  for (const layer of ['config', 'cli'] as const) {
    for (const mode of ['local', 'prod', 'shadow', 'presets'] as const) {
      const before = prev.modes[layer][mode];
      const after = next.modes[layer][mode];
      if (!same(before, after)) lines.push(`default ${mode} (${layer === 'config' ? 'config' : 'command line'}): ${show(before)} → ${show(after)}`);
    }
  }
  const added = next.files.filter((file) => !prev.files.includes(file));
  const removed = prev.files.filter((file) => !next.files.includes(file));
  for (const file of added) lines.push(`now reading ${file}`);
  for (const file of removed) lines.push(`no longer reading ${file}`);
  return lines;
}
