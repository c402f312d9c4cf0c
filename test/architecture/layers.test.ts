import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkLayers, readSources, type SourceFile } from './check-layers.js';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

describe('the layering of src/ (ARCHITECTURE.md)', () => {
  it('has no forbidden import, no import cycle, no oversized file', () => {
    const files = readSources(src);
    expect(files.length).toBeGreaterThan(50);
    expect(checkLayers(files)).toEqual([]);
  });
});

describe('the layer checker itself', () => {
  const file = (p: string, text = ''): SourceFile => ({ path: p, text });
  const clean = [
    file('http/routes.ts', "export const DEV_PREFIX = '/__mfe-dev';\n"),
    file('html/scan-page.ts', "import type { Marker } from './markers.js';\n"),
    file('html/markers.ts', 'export type Marker = { type: "ssi" };\n'),
    file('compose/compose-page.ts', "import { DEV_PREFIX } from '../http/routes.js';\nimport { PageScanner } from '../html/scan-page.js';\n"),
    file('server/index.ts', "import { composePage } from '../compose/compose-page.js';\n"),
    file('cli/main.ts', "const s = await import('../server/index.js');\n"),
  ];

  it('accepts imports the rules allow', () => {
    expect(checkLayers(clean)).toEqual([]);
  });

  it('reports a forbidden import between parts', () => {
    const files = [...clean, file('proxy/upstream-proxy.ts', "import { composePage } from '../compose/compose-page.js';\n")];
    expect(checkLayers(files)).toEqual(['layer: src/proxy/upstream-proxy.ts imports src/compose/compose-page.ts: proxy/ may not import compose/']);
  });

  it('reports a dynamic import, and a re-export, as imports', () => {
    const files = [
      ...clean,
      file('html/charset.ts', "export { DEV_PREFIX } from '../http/routes.js';\n"),
      file('config/schema.ts', "const m = await import('../compose/compose-page.js');\n"),
    ];
    expect(checkLayers(files)).toEqual([
      'layer: src/html/charset.ts imports src/http/routes.ts: html/ may not import http/',
      'layer: src/config/schema.ts imports src/compose/compose-page.ts: config/ may not import compose/',
    ]);
  });

  it('reports the library importing the CLI', () => {
    const files = [...clean, file('server/terminal-lines.ts', "import { main } from '../cli/main.js';\n")];
    expect(checkLayers(files)).toEqual(['layer: src/server/terminal-lines.ts imports src/cli/main.ts: the library never imports the CLI']);
  });

  it('allows a types-only allowance for `import type` and nothing else', () => {
    const typeOnly = [...clean, file('shadow/shadow-compare.ts', "import type { PageInfo } from '../compose/compose-page.js';\n")];
    expect(checkLayers(typeOnly)).toEqual([]);
    const runtime = [...clean, file('shadow/shadow-compare.ts', "import { composePage } from '../compose/compose-page.js';\n")];
    expect(checkLayers(runtime)).toEqual(['layer: src/shadow/shadow-compare.ts imports src/compose/compose-page.ts: shadow/ may import only types from compose/']);
  });

  it('reports an import cycle between files, even inside one part', () => {
    const files = [...clean.filter((f) => f.path !== 'html/markers.ts'), file('html/markers.ts', "import { PageScanner } from './scan-page.js';\n")];
    expect(checkLayers(files)).toEqual(['cycle: src/html/scan-page.ts -> src/html/markers.ts']);
  });

  it('reports a part that is not in the rules, and a file over the size limit', () => {
    const files = [...clean, file('misc/helpers.ts', 'x\n'.repeat(10))];
    expect(checkLayers(files, undefined, 5)).toEqual([
      'size: src/misc/helpers.ts has 11 lines (> 5)',
      'unknown part: src/misc is not in the layer rules (add it to ARCHITECTURE.md and test/architecture/check-layers.ts)',
    ]);
  });
});
