import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { writeProject } from './helpers.js';

/**
 * What `mfe-dev init` writes starts with `import { defineConfig } from 'mfe-dev'`: that import
 * must load in a project whose package.json says nothing of modules (TypeScript then compiles
 * the config to CommonJS) as well as in an ESM project. Runs the built CLI (`npm test` builds
 * first) in its own process, with the package linked into the project as an install puts it:
 * vitest's own module loader would hide a resolution problem.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe.each([
  ['a CommonJS project', { name: 'shop' }],
  ['an ESM project', { name: 'shop', type: 'module' }],
])("import { defineConfig } from 'mfe-dev' in %s", (_label, packageJson) => {
  it('loads', async () => {
    const dir = writeProject({
      'package.json': packageJson,
      'mfe-dev.config.ts': [
        "import { defineConfig } from 'mfe-dev';",
        "export default defineConfig({ upstream: 'https://www.example.com', fragments: { header: { src: '/fragments/header' } } });",
      ].join('\n'),
    });
    fs.mkdirSync(path.join(dir, 'node_modules'));
    fs.symlinkSync(repoRoot, path.join(dir, 'node_modules', 'mfe-dev'), 'dir');
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [path.join(repoRoot, 'bin/mfe-dev.js'), 'presets'], { cwd: dir }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`No presets in ${path.join(dir, 'mfe-dev.config.ts')}`);
  });
});
