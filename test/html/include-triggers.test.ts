import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findIncludeTrigger, findIncludeTriggerByWalk } from '../../src/html/include-triggers.js';

/**
 * The trigger search takes its candidates from a WebAssembly scan (sixteen bytes at a time, in
 * windows of 256 KiB); it must answer exactly as the walk from `<` to `<` does, wherever the
 * trigger, the window edge and the end of the input fall.
 */
const pieces = [
  '<div class="a">', '</div>', '<span>', '</span>', '<a href="/x">', '<p>', 'text ', '<', '<<', '<!', '<!-', '<!--', '<!--#',
  '<!--e', '<!--E', '<!doctype html>', '<e', '<E', '<es', '<esi:', '<ESI:include', '<f', '<F', '<fragment', '<FRAGMENT ',
  '<form>', '<s', '<S', '<script>', '<script type="fragment" src=/a>', '<script a="<" b=\'>\'', '<SCRIPT', '<section>',
  '</', '</b', '</body>', '</ body>', '</BODY', '\x01', '\x0f', '/', '!', 'e', ' ', '\n', 'é',
];
const piece = fc.constantFrom(...pieces.map((p) => Buffer.from(p, 'latin1')));

describe('include trigger search', { timeout: 120_000 }, () => {
  it('answers as the walk from `<` to `<` does, from any offset, with or without the end of the body', () => {
    fc.assert(
      fc.property(fc.array(piece, { minLength: 80, maxLength: 400, size: 'max' }), fc.nat(), fc.boolean(), (parts, offset, bodyEnd) => {
        const buf = Buffer.concat(parts);
        const from = offset % buf.length;
        expect(findIncludeTrigger(buf, from, bodyEnd)).toBe(findIncludeTriggerByWalk(buf, from, bodyEnd));
      }),
      { numRuns: 3000 },
    );
  });

  it('answers without WebAssembly too (node --jitless has none)', () => {
    const module = fileURLToPath(new URL('../../dist/html/include-triggers.js', import.meta.url));
    const script = `import(${JSON.stringify(module)}).then(({ findIncludeTrigger }) => {
      const page = Buffer.from('<p class="x">text</p>'.repeat(100) + '<!--#include virtual="/x" -->');
      process.stdout.write(JSON.stringify([typeof WebAssembly, findIncludeTrigger(page, 0, false), findIncludeTrigger(page.subarray(0, 2100), 0, false)]));
    })`;
    const out = execFileSync(process.execPath, ['--jitless', '--input-type=module', '-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(JSON.parse(out)).toEqual(['undefined', 2100, -1]);
  });

  it('finds a trigger on either side of a window edge, and none in a long page without one', () => {
    const filler = Buffer.from('<div class="product"><a href="/p"><img src="/i.jpg" alt="x"></a><p>Tents</p></div>\n'.repeat(8000), 'latin1');
    expect(filler.length).toBeGreaterThan(600_000);
    expect(findIncludeTrigger(filler, 0, false)).toBe(-1);
    expect(findIncludeTrigger(filler, 0, true)).toBe(-1);
    for (const edge of [256 * 1024, 512 * 1024]) {
      for (let shift = -20; shift <= 20; shift++) {
        for (const trigger of ['<!--#include virtual="/x" -->', '<Esi:include src=/x />', '<FRAGMENT src=/x>', '<script type=fragment src=/x>', '</body>', '<']) {
          const buf = Buffer.concat([filler.subarray(0, edge + shift), Buffer.from(trigger, 'latin1'), filler.subarray(edge + shift)]);
          for (const bodyEnd of [false, true]) {
            expect(findIncludeTrigger(buf, 0, bodyEnd), `${trigger} at ${edge + shift}`).toBe(findIncludeTriggerByWalk(buf, 0, bodyEnd));
          }
        }
      }
    }
  });
});
