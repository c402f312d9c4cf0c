import { describe, expect, it } from 'vitest';
import { rememberLast } from '../src/remember-last.js';

describe('rememberLast', () => {
  it('computes once while the key repeats, again when it changes, and never answers for another key', () => {
    const seen: string[] = [];
    const upper = rememberLast((key) => (seen.push(key), key.toUpperCase()));
    expect([upper('text/html'), upper('text/html'), upper('text/css'), upper('text/html')]).toEqual(['TEXT/HTML', 'TEXT/HTML', 'TEXT/CSS', 'TEXT/HTML']);
    expect(seen).toEqual(['text/html', 'text/css', 'text/html']);
  });
});
