import { describe, expect, it } from 'vitest';
import { resolveSelection, shareLink } from '../../src/overrides/index.js';
import type { ResolvedConfig } from '../../src/config/types.js';

describe('shareLink', () => {
  it.each([
    [
      'http://127.0.0.1:4400',
      { modes: { header: 'local', footer: 'prod' }, presets: ['checkout'] },
      undefined,
      'http://127.0.0.1:4400/?mfe-dev=footer=prod%7Cheader=local&mfe-dev-preset=checkout',
    ],
    [
      'http://127.0.0.1:4400',
      { modes: { header: 'local' }, presets: [] },
      '/checkout/cart?step=2',
      'http://127.0.0.1:4400/checkout/cart?step=2&mfe-dev=header=local&mfe-dev-preset=',
    ],
    [
      'http://127.0.0.1:4400/',
      { modes: {}, presets: [] },
      '/',
      'http://127.0.0.1:4400/?mfe-dev=&mfe-dev-preset=',
    ],
    [
      'https://www.example.com/p?a=%2F&mfe-dev=old=local#top',
      { modes: { b: 'shadow', a: 'local' }, presets: ['x', 'y', 'x'] },
      undefined,
      'https://www.example.com/p?a=%2F&mfe-dev=a=local%7Cb=shadow&mfe-dev-preset=y,x#top',
    ],
    [
      'http://127.0.0.1:4400/?',
      { modes: { "it's": 'local' }, presets: ['a b'] },
      undefined,
      'http://127.0.0.1:4400/?mfe-dev=it%27s=local&mfe-dev-preset=a%20b',
    ],
  ] as const)('%s %j %s', (base, selection, path, expected) => {
    const link = shareLink(base, { modes: { ...selection.modes }, presets: [...selection.presets] }, path);
    expect(link).toBe(expected);
    expect(link).not.toMatch(/[|\s()]/);
  });

  it('is stable: the same selection in another order gives the same link', () => {
    const a = shareLink('http://gw.test', { modes: { header: 'local', footer: 'prod', nav: 'shadow' }, presets: ['p'] });
    const b = shareLink('http://gw.test', { modes: { nav: 'shadow', footer: 'prod', header: 'local' }, presets: ['p'] });
    expect(a).toBe(b);
  });

  it('round-trips through resolveSelection', () => {
    const config: ResolvedConfig = {
      files: [],
      upstream: 'https://www.example.com',
      port: 4400,
      https: false,
      host: '127.0.0.1',
      fragments: new Map(
        ['header', 'footer'].map((name) => [name, { name, src: `/${name}`, local: 'http://127.0.0.1:3001', assets: [], from: { file: '/c.ts' } }]),
      ),
      presets: new Map([
        ['checkout', { name: 'checkout', local: ['footer'], prod: [], shadow: [], headers: {}, cookies: {}, from: { file: '/c.ts' } }],
      ]),
      modes: { cli: { local: [], prod: [], shadow: [], presets: [] }, config: { local: [], prod: [], shadow: [], presets: [] } },
      allowedHosts: [],
      includeHosts: [],
      pageTimeout: 30_000,
      maxFragmentSize: 10 * 1024 * 1024,
      maxMarkerSize: 1024 * 1024,
      overlay: true,
      diagnostics: true,
      warnings: [],
    };
    const link = new URL(shareLink('http://gw.test', { modes: { header: 'shadow' }, presets: ['checkout'] }, '/p?q=1'));
    const s = resolveSelection(config, { url: link.pathname + link.search, headers: { cookie: 'mfe-dev=footer%3Dprod' } });
    expect(Object.fromEntries(s.modes)).toEqual({ header: 'shadow', footer: 'local' });
    expect(s.upstreamUrl).toBe('/p?q=1');
    expect(s.warnings).toEqual([]);
  });
});
