import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { IncomingHttpHeaders } from 'node:http';
import type { ModeLayer, ResolvedConfig, ResolvedFragment, ResolvedPreset } from '../../src/config/types.js';
import { resolveSelection, type Selection } from '../../src/overrides/index.js';
import { resolveSelectionFully } from '../../src/overrides/resolve-selection.js';

// ---------------------------------------------------------------------------------------------
// Test factory: a small site with three fragments. `nav` has no local service.

const CONFIG_FILE = '/repo/mfe-dev.config.ts';
const TEAM_FILE = '/repo/team/mfe-presets.json';

interface FactoryOptions {
  fragments?: Record<string, Partial<ResolvedFragment>>;
  presets?: Record<string, Partial<ResolvedPreset>>;
  cli?: Partial<ModeLayer>;
  config?: Partial<ModeLayer>;
}

function makeConfig(options: FactoryOptions = {}): ResolvedConfig {
  const fragments = options.fragments ?? {
    header: { local: 'http://127.0.0.1:3001' },
    footer: { local: 'http://127.0.0.1:3002' },
    nav: {},
  };
  const presets = options.presets ?? {
    checkout: {
      local: ['header'],
      headers: { 'x-toguru': 'new-checkout=true' },
      cookies: { toguru: 'new-checkout=true' },
    },
    'footer-local': { local: ['footer'], headers: { 'X-Toguru': 'footer=true', 'x-team': 'footer' }, cookies: { toguru: 'footer=true' } },
    'all-prod': { prod: ['header', 'footer'], from: { file: TEAM_FILE } },
  };
  const layer = (partial: Partial<ModeLayer> = {}): ModeLayer => ({ local: [], prod: [], shadow: [], presets: [], ...partial });
  return {
    configFile: CONFIG_FILE,
    files: [CONFIG_FILE],
    upstream: 'https://www.example.com',
    port: 4400,
    https: false,
    host: '127.0.0.1',
    fragments: new Map(
      Object.entries(fragments).map(([name, f]) => [
        name,
        { name, src: `/fragments/${name}`, assets: [], from: { file: CONFIG_FILE }, ...f },
      ]),
    ),
    presets: new Map(
      Object.entries(presets).map(([name, p]) => [
        name,
        { name, local: [], prod: [], shadow: [], headers: {}, cookies: {}, from: { file: CONFIG_FILE }, ...p },
      ]),
    ),
    modes: { cli: layer(options.cli), config: layer(options.config) },
    allowedHosts: [],
    includeHosts: [],
    pageTimeout: 30_000,
    maxFragmentSize: 10 * 1024 * 1024,
    maxMarkerSize: 1024 * 1024,
    overlay: true,
    diagnostics: true,
    warnings: [],
  };
}

function resolve(config: ResolvedConfig, url = '/', headers: IncomingHttpHeaders = {}): Selection {
  return resolveSelection(config, { url, headers });
}

const modesOf = (s: Selection) => Object.fromEntries(s.modes);
const sourcesOf = (s: Selection) => Object.fromEntries(s.sources);
const presetsOf = (s: Selection) => s.presets.map((p) => p.name);

// ---------------------------------------------------------------------------------------------

describe('resolveSelection: defaults', () => {
  it('every fragment is prod from nowhere when nothing is said', () => {
    const s = resolve(makeConfig());
    expect(modesOf(s)).toEqual({ header: 'prod', footer: 'prod', nav: 'prod' });
    expect(sourcesOf(s)).toEqual({ header: 'default', footer: 'default', nav: 'default' });
    expect(s).toMatchObject({ presets: [], headers: {}, cookies: {}, warnings: [], setCookies: [], upstreamUrl: '/' });
    expect(s.upstreamCookieHeader).toBeUndefined();
  });
});

// Each source alone sets header=local (and, through a preset, footer=local).
type SourceName = 'query' | 'header' | 'cookie' | 'cli' | 'config';
const SOURCES: SourceName[] = ['query', 'header', 'cookie', 'cli', 'config'];

