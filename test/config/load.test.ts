import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { FIXTURES, copyFixture, rejection, tempDir, writeProject } from './helpers.js';

const FORMATS = [
  'package-json',
  'rc-yaml',
  'rc-json',
  'rc.json',
  'rc.yaml',
  'rc.yml',
  'rc.js',
  'rc.mjs',
  'rc.cjs',
  'rc.ts',
  'config.ts',
  'config.mts',
  'config.js',
  'config.mjs',
  'config.cjs',
  'config.json',
  'config.yaml',
  'config.yml',
];

describe('config formats', () => {
  it.each(FORMATS)('loads %s', async (name) => {
    const root = path.join(FIXTURES, 'formats', name);
    const config = await resolveConfig({ root });
    const [file] = fs.readdirSync(root);
    expect(config.configFile).toBe(path.join(root, file));
    expect(config.upstream).toBe('https://www.example.com');
    expect(config.fragments.get('header')).toMatchObject({ src: '/fragments/header', local: 'http://127.0.0.1:3001' });
    expect(config.modes.config.local).toEqual(['header']);
    expect(config.files).toEqual([path.join(root, file)]);
  });
});

describe('discovery', () => {
  it('finds the config in a parent folder', async () => {
    const root = copyFixture('shop-ts');
    const deep = path.join(root, 'src', 'pages', 'checkout');
    fs.mkdirSync(deep, { recursive: true });
    const config = await resolveConfig({ root: deep });
    expect(config.configFile).toBe(path.join(root, 'mfe-dev.config.ts'));
  });

  it('skips a package.json without the "mfe-dev" key and keeps looking upward', async () => {
    const root = writeProject({
      '.mfe-devrc': 'upstream: https://www.example.com\n',
      'packages/header/package.json': { name: 'header', version: '1.0.0' },
    });
    const config = await resolveConfig({ root: path.join(root, 'packages/header') });
    expect(config.configFile).toBe(path.join(root, '.mfe-devrc'));
  });

  it('takes --config relative to root, in any format', async () => {
    const root = writeProject({ 'config/dev.yaml': 'upstream: https://staging.example.com\nport: 0\n' });
    const config = await resolveConfig({ root, configFile: 'config/dev.yaml' });
    expect(config.configFile).toBe(path.join(root, 'config/dev.yaml'));
    expect(config.upstream).toBe('https://staging.example.com');
    expect(config.port).toBe(0);
  });

  it('reports a --config file that does not exist, naming the path', async () => {
    const root = tempDir();
    const error = await rejection(resolveConfig({ root, configFile: 'nope.config.ts' }));
    expect(error.code).toBe('MFE_CONFIG_NOT_FOUND');
    expect(error.message).toContain(path.join(root, 'nope.config.ts'));
    expect(error.message).toContain('--config nope.config.ts');
  });

  it('reports a missing config with the folder, the accepted names and `mfe-dev init`', async () => {
    const root = tempDir();
    const error = await rejection(resolveConfig({ root }));
    expect(error.code).toBe('MFE_CONFIG_NOT_FOUND');
    expect(error.message).toContain(root);
    expect(error.message).toContain('mfe-dev.config.ts');
    expect(error.message).toContain('.mfe-devrc.yaml');
    expect(error.message).toContain('package.json');
    expect(error.message).toContain('mfe-dev init');
  });

  it('skips discovery with configFile: false', async () => {
    const config = await resolveConfig({ configFile: false, upstream: 'https://www.example.com' });
    expect(config.configFile).toBeUndefined();
    expect(config.files).toEqual([]);
    expect(config).toMatchObject({ port: 4400, host: '127.0.0.1', overlay: true });
  });

  it('warns when a folder has two configs', async () => {
    const root = writeProject({
      'mfe-dev.config.json': { upstream: 'https://www.example.com' },
      'mfe-dev.config.yaml': 'upstream: https://other.example.com\n',
    });
    const config = await resolveConfig({ root });
    expect(config.upstream).toBe('https://www.example.com');
    expect(config.warnings).toContainEqual(expect.stringContaining('ignoring mfe-dev.config.yaml'));
  });
});

describe('TypeScript and JavaScript configs', () => {
  it('imports a sibling .ts file without extension and lists it in files', async () => {
    const root = copyFixture('shop-ts');
    const config = await resolveConfig({ root });
    expect(config.fragments.get('cart')).toMatchObject({ src: '/fragments/cart', timeout: 5000 });
    expect(config.files.slice(0, 2)).toEqual([path.join(root, 'mfe-dev.config.ts'), path.join(root, 'fragments.ts')]);
  });

  it('imports siblings in an ESM ("type": "module") project too', async () => {
    const root = copyFixture('shop-ts');
    writeProject({ 'package.json': { name: 'shop', type: 'module' } }, root);
    const config = await resolveConfig({ root });
    expect(config.fragments.get('header')?.local).toBe('http://127.0.0.1:3001');
    expect(config.files).toContain(path.join(root, 'fragments.ts'));
  });

  it('reports a syntax error naming the file', async () => {
    const root = writeProject({ 'mfe-dev.config.ts': "export default { upstream: 'https://www.example.com', \n port: 4400 +;\n}" });
    const error = await rejection(resolveConfig({ root }));
    expect(error.code).toBe('MFE_CONFIG_LOAD_FAILED');
    expect(error.message).toContain(`could not load ${path.join(root, 'mfe-dev.config.ts')}`);
    expect(error.cause).toBeDefined();
  });

  it('reports a config that throws, with the cause', async () => {
    const root = writeProject({ 'mfe-dev.config.mjs': "throw new Error('STAGING_URL is not set');\n" });
    const error = await rejection(resolveConfig({ root }));
    expect(error.code).toBe('MFE_CONFIG_LOAD_FAILED');
    expect(error.message).toContain(path.join(root, 'mfe-dev.config.mjs'));
    expect(error.message).toContain('STAGING_URL is not set');
  });

  it('reports a config without a default export', async () => {
    const root = writeProject({ 'mfe-dev.config.mts': "export const upstream = 'https://www.example.com';\n" });
    const error = await rejection(resolveConfig({ root }));
    expect(error.code).toBe('MFE_CONFIG_LOAD_FAILED');
    expect(error.message).toContain('no default export');
  });

  it('reports broken JSON naming the file', async () => {
    const root = writeProject({ '.mfe-devrc.json': '{ "upstream": "https://www.example.com", }' });
    const error = await rejection(resolveConfig({ root }));
    expect(error.code).toBe('MFE_CONFIG_LOAD_FAILED');
    expect(error.message).toContain(path.join(root, '.mfe-devrc.json'));
  });
});
