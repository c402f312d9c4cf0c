/**
 * A page scanner keeps nothing of a read it has handed on: a page's reads die young (freed by the
 * next scavenge) instead of living as long as the page, into the old generation (issue 18: a
 * zero-length view of the last read kept the whole read alive for the page's life). Checked in a
 * process of its own with `--expose-gc`: after a read is scanned and handed on, with the scanner
 * still in use, a full collection frees the read's memory.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const program = `
  import { PageScanner } from ${JSON.stringify(path.join(root, 'dist/html/scan-page.js'))};
  const results = {};
  for (const [name, options] of Object.entries({
    'include scanner': { bodyEnd: true },
    'nginx SSI reader': { ssi: 'nginx' },
  })) {
    const handed = [];
    const scanner = new PageScanner(options, { bytes: (b) => handed.push(b.length), marker: (m, raw) => handed.push(raw.length) });
    // A read of its own memory (not Node's pool), with a marker so the scanner reads it tag by tag.
    let read = Buffer.alloc(70_000, 'a');
    read.write('<html><body><!--#include virtual="/f/1" --><p>', 0, 'latin1');
    const buffer = new WeakRef(read.buffer);
    scanner.write(read);
    read = undefined;
    handed.length = 0;
    await new Promise((resolve) => setImmediate(resolve));
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
    globalThis.gc();
    results[name] = buffer.deref() === undefined ? 'freed' : 'kept';
    // The scanner is still in use after the collection: the next read and the end of the page.
    scanner.write(Buffer.from('</p></body></html>'));
    scanner.end();
  }
  process.stdout.write(JSON.stringify(results));
`;

describe('a page scanner and the reads it has handed on', () => {
  it('keeps no view of a read it has scanned whole: its memory is freed while the page goes on', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--input-type=module', '-e', program], { timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual({ 'include scanner': 'freed', 'nginx SSI reader': 'freed' });
  });
});
