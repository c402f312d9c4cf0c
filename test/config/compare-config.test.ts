import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { rejection, writeProject } from './helpers.js';

/** Shadow mode's per-fragment settings (`fragments.NAME.compare`) and `record`, checked at load. */
const header = { src: '/fragments/header', local: 'http://127.0.0.1:3001' };
const withCompare = (compare: unknown) => ({ upstream: 'https://www.example.com', fragments: { header: { ...header, compare } } });

function load(config: object) {
  const root = writeProject({ 'mfe-dev.config.json': config });
  return { root, file: path.join(root, 'mfe-dev.config.json'), promise: resolveConfig({ root, watch: false }) };
}

describe('fragments.NAME.compare', () => {
  it('fills the defaults: nothing ignored, 4 in flight, no cookies to the local service', async () => {
    const config = await load({ upstream: 'https://www.example.com', fragments: { header } }).promise;
    expect(config.fragments.get('header')!.compare).toEqual({ ignore: { selectors: [], attributes: [], text: [], headers: [] }, maxInFlight: 4, cookies: false });
  });

  it('keeps what the config says', async () => {
    const compare = { ignore: { selectors: ['.ad-slot', 'footer > [data-build]'], attributes: ['data-request-id', 'data-track-*'], text: ['\\d{2}:\\d{2}'], headers: ['cache-control'] }, maxInFlight: 16, cookies: true };
    const config = await load(withCompare(compare)).promise;
    expect(config.fragments.get('header')!.compare).toEqual(compare);
  });

  it.each([
    ['a selector that does not parse', { ignore: { selectors: ['.ad-slot', 'div[data-x'] } }, "`fragments.header.compare.ignore.selectors[1]` must be a CSS selector ("],
    ['an empty selector', { ignore: { selectors: [' '] } }, "`fragments.header.compare.ignore.selectors[0]` must be a CSS selector (it is empty), got ' '. For example: '.ad-slot'"],
    ['an attribute name with a space', { ignore: { attributes: ['data x'] } }, "`fragments.header.compare.ignore.attributes[0]` must be an attribute name (names have no spaces, quotes or =; a trailing * matches a prefix), got 'data x'."],
    ['a text pattern that is not a regular expression', { ignore: { text: ['(unclosed'] } }, "`fragments.header.compare.ignore.text[0]` must be a regular expression (Invalid regular expression: /(unclosed/g: Unterminated group), got '(unclosed'."],
    ['a text pattern matching everything', { ignore: { text: ['x*'] } }, "`fragments.header.compare.ignore.text[0]` must be a regular expression (it matches the empty string, so it would match everywhere), got 'x*'."],
    ['a fractional in-flight bound', { maxInFlight: 2.5 }, '`fragments.header.compare.maxInFlight` must be a whole number from 1 up, got 2.5.'],
    ['a zero in-flight bound', { maxInFlight: 0 }, '`fragments.header.compare.maxInFlight` must be a whole number from 1 up, got 0.'],
    ['cookies as a string', { cookies: 'yes' }, "`fragments.header.compare.cookies` must be true or false, got 'yes'."],
    ['a misspelt key', { maxInflight: 2 }, '`fragments.header.compare.maxInflight` is not an option of `compare`. Did you mean `maxInFlight`?'],
    ['a header name with a space', { ignore: { headers: ['cache control'] } }, "`fragments.header.compare.ignore.headers[0]` must be a response header name"],
    ['a misspelt ignore key', { ignore: { selector: ['.x'] } }, '`fragments.header.compare.ignore.selector` is not an option of `compare.ignore`. Did you mean `selectors`?'],
  ])('rejects %s, naming the file, the key and the value', async (_what, compare, message) => {
    const { file, promise } = load(withCompare(compare));
    const error = await rejection(promise);
    expect(error.code).toBe('MFE_CONFIG_INVALID');
    expect(error.message).toContain(file);
    expect(error.message).toContain(message);
  });
});

describe('record', () => {
  it('is resolved against the config file’s folder', async () => {
    const { root, promise } = load({ upstream: 'https://www.example.com', record: 'logs/requests.jsonl' });
    expect((await promise).record).toBe(path.join(root, 'logs/requests.jsonl'));
  });
});