/** A request / config where `source` says `pairs` (NAME=MODE|...) and `presets` (a,b). */
function scenario(says: Partial<Record<SourceName, { pairs?: string; presets?: string }>>) {
  const query: string[] = [];
  const headers: IncomingHttpHeaders = {};
  const cookies: string[] = [];
  const layers: { cli?: Partial<ModeLayer>; config?: Partial<ModeLayer> } = {};
  for (const [source, { pairs, presets }] of Object.entries(says) as [SourceName, { pairs?: string; presets?: string }][]) {
    if (source === 'query') {
      if (pairs !== undefined) query.push(`mfe-dev=${encodeURIComponent(pairs)}`);
      if (presets !== undefined) query.push(`mfe-dev-preset=${encodeURIComponent(presets)}`);
    } else if (source === 'header') {
      if (pairs !== undefined) headers['x-mfe-dev'] = pairs;
      if (presets !== undefined) headers['x-mfe-dev-preset'] = presets;
    } else if (source === 'cookie') {
      if (pairs !== undefined) cookies.push(`mfe-dev=${encodeURIComponent(pairs)}`);
      if (presets !== undefined) cookies.push(`mfe-dev-preset=${encodeURIComponent(presets)}`);
    } else {
      const layer: Partial<ModeLayer> = { local: [], prod: [], shadow: [], presets: presets ? presets.split(',') : [] };
      for (const pair of pairs ? pairs.split('|') : []) {
        const [name, mode] = pair.split('=') as [string, 'local' | 'prod' | 'shadow'];
        layer[mode]!.push(name);
      }
      layers[source] = layer;
    }
  }
  if (cookies.length) headers.cookie = cookies.join('; ');
  return resolve(makeConfig(layers), `/page${query.length ? `?${query.join('&')}` : ''}`, headers);
}

describe('resolveSelection: each source alone', () => {
  it.each(SOURCES)('%s', (source) => {
    const s = scenario({ [source]: { pairs: 'header=local|footer=shadow' } });
    expect(modesOf(s)).toEqual({ header: 'local', footer: 'shadow', nav: 'prod' });
    expect(sourcesOf(s)).toEqual({ header: source, footer: source, nav: 'default' });
    expect(s.warnings).toEqual([]);
  });

  it.each(SOURCES)('%s presets', (source) => {
    const s = scenario({ [source]: { presets: 'checkout' } });
    expect(modesOf(s)).toEqual({ header: 'local', footer: 'prod', nav: 'prod' });
    expect(sourcesOf(s)).toEqual({ header: source, footer: 'default', nav: 'default' });
    expect(presetsOf(s)).toEqual(['checkout']);
    expect(s.headers).toEqual({ 'x-toguru': 'new-checkout=true' });
    expect(s.cookies).toEqual({ toguru: 'new-checkout=true' });
  });
});

describe('resolveSelection: precedence between every pair of sources', () => {
  const pairs = SOURCES.flatMap((stronger, i) => SOURCES.slice(i + 1).map((weaker) => [stronger, weaker] as const));
  it.each(pairs)('%s beats %s, per fragment', (stronger, weaker) => {
    const s = scenario({
      [weaker]: { pairs: 'header=local|footer=local' },
      [stronger]: { pairs: 'header=prod' },
    });
    if (stronger === 'query' && weaker === 'cookie') {
      // The query's mfe-dev replaces the mfe-dev cookie (and sets it) this very request.
      expect(modesOf(s)).toEqual({ header: 'prod', footer: 'prod', nav: 'prod' });
      expect(sourcesOf(s)).toEqual({ header: 'query', footer: 'default', nav: 'default' });
      return;
    }
    expect(modesOf(s)).toEqual({ header: 'prod', footer: 'local', nav: 'prod' });
    expect(sourcesOf(s)).toEqual({ header: stronger, footer: weaker, nav: 'default' });
  });

  it('query pairs vs the preset cookie: per fragment, the cookie preset stays in force', () => {
    const s = scenario({ cookie: { presets: 'checkout,footer-local' }, query: { pairs: 'header=prod' } });
    expect(modesOf(s)).toEqual({ header: 'prod', footer: 'local', nav: 'prod' });
    expect(sourcesOf(s)).toEqual({ header: 'query', footer: 'cookie', nav: 'default' });
  });

  it.each(pairs)("%s's preset beats %s's explicit pair (precedence is by source first)", (stronger, weaker) => {
    const s = scenario({ [weaker]: { pairs: 'header=shadow' }, [stronger]: { presets: 'checkout' } });
    expect(modesOf(s).header).toBe('local');
    expect(sourcesOf(s).header).toBe(stronger);
  });
});

