import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig, type ModeLayer } from '../../src/config/index.js';
import { rejection, writeProject } from './helpers.js';

const header = { src: '/fragments/header', local: 'http://127.0.0.1:3001' };
const footer = { src: '/fragments/footer', local: 'http://127.0.0.1:3002' };
const base = { upstream: 'https://www.example.com', fragments: { header, footer } };

/** Writes `config` as mfe-dev.config.json in a temp project; returns the root and the file. */
function project(config: unknown): { root: string; file: string } {
  const root = writeProject({ 'mfe-dev.config.json': config as object });
  return { root, file: path.join(root, 'mfe-dev.config.json') };
}

const INVALID: [string, unknown, string][] = [
  [
    'a local URL without scheme',
    { ...base, fragments: { header: { ...header, local: 'localhost:3001' } } },
    "`fragments.header.local` must be an http(s) URL, got 'localhost:3001'. Did you mean 'http://localhost:3001'?",
  ],
  [
    'an upstream without scheme',
    { ...base, upstream: 'www.example.com' },
    "`upstream` must be an http(s) URL, got 'www.example.com'. Did you mean 'https://www.example.com'?",
  ],
  [
    'an upstream with a path',
    { ...base, upstream: 'https://www.example.com/shop/' },
    "`upstream` must be an origin (scheme, host and port, no path), got 'https://www.example.com/shop/'. Did you mean 'https://www.example.com'?",
  ],
  ['a port out of range', { ...base, port: 70000 }, '`port` must be an integer from 0 to 65535, got 70000.'],
  ['a port that is a string', { ...base, port: '4400' }, "`port` must be an integer from 0 to 65535, got '4400'."],
  ['a fractional port', { ...base, port: 4400.5 }, '`port` must be an integer from 0 to 65535, got 4400.5.'],
  [
    'a zero timeout',
    { ...base, fragments: { header: { ...header, timeout: 0 } } },
    '`fragments.header.timeout` must be a positive number of milliseconds, got 0.',
  ],
  [
    'a relative asset prefix',
    { ...base, fragments: { header: { ...header, assets: ['/ok/', 'assets/header/'] } } },
    "`fragments.header.assets[1]` must be a path starting with '/' or an absolute http(s) URL, got 'assets/header/'. Did you mean '/assets/header/'?",
  ],
  [
    'an ftp asset prefix',
    { ...base, fragments: { header: { ...header, assets: ['ftp://cdn.example.com/'] } } },
    "`fragments.header.assets[0]` must be a path starting with '/' or an absolute http(s) URL, got 'ftp://cdn.example.com/'.",
  ],
  [
    'a relative src',
    { ...base, fragments: { header: { ...header, src: 'fragments/header' } } },
    "`fragments.header.src` must be a path starting with '/' or an absolute URL on `upstream`, got 'fragments/header'. Did you mean '/fragments/header'?",
  ],
  [
    'a src on another origin',
    { ...base, fragments: { header: { ...header, src: 'https://fragments.example.net/header' } } },
    "`fragments.header.src` is on https://fragments.example.net, not on upstream https://www.example.com, got 'https://fragments.example.net/header'.",
  ],
  ['a missing src', { ...base, fragments: { header: { local: header.local } } }, "`fragments.header.src` is required: the fragment's path in production"],
  ['an unknown top-level key', { ...base, fragment: {} }, '`fragment` is not an option of the config. Did you mean `fragments`?'],
  [
    'an unknown fragment key',
    { ...base, fragments: { header: { ...header, loacl: 'x' } } },
    '`fragments.header.loacl` is not an option of a fragment. Did you mean `local`? Known options: src, selector, local, assets, timeout, compare, previews.',
  ],
  ['an unknown preset key', { ...base, presets: { p: { headrs: {} } } }, '`presets.p.headrs` is not an option of a preset. Did you mean `headers`?'],
  [
    'an unknown fragment in local',
    { ...base, local: ['heder'] },
    "`local` names 'heder', which is not a configured fragment. Did you mean 'header'? Configured fragments: header, footer.",
  ],
  ['an unknown fragment in shadow', { ...base, shadow: ['cart'] }, "`shadow` names 'cart', which is not a configured fragment. Configured fragments: header, footer."],
  [
    'an unknown fragment in a preset',
    { ...base, presets: { checkout: { prod: ['cart'] } } },
    "`presets.checkout.prod` names 'cart', which is not a configured fragment. Configured fragments: header, footer.",
  ],
  ['a fragment name with a separator', { ...base, fragments: { 'a|b': header } }, "`fragments` has a name that can't be used, got 'a|b'"],
  ['overlay as a string', { ...base, overlay: 'false' }, "`overlay` must be true or false, got 'false'."],
  ['extends as a number', { ...base, extends: 1 }, '`extends` must be a file path or package name, or a list of them, got 1.'],
  ['an array as config', [base], "the config must be an object (export default defineConfig({ upstream: 'https://…' })), got"],
];

