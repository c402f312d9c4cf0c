#!/usr/bin/env node
/**
 * Compiles src/html/wasm/*.wat (WebAssembly text) with wabt and writes each as a TypeScript
 * module beside it (`trigger-scan.wat` → `trigger-scan.wasm.ts`, the bytes in base64), so the
 * package needs no compiler at run time. Run after editing a .wat: `node scripts/build-wasm.mjs`;
 * `--check` fails when a generated file is out of date (the test suite runs it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';

const dir = fileURLToPath(new URL('../src/html/wasm/', import.meta.url));
const check = process.argv.includes('--check');
const wabt = await wabtInit();
let stale = 0;
for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.wat')).sort()) {
  const source = fs.readFileSync(path.join(dir, file), 'utf8');
  const module = wabt.parseWat(file, source, { simd: true });
  module.validate();
  const { buffer } = module.toBinary({});
  module.destroy();
  const name = file.replace(/\.wat$/, '');
  const out = path.join(dir, `${name}.wasm.ts`);
  const text =
    `// Generated from ${file} by scripts/build-wasm.mjs: edit the .wat, then run it.\n` +
    `export const WASM_BASE64 =\n  '${Buffer.from(buffer).toString('base64')}';\n`;
  if (check) {
    if (!fs.existsSync(out) || fs.readFileSync(out, 'utf8') !== text) {
      console.error(`${path.relative(process.cwd(), out)} is out of date: run node scripts/build-wasm.mjs`);
      stale++;
    }
  } else {
    fs.writeFileSync(out, text);
    console.log(`${path.relative(process.cwd(), out)}: ${buffer.length} bytes`);
  }
}
process.exit(stale ? 1 : 0);
