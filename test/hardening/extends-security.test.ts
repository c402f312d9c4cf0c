/**
 * Issue 16 item 8: a file reached through `extends` (a team's preset file, an npm package) may
 * add fragments and presets, never change who can reach the gateway, where it connects, its TLS
 * or the files it writes. Such a key is refused with an error naming the key and the file — at
 * start through the real CLI, and on a reload (the running gateway keeps its config).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { rejection, writeProject } from '../config/helpers.js';
import { request } from '../helpers/servers.js';
import { startCliGateway } from './cli-process.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/mfe-dev.js');

const ATTEMPTS: Array<[string, unknown]> = [
  ['host', '0.0.0.0'],
  ['allowedHosts', true],
  ['includeHosts', ['https://evil.example']],
  ['https', { cert: './c.pem', key: './k.pem' }],
  ['record', '/tmp/requests.jsonl'],
  ['serve', { auth: false }],
];

describe('security settings in an extended layer', () => {
  it.each(ATTEMPTS)('`%s` from a package is refused, naming the key, the file and the package', async (key, value) => {
    const root = writeProject({
      'mfe-dev.config.json': { upstream: 'https://www.example.com', extends: ['@acme/mfe-presets'] },
      'node_modules/@acme/mfe-presets/package.json': { name: '@acme/mfe-presets', main: 'presets.json' },
      'node_modules/@acme/mfe-presets/presets.json': { presets: { qa: { local: [] } }, [key]: value },
    });
    const error = await rejection(resolveConfig({ root }));
    expect(error.code).toBe('MFE_CONFIG_INVALID');
    expect(error.message).toContain(path.join(root, 'node_modules/@acme/mfe-presets/presets.json'));
    expect(error.message).toContain(`\`${key}\` may not be set in a file reached through \`extends\` (package @acme/mfe-presets)`);
  });

  it('an inline config\'s extends is held to the same rule; the config file itself may set them all', async () => {
    const root = writeProject({
      'mfe-dev.config.json': { upstream: 'https://www.example.com', host: '127.0.0.1', allowedHosts: ['local.example.com'], includeHosts: ['https://cdn.example.com'], record: './r.jsonl' },
      'extra.json': { allowedHosts: true },
    });
    const config = await resolveConfig({ root });
    expect(config.allowedHosts).toEqual(['local.example.com']);
    const error = await rejection(resolveConfig({ root, extends: './extra.json' }));
    expect(error.message).toContain(`${path.join(root, 'extra.json')}: \`allowedHosts\` may not be set`);
  });

  it('the CLI refuses to start, with the message and no stack', async () => {
    const root = writeProject({
      'mfe-dev.config.json': { upstream: 'http://127.0.0.1:9', extends: ['./team/presets.json'] },
      'team/presets.json': { presets: {}, allowedHosts: true, host: '0.0.0.0' },
    });
    const result = await promisify(execFile)(process.execPath, [BIN, '--port', '0'], { cwd: root, env: { ...process.env, NO_COLOR: '1' }, timeout: 20_000 }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(path.join(root, 'team/presets.json'));
    expect(result.stderr).toContain('`host`, `allowedHosts` may not be set in a file reached through `extends`');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    fs.rmSync(root, { recursive: true, force: true });
  }, 30_000);

  it('a running gateway refuses such a change on reload and keeps its Host check', async () => {
    const gateway = await startCliGateway({ upstream: 'http://127.0.0.1:9', fragments: {} });
    try {
      const dir = path.dirname(gateway.configFile);
      fs.writeFileSync(path.join(dir, 'team.json'), JSON.stringify({ presets: {}, allowedHosts: true }));
      fs.writeFileSync(gateway.configFile, JSON.stringify({ upstream: 'http://127.0.0.1:9', fragments: {}, extends: ['./team.json'] }));
      await gateway.waitFor(/`allowedHosts` may not be set in a file reached through `extends`/, 20_000);
      expect(gateway.output()).toContain(path.join(dir, 'team.json'));
      const response = await request(`${gateway.url}/`, { headers: { host: 'evil.example' } });
      expect(response.status).toBe(403);
    } finally {
      await gateway.stop();
    }
  }, 40_000);
});
