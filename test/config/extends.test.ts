import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { FIXTURES, copyFixture, rejection, writeProject } from './helpers.js';

describe('extends (shop-ts fixture)', () => {
  it('merges files and packages, remembering where each preset and fragment came from', async () => {
    const root = copyFixture('shop-ts');
    const config = await resolveConfig({ root });
    const pkg = path.join(root, 'node_modules/@acme/mfe-presets');
    expect(config.files).toEqual([
      path.join(root, 'mfe-dev.config.ts'),
      path.join(root, 'fragments.ts'),
      path.join(root, 'team/mfe-presets.json'),
      path.join(pkg, 'mfe-presets.yaml'),
      path.join(pkg, 'base.json'),
    ]);
    expect([...config.presets.keys()].sort()).toEqual(['acme-debug', 'checkout', 'footer-dev', 'no-ab-tests']);
    expect(config.presets.get('checkout')).toEqual({
      name: 'checkout',
      description: 'Cart from localhost with the new checkout toggle',
      local: ['cart'],
      prod: [],
      shadow: [],
      headers: { 'x-toguru': 'new-checkout=true' },
      cookies: { toguru: 'new-checkout=true' },
      from: { file: path.join(root, 'mfe-dev.config.ts') },
    });
    expect(config.presets.get('footer-dev')?.from).toEqual({ file: path.join(root, 'team/mfe-presets.json') });
    expect(config.presets.get('acme-debug')?.from).toEqual({ file: path.join(pkg, 'mfe-presets.yaml'), package: '@acme/mfe-presets' });
    // Nested: the package's file extends ./base.json, which still belongs to the package.
    expect(config.presets.get('no-ab-tests')?.from).toEqual({ file: path.join(pkg, 'base.json'), package: '@acme/mfe-presets' });
    expect(config.fragments.get('header')?.from).toEqual({ file: path.join(root, 'mfe-dev.config.ts') });
  });

  it('warns about a preset defined twice, naming both files', async () => {
    const config = await resolveConfig({ root: copyFixture('shop-ts') });
    expect(config.warnings).toEqual([
      "preset 'checkout' is defined in team/mfe-presets.json and in mfe-dev.config.ts; using the one from mfe-dev.config.ts",
    ]);
  });

  it('normalises URLs and fills defaults', async () => {
    const config = await resolveConfig({ root: copyFixture('shop-ts') });
    expect(config).toMatchObject({ upstream: 'https://www.example.com', port: 4401, host: '127.0.0.1', overlay: true });
    expect(config.fragments.get('header')).toEqual({
      name: 'header',
      src: '/fragments/header',
      selector: 'header[data-fragment="header"]',
      local: 'http://127.0.0.1:3001',
      assets: ['/assets/header/', 'https://cdn.example.com/header/'],
      compare: { ignore: { selectors: [], attributes: [], text: [], headers: [] }, maxInFlight: 4, cookies: false },
      from: expect.any(Object),
    });
    expect(config.fragments.get('footer')).toMatchObject({ src: '/fragments/footer', local: 'http://127.0.0.1:3002', assets: [] });
  });

  it('lets the inline config win and turns cli into modes.cli', async () => {
    const root = copyFixture('shop-ts');
    const config = await resolveConfig({
      root,
      port: 0,
      upstream: 'https://staging.example.com',
      cli: { local: ['footer'], presets: ['checkout'] },
      watch: false,
      logLevel: 'silent',
    });
    expect(config.port).toBe(0);
    expect(config.upstream).toBe('https://staging.example.com');
    expect(config.fragments.get('footer')?.src).toBe('/fragments/footer');
    expect(config.modes).toEqual({
      cli: { local: ['footer'], prod: [], shadow: [], presets: ['checkout'] },
      config: { local: ['header'], prod: [], shadow: [], presets: [] },
    });
  });
});