describe('validation errors name the file, the key, the value and the fix', () => {
  it.each(INVALID)('%s', async (_name, config, message) => {
    const { root, file } = project(config);
    const error = await rejection(resolveConfig({ root }));
    expect(error.code).toBe('MFE_CONFIG_INVALID');
    expect(error.file).toBe(file);
    expect(error.message).toContain(`${file}: ${message}`);
  });

  it('lists every problem at once', async () => {
    const { root, file } = project({ ...base, port: -1, overlay: 1 });
    const error = await rejection(resolveConfig({ root }));
    expect(error.message).toBe(
      '2 problems in the mfe-dev config:\n' +
        `  - ${file}: \`port\` must be an integer from 0 to 65535, got -1.\n` +
        `  - ${file}: \`overlay\` must be true or false, got 1.`,
    );
  });

  it('requires upstream after merging extends', async () => {
    const root = writeProject({ 'mfe-dev.config.yaml': 'extends: ./team.json\n', 'team.json': { fragments: { header } } });
    const error = await rejection(resolveConfig({ root }));
    expect(error.code).toBe('MFE_CONFIG_INVALID');
    expect(error.message).toMatch(
      new RegExp(`^no \`upstream\` in ${path.join(root, 'mfe-dev.config.yaml')} or the files it extends: add upstream: 'https://www.example.com'`),
    );
  });

  it('accepts upstream from the command line when the file has none', async () => {
    const { root } = project({ fragments: { header } });
    const config = await resolveConfig({ root, upstream: 'https://www.example.com/' });
    expect(config.upstream).toBe('https://www.example.com');
  });

  it('names the inline config when it is at fault', async () => {
    const error = await rejection(resolveConfig({ configFile: false, upstream: 'localhost:8080' }));
    expect(error.message).toBe(
      "the inline config: `upstream` must be an http(s) URL, got 'localhost:8080'. Did you mean 'http://localhost:8080'?",
    );
  });

  it('keeps absolute srcs on the file upstream working when --upstream points elsewhere', async () => {
    const { root } = project({ ...base, fragments: { header: { ...header, src: 'https://www.example.com/fragments/header' } } });
    const config = await resolveConfig({ root, upstream: 'https://staging.example.com' });
    expect(config.fragments.get('header')?.src).toBe('/fragments/header');
  });
});

describe('command-line names', () => {
  const cases: [string, Partial<ModeLayer>, string, string][] = [
    ['--local', { local: ['x'] }, 'MFE_UNKNOWN_FRAGMENT', "unknown fragment 'x' in --local: configured fragments are header, footer (from FILE)."],
    ['--prod', { prod: ['heder'] }, 'MFE_UNKNOWN_FRAGMENT', "unknown fragment 'heder' in --prod: configured fragments are header, footer (from FILE). Did you mean 'header'?"],
    ['--shadow', { shadow: ['cart'] }, 'MFE_UNKNOWN_FRAGMENT', "unknown fragment 'cart' in --shadow: configured fragments are header, footer (from FILE)."],
    ['--preset', { presets: ['chekout'] }, 'MFE_UNKNOWN_PRESET', "unknown preset 'chekout' in --preset: configured presets are checkout (from FILE). Did you mean 'checkout'?"],
  ];
  it.each(cases)('rejects an unknown name in %s', async (_flag, cli, code, message) => {
    const { root, file } = project({ ...base, presets: { checkout: { local: ['header'] } } });
    const error = await rejection(resolveConfig({ root, cli }));
    expect(error.code).toBe(code);
    expect(error.message).toBe(message.replace('FILE', file));
  });

  it('says when no presets are configured', async () => {
    const { root, file } = project(base);
    const error = await rejection(resolveConfig({ root, cli: { presets: ['checkout'] } }));
    expect(error.message).toBe(`unknown preset 'checkout' in --preset: no presets are configured (in ${file}).`);
  });
});

describe('warnings', () => {
  it('warns about a default-local fragment without a local URL, and keeps it prod', async () => {
    const { root } = project({ ...base, fragments: { header, cart: { src: '/fragments/cart' } }, local: ['header', 'cart'] });
    const config = await resolveConfig({ root });
    expect(config.modes.config.local).toEqual(['header']);
    expect(config.warnings).toEqual([
      "fragment 'cart' is set to local in mfe-dev.config.json but has no `local` URL; it stays prod. Add fragments.cart.local: 'http://localhost:3001'.",
    ]);
  });

  it('warns about --local for a fragment without a local URL', async () => {
    const { root } = project({ ...base, fragments: { cart: { src: '/fragments/cart' } } });
    const config = await resolveConfig({ root, cli: { local: ['cart'] } });
    expect(config.modes.cli.local).toEqual([]);
    expect(config.warnings).toEqual([expect.stringContaining("fragment 'cart' is set to local by --local but has no `local` URL")]);
  });
});

describe('selectors', () => {
  it('rejects a selector that cannot be matched, naming the key and showing an example', async () => {
    const { validateUserConfig } = await import('../../src/config/schema.js');
    expect(() =>
      validateUserConfig({ upstream: 'https://www.example.com', fragments: { header: { src: '/fragments/header', selector: 'header[' } } }, '/shop/mfe-dev.config.ts'),
    ).toThrow(/\/shop\/mfe-dev\.config\.ts: `fragments\.header\.selector` must be a CSS selector mfe-dev can match \(.+\), got 'header\['\. For example: 'header\[data-fragment="header"\]'\./);
  });
});
