import { describe, expect, expectTypeOf, it } from 'vitest';
import { defineConfig, describeConfigChanges, type ResolvedConfig, type ResolvedFragment, type UserConfig } from '../../src/config/index.js';
import { closest } from '../../src/config/suggest.js';

const header: ResolvedFragment = {
  name: 'header',
  src: '/fragments/header',
  local: 'http://127.0.0.1:3001',
  assets: [],
  from: { file: '/shop/mfe-dev.config.ts' },
};

function config(overrides: Partial<ResolvedConfig> = {}): ResolvedConfig {
  return {
    configFile: '/shop/mfe-dev.config.ts',
    files: ['/shop/mfe-dev.config.ts'],
    upstream: 'https://www.example.com',
    port: 4400,
    https: false,
    host: '127.0.0.1',
    fragments: new Map([['header', header]]),
    presets: new Map(),
    modes: { cli: { local: [], prod: [], shadow: [], presets: [] }, config: { local: ['header'], prod: [], shadow: [], presets: [] } },
    allowedHosts: [],
    includeHosts: [],
    pageTimeout: 30_000,
    maxFragmentSize: 10 * 1024 * 1024,
    maxMarkerSize: 1024 * 1024,
    overlay: true,
    diagnostics: true,
    warnings: [],
    ...overrides,
  };
}

const checkout = { name: 'checkout', local: ['header'], prod: [], shadow: [], headers: {}, cookies: {}, from: { file: '/shop/team.json' } };

describe('describeConfigChanges', () => {
  it.each<[string, Partial<ResolvedConfig>, string[]]>([
    ['nothing', {}, []],
    ['upstream', { upstream: 'https://staging.example.com' }, ['upstream: https://www.example.com → https://staging.example.com']],
    ['overlay', { overlay: false }, ['overlay: true → false']],
    [
      'shadow comparison settings',
      { fragments: new Map([['header', { ...header, compare: { ignore: { selectors: ['.ad'], attributes: [], text: [] }, maxInFlight: 8, cookies: false } }]]) },
      ['fragment \'header\': compare (none) → ignore={"selectors":[".ad"],"attributes":[],"text":[]}, maxInFlight=8, cookies=false'],
    ],
    ['the request log', { record: '/shop/requests.jsonl' }, ['record: (none) → /shop/requests.jsonl']],
    [
      'a local URL',
      { fragments: new Map([['header', { ...header, local: 'http://127.0.0.1:3002' }]]) },
      ["fragment 'header': local http://127.0.0.1:3001 → http://127.0.0.1:3002"],
    ],
    ['a fragment removed', { fragments: new Map() }, ["fragment 'header' removed"]],
    [
      'assets and where the fragment comes from',
      { fragments: new Map([['header', { ...header, assets: ['/assets/header/'], from: { file: '/shop/team.json' } }]]) },
      ["fragment 'header': assets (none) → /assets/header/", "fragment 'header': now from /shop/team.json"],
    ],
    ['a preset added', { presets: new Map([['checkout', checkout]]) }, ["preset 'checkout' added"]],
    [
      'default modes',
      { modes: { cli: { local: [], prod: [], shadow: [], presets: [] }, config: { local: [], prod: [], shadow: ['header'], presets: [] } } },
      ['default local (config): header → (none)', 'default shadow (config): (none) → header'],
    ],
  ])('describes %s', (_name, overrides, expected) => {
    expect(describeConfigChanges(config(), config(overrides))).toEqual(expected);
  });

  it('describes changed preset headers', () => {
    const before = config({ presets: new Map([['checkout', checkout]]) });
    const after = config({ presets: new Map([['checkout', { ...checkout, headers: { 'x-toguru': 'a=true' } }]]) });
    expect(describeConfigChanges(before, after)).toEqual(["preset 'checkout': headers (none) → x-toguru=(hidden)"]);
  });
});

describe('closest', () => {
  it.each([
    ['fragment', ['upstream', 'fragments', 'presets'], 'fragments'],
    ['loacl', ['src', 'local', 'assets'], 'local'],
    ['heder', ['header', 'footer'], 'header'],
    ['checkout', ['header', 'footer'], undefined],
    ['x', [], undefined],
  ])('%s → %s', (name, candidates, expected) => {
    expect(closest(name, candidates)).toBe(expected);
  });
});

describe('defineConfig', () => {
  it('returns its argument and types it', () => {
    const config = { upstream: 'https://www.example.com' };
    expect(defineConfig(config)).toBe(config);
    expectTypeOf(defineConfig).parameter(0).toEqualTypeOf<UserConfig | (() => UserConfig | Promise<UserConfig>)>();
    expectTypeOf(defineConfig({ upstream: 'x' })).toEqualTypeOf<UserConfig>();
  });
});