describe('resolveSelection: the contract example', () => {
  it('x-mfe-dev: header=prod changes the header and leaves the cookie footer=local in force', () => {
    const s = resolve(makeConfig(), '/', {
      'x-mfe-dev': 'header=prod',
      cookie: 'session=abc; mfe-dev=header%3Dlocal%7Cfooter%3Dlocal',
    });
    expect(modesOf(s)).toEqual({ header: 'prod', footer: 'local', nav: 'prod' });
    expect(sourcesOf(s)).toEqual({ header: 'header', footer: 'cookie', nav: 'default' });
  });
});

describe('resolveSelection: within one source', () => {
  it.each(SOURCES)('%s: explicit pairs beat its presets, whatever the order', (source) => {
    const s = scenario({ [source]: { pairs: 'header=shadow', presets: 'checkout' } });
    expect(modesOf(s).header).toBe('shadow');
    expect(presetsOf(s)).toEqual(['checkout']);
  });

  it.each([
    ['checkout,all-prod', 'prod', { 'x-toguru': 'new-checkout=true' }],
    ['all-prod,checkout', 'local', { 'x-toguru': 'new-checkout=true' }],
    ['checkout,footer-local', 'local', { 'x-toguru': 'footer=true', 'x-team': 'footer' }],
    ['footer-local,checkout', 'local', { 'x-toguru': 'new-checkout=true', 'x-team': 'footer' }],
  ])('presets %s: the later wins', (presets, header, headers) => {
    const s = resolve(makeConfig(), '/', { 'x-mfe-dev-preset': presets });
    expect(modesOf(s).header).toBe(header);
    expect(presetsOf(s)).toEqual(presets.split(','));
    expect(s.headers).toEqual(headers);
  });

  it('a fragment named twice: the later pair wins', () => {
    expect(modesOf(resolve(makeConfig(), '/?mfe-dev=header=local|header=shadow')).header).toBe('shadow');
  });

  it('a preset listing a fragment under several modes: local beats shadow beats prod', () => {
    const config = makeConfig({
      fragments: { header: { local: 'http://127.0.0.1:3001' }, footer: { local: 'http://127.0.0.1:3002' } },
      presets: { odd: { prod: ['header', 'footer'], shadow: ['header', 'footer'], local: ['header'] } },
    });
    expect(modesOf(resolve(config, '/?mfe-dev-preset=odd'))).toEqual({ header: 'local', footer: 'shadow' });
  });
});