describe('extends resolution', () => {
  it('resolves a package through "main", a relative file without extension, and an inline extends', async () => {
    const root = writeProject({
      'mfe-dev.config.yaml': 'upstream: https://www.example.com\nextends: [./shared/fragments, "@acme/fragments"]\n',
      'shared/fragments.ts': "export default { fragments: { header: { src: '/fragments/header' } } };\n",
      'node_modules/@acme/fragments/package.json': { name: '@acme/fragments', main: 'index.cjs' },
      'node_modules/@acme/fragments/index.cjs': "module.exports = { fragments: { footer: { src: '/fragments/footer' } } };\n",
      'extra.json': { presets: { quiet: { prod: ['header'] } } },
    });
    const config = await resolveConfig({ root, extends: './extra.json' });
    expect([...config.fragments.keys()].sort()).toEqual(['footer', 'header']);
    expect(config.fragments.get('header')?.from.file).toBe(path.join(root, 'shared/fragments.ts'));
    expect(config.fragments.get('footer')?.from).toEqual({ file: path.join(root, 'node_modules/@acme/fragments/index.cjs'), package: '@acme/fragments' });
    expect(config.presets.get('quiet')?.from.file).toBe(path.join(root, 'extra.json'));
  });

  it('lets a later extends entry and then the extending file win', async () => {
    const root = writeProject({
      'mfe-dev.config.json': { extends: ['./a.json', './b.json'], fragments: { c: { src: '/c' } } },
      'a.json': { upstream: 'https://a.example.com', port: 1, fragments: { x: { src: '/a' } } },
      'b.json': { upstream: 'https://b.example.com', fragments: { x: { src: '/b' } } },
    });
    const config = await resolveConfig({ root });
    expect(config.upstream).toBe('https://b.example.com');
    expect(config.port).toBe(1);
    expect(config.fragments.get('x')?.src).toBe('/b');
    expect(config.warnings).toEqual(["fragment 'x' is defined in a.json and in b.json; using the one from b.json"]);
  });

  it('reports a cycle with the chain', async () => {
    const error = await rejection(resolveConfig({ root: path.join(FIXTURES, 'cycle') }));
    expect(error.code).toBe('MFE_CONFIG_INVALID');
    expect(error.message).toContain('`extends` makes a cycle: mfe-dev.config.json → team/a.json → team/b.yaml → mfe-dev.config.json');
  });

  it('reports a missing file with the extending file, the entry and the paths tried', async () => {
    const root = writeProject({ 'mfe-dev.config.json': { upstream: 'https://www.example.com', extends: './team/presets' } });
    const error = await rejection(resolveConfig({ root }));
    expect(error.code).toBe('MFE_EXTENDS_NOT_FOUND');
    expect(error.message).toContain(path.join(root, 'mfe-dev.config.json'));
    expect(error.message).toContain("'./team/presets'");
    expect(error.message).toContain(path.join(root, 'team/presets.json'));
    expect(error.message).toContain(path.join(root, 'team/presets.ts'));
  });

  it('reports a missing package with the node_modules folders searched', async () => {
    const root = writeProject({ 'mfe-dev.config.json': { upstream: 'https://www.example.com', extends: ['@acme/nope'] } });
    const error = await rejection(resolveConfig({ root }));
    expect(error.code).toBe('MFE_EXTENDS_NOT_FOUND');
    expect(error.message).toContain("'@acme/nope'");
    expect(error.message).toContain(path.join(root, 'node_modules/@acme/nope/package.json'));
  });

  it('reports a package whose main does not exist', async () => {
    const root = writeProject({
      'mfe-dev.config.json': { upstream: 'https://www.example.com', extends: ['broken-presets'] },
      'node_modules/broken-presets/package.json': { name: 'broken-presets', main: 'presets.json' },
    });
    const error = await rejection(resolveConfig({ root }));
    expect(error.code).toBe('MFE_EXTENDS_NOT_FOUND');
    expect(error.message).toContain('points at presets.json, which does not exist');
  });

  it('names the extended file in its validation errors', async () => {
    const root = copyFixture('shop-ts');
    const team = path.join(root, 'team/mfe-presets.json');
    fs.writeFileSync(team, JSON.stringify({ presets: { checkout: { local: 'cart' } }, fragment: {} }));
    const error = await rejection(resolveConfig({ root }));
    expect(error.code).toBe('MFE_CONFIG_INVALID');
    expect(error.file).toBe(team);
    expect(error.message).toContain(`${team}: \`presets.checkout.local\` must be a list of fragment names, got 'cart'.`);
    expect(error.message).toContain(`${team}: \`fragment\` is not an option of the config. Did you mean \`fragments\`?`);
  });

  it('names the file of a preset that lists an unknown fragment', async () => {
    const root = copyFixture('shop-ts');
    const team = path.join(root, 'team/mfe-presets.json');
    fs.writeFileSync(team, JSON.stringify({ presets: { 'footer-dev': { local: ['foter'] } } }));
    const error = await rejection(resolveConfig({ root }));
    expect(error.message).toBe(
      `${team}: \`presets.footer-dev.local\` names 'foter', which is not a configured fragment. Did you mean 'footer'? ` +
        'Configured fragments: header, footer, cart.',
    );
  });
});
