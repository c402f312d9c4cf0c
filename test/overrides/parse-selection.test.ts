import { describe, expect, it } from 'vitest';
import { parseModePairs, parsePresetNames, splitOverrideQuery } from '../../src/overrides/index.js';

describe('parseModePairs', () => {
  it.each([
    ['header=local|footer=prod', [['header', 'local'], ['footer', 'prod']]],
    ['header=local,footer=shadow', [['header', 'local'], ['footer', 'shadow']]],
    [' header = local | footer=prod ', [['header', 'local'], ['footer', 'prod']]],
    ['header=local%7Cfooter=prod', [['header', 'local'], ['footer', 'prod']]],
    ['header%3Dlocal%7cfooter%3Dprod', [['header', 'local'], ['footer', 'prod']]],
    ['header=local%2Cfooter=prod', [['header', 'local'], ['footer', 'prod']]],
    ['header=LOCAL', [['header', 'local']]],
    ['header=local||footer=prod|', [['header', 'local'], ['footer', 'prod']]],
    ['nav.v2=local', [['nav.v2', 'local']]],
    ['header=local|header=prod', [['header', 'local'], ['header', 'prod']]],
    ['', []],
    ['  ', []],
  ])('%j → pairs %j', (value, expected) => {
    const { pairs, problems } = parseModePairs(value);
    expect(pairs.map((p) => [p.name, p.mode])).toEqual(expected);
    expect(problems).toEqual([]);
  });

  it.each([
    ['header', "ignored 'header' in the mfe-dev query parameter: expected NAME=MODE, e.g. 'header=local'"],
    ['=local', "ignored '=local' in the mfe-dev query parameter: the fragment name is missing; expected NAME=MODE, e.g. 'header=local'"],
    ['header=', "ignored 'header=' in the mfe-dev query parameter: the mode is missing; use one of prod, local, shadow"],
    ['header=remote', "ignored 'header=remote' in the mfe-dev query parameter: unknown mode 'remote'; use one of prod, local, shadow"],
  ])('malformed %j', (value, problem) => {
    expect(parseModePairs(value)).toEqual({ pairs: [], problems: [problem] });
  });

  const urlProblem = (item: string, where = 'the mfe-dev query parameter') =>
    `ignored '${item}' in ${where}: a request can choose a mode (prod, local, shadow), never a URL; targets come from the config`;

  it.each([
    'header=http://evil.example',
    'header=https://evil.example/x',
    'header=//evil',
    'header=127.0.0.1:9000',
    'header=localhost:3001',
    'header=evil.example',
    'header=local=http://evil.example',
    'header=user@evil',
    'header=\\\\evil',
    'http://evil.example',
    'http://evil=local',
  ])('a URL in %j is refused with the URL message', (item) => {
    expect(parseModePairs(item)).toEqual({ pairs: [], problems: [urlProblem(item)] });
  });

  it('an encoded URL is decoded before it is refused', () => {
    expect(parseModePairs('header=http%3A%2F%2Fevil.example')).toEqual({
      pairs: [],
      problems: [urlProblem('header=http://evil.example')],
    });
  });

  it('keeps the good pairs next to a bad one, and names the source', () => {
    expect(parseModePairs('header=local|footer=http://evil.example|nav=prod', 'the x-mfe-dev header')).toEqual({
      pairs: [
        { name: 'header', mode: 'local' },
        { name: 'nav', mode: 'prod' },
      ],
      problems: [urlProblem('footer=http://evil.example', 'the x-mfe-dev header')],
    });
  });

  it('shortens long items and shows control characters', () => {
    const { problems } = parseModePairs(`header=${'x'.repeat(500)}\u0007`);
    expect(problems[0]).toContain(`'header=${'x'.repeat(110)}...'`);
    expect(problems[0].length).toBeLessThan(400);
    expect(parseModePairs('he\u0001ader').problems[0]).toContain("'he\uFFFDader'");
  });
});

describe('parsePresetNames', () => {
  it.each([
    ['checkout', ['checkout']],
    ['checkout,new-nav', ['checkout', 'new-nav']],
    [' checkout , new-nav ,', ['checkout', 'new-nav']],
    ['checkout%2Cnew-nav', ['checkout', 'new-nav']],
    ['team.checkout', ['team.checkout']],
    ['', []],
  ])('%j → %j', (value, names) => {
    expect(parsePresetNames(value)).toEqual({ names, problems: [] });
  });

  it.each([
    ['header=local', "ignored 'header=local' in the mfe-dev-preset query parameter: it holds preset names; put NAME=MODE pairs in mfe-dev"],
    ['http://evil.example', "ignored 'http://evil.example' in the mfe-dev-preset query parameter: a request can choose presets by name, never a URL; targets come from the config"],
  ])('%j is refused', (value, problem) => {
    expect(parsePresetNames(value)).toEqual({ names: [], problems: [problem] });
  });
});

describe('splitOverrideQuery', () => {
  it.each([
    // [url, upstream url, modes, presets]
    ['/', '/', undefined, undefined],
    ['/p?a=1&b=2', '/p?a=1&b=2', undefined, undefined],
    ['/p?', '/p?', undefined, undefined],
    ['/p?a=1&mfe-dev=header%3Dlocal&b=%20x', '/p?a=1&b=%20x', 'header=local', undefined],
    ['/p?mfe-dev=header=local', '/p', 'header=local', undefined],
    ['/p?mfe-dev=', '/p', '', undefined],
    ['/p?mfe-dev', '/p', '', undefined],
    ['/p?mfe-dev-preset=checkout&mfe-dev=header=local%7Cfooter=prod', '/p', 'header=local|footer=prod', 'checkout'],
    ['/p?mfe%2Ddev=header=local&q=a+b', '/p?q=a+b', 'header=local', undefined],
    ['/p?mfe-dev=header=local&mfe-dev=footer=prod', '/p', 'header=local|footer=prod', undefined],
    ['/p?mfe-dev=&mfe-dev=footer=prod', '/p', 'footer=prod', undefined],
    ['/p?&mfe-dev=x', '/p', 'x', undefined],
    ['/p?q=%E0%A4%A&mfe-dev=x&z', '/p?q=%E0%A4%A&z', 'x', undefined],
    ['/p?mfe-dev=x#top', '/p#top', 'x', undefined],
    ['/p?mfe-devx=1&xmfe-dev=2', '/p?mfe-devx=1&xmfe-dev=2', undefined, undefined],
    ['http://gw.test/p?mfe-dev=x&a=%2F', 'http://gw.test/p?a=%2F', 'x', undefined],
  ])('%s → %s', (url, upstream, modes, presets) => {
    expect(splitOverrideQuery(url)).toEqual({ url: upstream, modes, presets });
  });
});