describe('resolveSelection: preset headers and cookies', () => {
  it('active presets run weakest source first, so the stronger source wins conflicts', () => {
    const s = resolve(makeConfig({ config: { presets: ['checkout'] } }), '/?mfe-dev-preset=footer-local', {
      'x-mfe-dev-preset': 'all-prod',
    });
    expect(presetsOf(s)).toEqual(['checkout', 'all-prod', 'footer-local']);
    expect(s.headers).toEqual({ 'x-toguru': 'footer=true', 'x-team': 'footer' });
    expect(s.cookies).toEqual({ toguru: 'footer=true' });
    expect(modesOf(s)).toEqual({ header: 'prod', footer: 'local', nav: 'prod' });
    expect(sourcesOf(s)).toEqual({ header: 'header', footer: 'query', nav: 'default' });
  });

  it('the stronger source still wins when the weaker is listed later in the request', () => {
    const s = resolve(makeConfig(), '/', { 'x-mfe-dev-preset': 'checkout', cookie: 'mfe-dev-preset=footer-local' });
    expect(presetsOf(s)).toEqual(['footer-local', 'checkout']);
    expect(s.headers).toEqual({ 'x-toguru': 'new-checkout=true', 'x-team': 'footer' });
    expect(s.cookies).toEqual({ toguru: 'new-checkout=true' });
  });

  it('a preset active in several sources counts once, where it is strongest', () => {
    const s = resolve(makeConfig({ cli: { presets: ['checkout'] } }), '/', {
      'x-mfe-dev-preset': 'checkout',
      cookie: 'mfe-dev-preset=footer-local',
    });
    expect(presetsOf(s)).toEqual(['footer-local', 'checkout']);
    expect(s.headers['x-toguru']).toBe('new-checkout=true');
  });

  it('a preset is active even when stronger sources decide all its fragments', () => {
    const s = resolve(makeConfig({ config: { presets: ['checkout'] } }), '/?mfe-dev=header=prod');
    expect(modesOf(s).header).toBe('prod');
    expect(presetsOf(s)).toEqual(['checkout']);
    expect(s.headers).toEqual({ 'x-toguru': 'new-checkout=true' });
  });

  it('an invalid header name or value is not sent', () => {
    const config = makeConfig({ presets: { bad: { headers: { 'x ok': '1', 'x-split': 'a\r\nb', 'x-good': '2' } } } });
    const s = resolve(config, '/?mfe-dev-preset=bad');
    expect(s.headers).toEqual({ 'x-good': '2' });
    expect(s.warnings).toEqual([
      `preset 'bad' in ${CONFIG_FILE}: header 'x ok' is not a valid HTTP header; it is not sent`,
      `preset 'bad' in ${CONFIG_FILE}: header 'x-split' is not a valid HTTP header; it is not sent`,
    ]);
  });
});

describe('resolveSelection: the query sets and clears cookies', () => {
  it('sets the cookie of the same name (exact Set-Cookie)', () => {
    const s = resolve(makeConfig(), '/p?mfe-dev=header=local%7Cfooter=prod&mfe-dev-preset=checkout');
    expect(s.setCookies).toEqual([
      'mfe-dev=header%3Dlocal%7Cfooter%3Dprod; Path=/; SameSite=Lax',
      'mfe-dev-preset=checkout; Path=/; SameSite=Lax',
    ]);
    expect(s.upstreamUrl).toBe('/p');
  });

  it('the query value replaces the old cookie this very request', () => {
    const s = resolve(makeConfig(), '/?mfe-dev=header=local', { cookie: 'mfe-dev=footer%3Dlocal' });
    expect(modesOf(s)).toEqual({ header: 'local', footer: 'prod', nav: 'prod' });
    expect(sourcesOf(s)).toEqual({ header: 'query', footer: 'default', nav: 'default' });
  });

  it('an empty value clears the cookie, and the request ignores the old cookie', () => {
    const s = resolve(makeConfig(), '/p?mfe-dev=&x=1', { cookie: 'a=1; mfe-dev=footer%3Dlocal; mfe-dev-preset=checkout' });
    expect(s.setCookies).toEqual(['mfe-dev=; Max-Age=0; Path=/']);
    expect(modesOf(s)).toEqual({ header: 'local', footer: 'prod', nav: 'prod' });
    expect(sourcesOf(s).header).toBe('cookie'); // mfe-dev-preset was not cleared
    expect(s.upstreamUrl).toBe('/p?x=1');
  });

  it('?mfe-dev-preset= clears only the preset cookie', () => {
    const s = resolve(makeConfig(), '/?mfe-dev-preset=', { cookie: 'mfe-dev=footer%3Dlocal; mfe-dev-preset=checkout' });
    expect(s.setCookies).toEqual(['mfe-dev-preset=; Max-Age=0; Path=/']);
    expect(modesOf(s)).toEqual({ header: 'prod', footer: 'local', nav: 'prod' });
    expect(s.presets).toEqual([]);
    expect(s.headers).toEqual({});
  });

  it('the cookie keeps the value as given, bad pairs included (they warn on each use)', () => {
    const s = resolve(makeConfig(), '/?mfe-dev=header%3Dlocal%7Cfooter%3Dhttp%3A%2F%2Fevil');
    expect(s.setCookies).toEqual(['mfe-dev=header%3Dlocal%7Cfooter%3Dhttp%3A%2F%2Fevil; Path=/; SameSite=Lax']);
    expect(modesOf(s).header).toBe('local');
    expect(s.warnings).toHaveLength(1);
  });
});

