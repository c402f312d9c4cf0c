import fs from 'node:fs';
import path from 'node:path';

/**
 * The layering rules of src/, checked by reading the source: which part may import which, no
 * import cycles between files, no file past the size limit. A part is a folder directly under
 * src/ (`compose`, `http`…) or a top-level file by name (`errors`, `logger`…).
 * ARCHITECTURE.md says the same in words; change both together.
 */

/** `types`: only `import type` / `export type` (erased at build time, no runtime dependency). */
export type Allowance = 'all' | 'types';
export type LayerRules = Readonly<Record<string, Readonly<Record<string, Allowance>>>>;

const base = { errors: 'all', logger: 'all', 'remember-last': 'all' } as const;
const library = {
  ...base,
  http: 'all',
  html: 'all',
  config: 'all',
  overrides: 'all',
  compose: 'all',
  shadow: 'all',
  proxy: 'all',
  ui: 'all',
  server: 'all',
  https: 'all',
  probe: 'all',
  'warn-once': 'all',
} as const;

/** part → the parts it may import. Anything not listed is forbidden; a part not listed at all is a problem. */
export const RULES: LayerRules = {
  // Shared basics, importing (almost) nothing.
  errors: {},
  'warn-once': {},
  // A single-entry memo for values an origin repeats on every answer: used down to http/ and html/.
  'remember-last': {},
  // The logger escapes control characters with http/'s one escaper.
  logger: { 'warn-once': 'all', http: 'all' },
  // Bottom layer: no product knowledge.
  http: { 'remember-last': 'all' },
  // Scanners: bytes → markers. No network, no config.
  html: { 'remember-last': 'all' },
  probe: { http: 'all' },
  // TLS for the gateway: the local CA, certificates, trust stores, the HTTP/2 bridge. No product knowledge.
  https: { ...base },
  config: { ...base, html: 'all' },
  overrides: { ...base, config: 'all', http: 'all' },
  compose: { ...base, config: 'all', http: 'all', html: 'all' },
  shadow: { ...base, compose: 'types', config: 'all', html: 'all', http: 'all' },
  proxy: { ...base, config: 'all', http: 'all', html: 'all', overrides: 'all' },
  ui: { ...base, config: 'all', http: 'all', html: 'all', overrides: 'all', compose: 'all', probe: 'all', server: 'types', shadow: 'types' },
  server: library,
  index: library,
  cli: { ...library, cli: 'all' },
};

export const MAX_LINES = 600;

export interface SourceFile {
  /** Path relative to src/, with `/` separators (`compose/compose-page.ts`). */
  path: string;
  text: string;
}

/** Every .ts/.mts/.js/.mjs file under `srcDir` (no tests, no .d.ts). */
export function readSources(srcDir: string): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(ts|mts|js|mjs)$/.test(entry.name) && !/\.(test|spec)\./.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        out.push({ path: path.relative(srcDir, full).split(path.sep).join('/'), text: fs.readFileSync(full, 'utf8') });
      }
    }
  };
  walk(srcDir);
  return out;
}

export function partOf(file: string): string {
  const segments = file.split('/');
  return segments.length > 1 ? segments[0] : segments[0].replace(/\.(ts|mts|js|mjs)$/, '');
}

interface Import {
  to: string;
  typeOnly: boolean;
}

const IMPORT = /(?:^|[;\s])(import|export)\s+(type\s+)?[^'";]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: SourceFile, known: ReadonlySet<string>): Import[] {
  const out: Import[] = [];
  for (const m of file.text.matchAll(IMPORT)) {
    const spec = m[3] ?? m[4];
    if (!spec.startsWith('.')) continue;
    const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file.path), spec));
    const stem = resolved.replace(/\.(js|mjs)$/, '');
    const candidates = [resolved, `${stem}.ts`, `${stem}.mts`, `${resolved}.ts`, `${resolved}/index.ts`];
    const to = candidates.find((c) => known.has(c));
    if (to) out.push({ to, typeOnly: m[2] !== undefined });
  }
  return out;
}

/** The problems found, one line each (empty when the layering holds). */
export function checkLayers(files: readonly SourceFile[], rules: LayerRules = RULES, maxLines = MAX_LINES): string[] {
  const problems: string[] = [];
  const known = new Set(files.map((f) => f.path));
  const graph = new Map<string, string[]>();
  const unknownParts = new Set<string>();
  for (const file of files) {
    const from = partOf(file.path);
    const lines = file.text.split('\n').length;
    if (lines > maxLines) problems.push(`size: src/${file.path} has ${lines} lines (> ${maxLines})`);
    if (!rules[from]) unknownParts.add(from);
    const imports = importsOf(file, known);
    graph.set(file.path, imports.map((i) => i.to));
    for (const { to, typeOnly } of imports) {
      const target = partOf(to);
      if (target === from || !rules[from]) continue;
      if (target === 'cli') {
        problems.push(`layer: src/${file.path} imports src/${to}: the library never imports the CLI`);
        continue;
      }
      const allowance = rules[from][target];
      if (allowance === 'all' || (allowance === 'types' && typeOnly)) continue;
      const why = allowance === 'types' ? `${from}/ may import only types from ${target}/` : `${from}/ may not import ${target}/`;
      problems.push(`layer: src/${file.path} imports src/${to}: ${why}`);
    }
  }
  for (const part of unknownParts) problems.push(`unknown part: src/${part} is not in the layer rules (add it to ARCHITECTURE.md and test/architecture/check-layers.ts)`);
  for (const cycle of cyclesOf(graph)) problems.push(`cycle: ${cycle.map((f) => `src/${f}`).join(' -> ')}`);
  return problems;
}

/** Import cycles between files (Tarjan's strongly connected components of more than one file, or a file importing itself). */
function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.reverse());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}
