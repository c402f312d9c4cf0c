import { describe, expect, it } from 'vitest';
import { canonicalCharset, charsetFromContentType } from '../../src/html/charset.js';

describe('charsets', () => {
  it('names a label by its WHATWG name, from a Content-Type too', () => {
    expect(canonicalCharset('latin1')).toBe('windows-1252');
    expect(canonicalCharset(' "UTF8" ')).toBe('utf-8');
    expect(canonicalCharset('no-such-charset')).toBeUndefined();
    expect(charsetFromContentType('text/html; charset="Shift_JIS"')).toBe('shift_jis');
    expect(charsetFromContentType('text/html')).toBeUndefined();
  });

  it('answers the same once many labels were seen (the labels it remembers are bounded)', () => {
    for (let i = 0; i < 500; i++) expect(canonicalCharset(`x-unknown-${i}`)).toBeUndefined();
    expect(canonicalCharset('iso-8859-2')).toBe('iso-8859-2');
    expect(canonicalCharset('latin1')).toBe('windows-1252');
    expect(canonicalCharset('x-unknown-3')).toBeUndefined();
  });
});