describe('resolveSelection: headers', () => {
  it.each([
    [{ 'x-mfe-dev': 'header=local' }, { header: 'local', footer: 'prod', nav: 'prod' }],
    [{ 'x-mfe-dev': 'header=local%7Cfooter=shadow' }, { header: 'local', footer: 'shadow', nav: 'prod' }],
    [{ 'x-mfe-dev': ['header=local', 'footer=shadow'] }, { header: 'local', footer: 'shadow', nav: 'prod' }],
    [{ 'x-mfe-dev-preset': 'checkout, footer-local' }, { header: 'local', footer: 'local', nav: 'prod' }],
  ] as [IncomingHttpHeaders, Record<string, string>][])('%j', (headers, modes) => {
    const s = resolve(makeConfig(), '/', headers);
    expect(modesOf(s)).toEqual(modes);
    expect(s.setCookies).toEqual([]);
    expect(s.warnings).toEqual([]);
  });
});

describe('resolveSelection: unknown names', () => {
  it('suggests the closest name, as the command line does for flags', () => {
    expect(resolve(makeConfig(), '/?mfe-dev=heder=local', {}).warnings).toEqual([
      "ignored unknown fragment 'heder' in the mfe-dev query parameter (did you mean 'header'?); configured fragments: header, footer, nav",
    ]);
    expect(resolve(makeConfig(), '/?mfe-dev-preset=chekout', {}).warnings).toEqual([
      "ignored unknown preset 'chekout' in the mfe-dev-preset query parameter (did you mean 'checkout'?); configured presets: checkout, footer-local, all-prod",
    ]);
  });

  it.each([
    ['/?mfe-dev=sidebar=local|header=local', {}, "ignored unknown fragment 'sidebar' in the mfe-dev query parameter; configured fragments: header, footer, nav"],
    ['/', { 'x-mfe-dev': 'sidebar=local|header=local' }, "ignored unknown fragment 'sidebar' in the x-mfe-dev header; configured fragments: header, footer, nav"],
    ['/', { cookie: 'mfe-dev=sidebar%3Dlocal%7Cheader%3Dlocal' }, "ignored unknown fragment 'sidebar' in the mfe-dev cookie; configured fragments: header, footer, nav"],
  ] as [string, IncomingHttpHeaders, string][])('fragment: %s %j', (url, headers, warning) => {
    const s = resolve(makeConfig(), url, headers);
    expect(modesOf(s)).toEqual({ header: 'local', footer: 'prod', nav: 'prod' });
    expect(s.warnings).toEqual([warning]);
  });

  it.each([
    ['/?mfe-dev-preset=nope,checkout', {}, "ignored unknown preset 'nope' in the mfe-dev-preset query parameter; configured presets: checkout, footer-local, all-prod"],
    ['/', { 'x-mfe-dev-preset': 'nope,checkout' }, "ignored unknown preset 'nope' in the x-mfe-dev-preset header; configured presets: checkout, footer-local, all-prod"],
    ['/', { cookie: 'mfe-dev-preset=nope%2Ccheckout' }, "ignored unknown preset 'nope' in the mfe-dev-preset cookie; configured presets: checkout, footer-local, all-prod"],
  ] as [string, IncomingHttpHeaders, string][])('preset: %s %j', (url, headers, warning) => {
    const s = resolve(makeConfig(), url, headers);
    expect(presetsOf(s)).toEqual(['checkout']);
    expect(modesOf(s).header).toBe('local');
    expect(s.warnings).toEqual([warning]);
  });

  it('when nothing is configured the warning says so', () => {
    const s = resolve(makeConfig({ presets: {} }), '/?mfe-dev-preset=checkout');
    expect(s.warnings).toEqual(["ignored unknown preset 'checkout' in the mfe-dev-preset query parameter; no presets are configured"]);
  });

  it('unknown names from the command line or the config are ignored too', () => {
    const s = resolve(makeConfig({ cli: { local: ['sidebar'], presets: ['nope'] } }));
    expect(s.warnings).toEqual([
      "ignored unknown fragment 'sidebar' in the command line; configured fragments: header, footer, nav",
      "ignored unknown preset 'nope' in the command line; configured presets: checkout, footer-local, all-prod",
    ]);
  });

  it('a preset that names an unknown fragment', () => {
    const config = makeConfig({ presets: { odd: { local: ['header', 'sidebar'], from: { file: TEAM_FILE, package: '@acme/mfe-presets' } } } });
    const s = resolve(config, '/?mfe-dev-preset=odd');
    expect(modesOf(s).header).toBe('local');
    expect(s.warnings).toEqual([
      `preset 'odd' in ${TEAM_FILE} (package @acme/mfe-presets) names unknown fragment 'sidebar'; it is ignored. configured fragments: header, footer, nav`,
    ]);
  });
});

