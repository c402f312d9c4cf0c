import { describe, expect, it } from 'vitest';
import { escapeControlChars } from '../../src/http/control-chars.js';

describe('escapeControlChars', () => {
  it.each([
    ['plain text, ünïcödé and emoji 🙂', 'plain text, ünïcödé and emoji 🙂'],
    ['\x1b]0;title\x07', '\\x1b]0;title\\x07'],
    ['\x1b[2J\x1b[1;1H', '\\x1b[2J\\x1b[1;1H'],
    ['csi \u009b2J and osc \u009d', 'csi \\x9b2J and osc \\x9d'],
    ['nul \0 del \x7f', 'nul \\x00 del \\x7f'],
    ['forged\nGET / 200\r', 'forged\\x0aGET / 200\\x0d'],
    ['tab\tstays', 'tab\tstays'],
    ['bidi \u202eevil\u202c', 'bidi \\u202eevil\\u202c'],
  ])('%j → %j', (input, expected) => {
    expect(escapeControlChars(input)).toBe(expected);
  });

  it('keeps line breaks when asked (messages the gateway wrote itself), escaping the rest', () => {
    expect(escapeControlChars('line one\nline \x1b[31mtwo\r', { keepNewlines: true })).toBe('line one\nline \\x1b[31mtwo\\x0d');
  });
});