describe('resolveSelection: malformed pairs and URL injection', () => {
  const urlWarning = (item: string, where: string) =>
    `ignored '${item}' in ${where}: a request can choose a mode (prod, local, shadow), never a URL; targets come from the config`;

  it.each(['header', '=local', 'header=', 'header=remote'])('malformed %j is ignored, other pairs apply', (item) => {
    const s = resolve(makeConfig(), `/?mfe-dev=${encodeURIComponent(`${item}|footer=local`)}`, { cookie: 'mfe-dev=header%3Dshadow' });
    // The query replaced the cookie: header falls back to the default, never to the bad value.
    expect(modesOf(s)).toEqual({ header: 'prod', footer: 'local', nav: 'prod' });
    expect(s.warnings).toHaveLength(1);
    expect(s.warnings[0]).toMatch(new RegExp(`^ignored '${item}' in the mfe-dev query parameter: `));
  });

  it.each(['header=http://evil.example', 'header=//evil', 'header=127.0.0.1:9000', 'header=https://evil.example/fragments/header'])(
    '%j is ignored in every request-borne source, the mode unchanged',
    (item) => {
      for (const [url, headers, where] of [
        [`/?mfe-dev=${encodeURIComponent(item)}`, {}, 'the mfe-dev query parameter'],
        [`/?mfe-dev=${item}`, {}, 'the mfe-dev query parameter'],
        ['/', { 'x-mfe-dev': item }, 'the x-mfe-dev header'],
        ['/', { cookie: `mfe-dev=${encodeURIComponent(item)}` }, 'the mfe-dev cookie'],
      ] as [string, IncomingHttpHeaders, string][]) {
        const s = resolve(makeConfig({ config: { local: ['header'] } }), url, headers);
        expect(modesOf(s)).toEqual({ header: 'local', footer: 'prod', nav: 'prod' });
        expect(sourcesOf(s).header).toBe('config');
        expect(s.warnings).toEqual([urlWarning(item, where)]);
        expect(JSON.stringify([...s.modes, ...Object.values(s.headers), ...Object.values(s.cookies)])).not.toContain('evil');
        expect(JSON.stringify([...s.modes])).not.toContain('9000');
      }
    },
  );
});

describe('resolveSelection: local or shadow without a local URL', () => {
  it.each([
    ['/?mfe-dev=nav=local', `fragment 'nav' has no \`local\` URL in ${CONFIG_FILE}; it stays prod. Add fragments.nav.local to the config.`],
    ['/?mfe-dev=nav=shadow', `fragment 'nav' has no \`local\` URL in ${CONFIG_FILE}, which shadow mode needs; it stays prod. Add fragments.nav.local to the config.`],
  ])('%s', (url, warning) => {
    const s = resolve(makeConfig(), url);
    expect(s.modes.get('nav')).toBe('prod');
    expect(s.sources.get('nav')).toBe('default');
    expect(s.warnings).toEqual([warning]);
  });

  it('from a preset, naming the file the fragment comes from', () => {
    const config = makeConfig({
      fragments: { nav: { from: { file: TEAM_FILE } } },
      presets: { nav: { local: ['nav'] } },
    });
    const s = resolve(config, '/', { 'x-mfe-dev-preset': 'nav' });
    expect(s.modes.get('nav')).toBe('prod');
    expect(s.warnings).toEqual([`fragment 'nav' has no \`local\` URL in ${TEAM_FILE}; it stays prod. Add fragments.nav.local to the config.`]);
  });

  it('no warning when a stronger source already chose prod', () => {
    const s = resolve(makeConfig({ config: { local: ['nav'] } }), '/?mfe-dev=nav=prod');
    expect(s.warnings).toEqual([]);
    expect(s.sources.get('nav')).toBe('query');
  });
});

describe('resolveSelection: upstreamUrl', () => {
  it.each([
    ['/', '/'],
    ['/p?a=1&mfe-dev=header%3Dlocal&b=%20x', '/p?a=1&b=%20x'],
    ['/p?a=1&mfe-dev=header%3Dlocal&b=%20x', '/p?a=1&b=%20x'],
    ['/p?mfe-dev=header=local&mfe-dev-preset=checkout', '/p'],
    ['/p?b=%2f&a=x+y&c&mfe-dev-preset=checkout&d=%E2%9C%93', '/p?b=%2f&a=x+y&c&d=%E2%9C%93'],
    ['/p?a=%zz', '/p?a=%zz'],
    ['/p?', '/p?'],
    ['/p/?q=1', '/p/?q=1'],
  ])('%s → %s', (url, upstream) => {
    expect(resolve(makeConfig(), url).upstreamUrl).toBe(upstream);
  });
});

describe('resolveSelection: upstreamCookieHeader', () => {
  it.each([
    [undefined, '/', undefined],
    ['', '/', undefined],
    ['session=abc;  theme=dark', '/', 'session=abc;  theme=dark'], // untouched: byte-exact
    ['session=abc; mfe-dev=header%3Dlocal; theme=dark', '/', 'session=abc; theme=dark'],
    ['mfe-dev=header%3Dlocal; mfe-dev-preset=x', '/', undefined],
    ['session=abc; toguru=old; mfe-dev-preset=checkout', '/', 'session=abc; toguru=new-checkout=true'],
    ['session=abc', '/?mfe-dev-preset=checkout', 'session=abc; toguru=new-checkout=true'],
    [undefined, '/?mfe-dev-preset=checkout', 'toguru=new-checkout=true'],
    ['session=abc; mfe-dev=x', '/?mfe-dev=', 'session=abc'],
  ])('%j with %s → %j', (cookie, url, expected) => {
    const headers: IncomingHttpHeaders = cookie === undefined ? {} : { cookie };
    expect(resolve(makeConfig(), url, headers).upstreamCookieHeader).toBe(expected);
  });

  it('encodes a preset cookie value that is not a valid cookie-octet string', () => {
    const config = makeConfig({ presets: { odd: { cookies: { flags: 'a b;c' } } } });
    expect(resolve(config, '/?mfe-dev-preset=odd').upstreamCookieHeader).toBe('flags=a%20b%3Bc');
  });
});

describe('resolveSelection: never throws (fast-check)', () => {
  const chars = fc.constantFrom(
    ...'abcdefghiklmnoprstuvwxyz=|,&?%#;:/.@\\ +-_'.split(''),
    'header', 'footer', 'nav', 'local', 'prod', 'shadow', 'checkout', 'all-prod', 'mfe-dev', 'mfe-dev-preset',
    '%7C', '%3D', '%2C', '%E0', '%', '%zz', '__proto__', 'constructor', 'http://', '\u0000', '\r\n', '✓',
  );
  const text = fc.array(chars, { maxLength: 30 }).map((parts) => parts.join(''));
  const anyText = fc.oneof(text, fc.string({ unit: 'binary', maxLength: 60 }));

  it('any query, headers and cookies give valid modes for every fragment', () => {
    fc.assert(
      fc.property(anyText, fc.option(anyText), fc.option(anyText), fc.option(anyText), fc.option(anyText), (query, pairs, presets, cookie, other) => {
        const headers: IncomingHttpHeaders = {};
        if (pairs !== null) headers['x-mfe-dev'] = pairs;
        if (presets !== null) headers['x-mfe-dev-preset'] = [presets, presets];
        if (cookie !== null) headers.cookie = cookie;
        if (other !== null) headers['x-other'] = other;
        const config = makeConfig({ cli: { local: ['nav'] }, config: { presets: ['checkout'] } });
        const s = resolve(config, `/p?${query}`, headers);
        expect([...s.modes.keys()]).toEqual(['header', 'footer', 'nav']);
        for (const mode of s.modes.values()) expect(['prod', 'local', 'shadow']).toContain(mode);
        expect(s.modes.get('nav')).toBe('prod');
        // Production's server splits the query at `&` and `=` (`/p??mfe-dev=` names a parameter
        // `?mfe-dev`, which is not ours): neither of mfe-dev's parameters is left in it.
        // (Only `name=value` pairs: a bare `mfe-dev` is not the parameter the contract defines.)
        const upstreamQuery = s.upstreamUrl.includes('?') ? s.upstreamUrl.slice(s.upstreamUrl.indexOf('?') + 1).split('#')[0] : '';
        const names = upstreamQuery.split('&').filter((pair) => pair.includes('=')).map((pair) => pair.split('=')[0]);
        expect(names).not.toContain('mfe-dev');
        expect(names).not.toContain('mfe-dev-preset');
        for (const line of s.setCookies) expect(line).toMatch(/^mfe-dev(-preset)?=[^;\s]*; (Path=\/; SameSite=Lax|Max-Age=0; Path=\/)$/);
      }),
      { numRuns: 2000 },
    );
  });

  it('a request that names no override gets, from the shortcut, exactly what every source worked out gives', () => {
    const configs = [
      makeConfig({ cli: { local: ['nav'] }, config: { presets: ['checkout'] } }),
      makeConfig({ config: { local: ['header'] } }),
      makeConfig(),
    ];
    // Query names may be percent-encoded (`mfe%2Ddev`); cookie names may only look alike.
    const query = fc.oneof(fc.constant(''), text.map((t) => `?${t}`), fc.constantFrom('?mfe%2Ddev=header%3Dlocal', '?v=1&mfe-dev=nav=local', '?mfe-dev-preset=checkout'));
    const cookie = fc.option(fc.oneof(text, fc.constantFrom('a=1; mfe-dev=header=local', 'mfe-dev-preset=checkout', ' ', 'sid=1; theme=dark')), { nil: undefined });
    fc.assert(
      fc.property(fc.nat({ max: configs.length - 1 }), query, cookie, fc.boolean(), (which, q, c, header) => {
        const headers: IncomingHttpHeaders = {};
        if (c !== undefined) headers.cookie = c;
        if (header) headers['x-mfe-dev'] = 'footer=local';
        const config = configs[which];
        const request = { url: `/p${q}`, headers };
        const shown = (s: Selection) => ({ ...s, modes: [...s.modes], sources: [...s.sources], browserPairs: [...s.browserPairs], presets: presetsOf(s) });
        expect(shown(resolveSelection(config, request))).toEqual(shown(resolveSelectionFully(config, request)));
      }),
      { numRuns: 2000 },
    );
  });
});
