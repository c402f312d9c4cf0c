/**
 * Issue 16 item 24: a preset header that frames the message or belongs to the connection
 * (`content-length`, `transfer-encoding`, `host`, `connection`, …) used to hang every page until
 * the page timeout. Preset header and cookie names and values are checked when the config loads:
 * the error names the key (never the value, often a credential), at start through the real CLI.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { PRESET_FORBIDDEN_HEADERS } from '../../src/config/schema.js';
import { rejection, writeProject } from '../config/helpers.js';
import { startGateway } from '../helpers/gateway.js';
import { listen, request } from '../helpers/servers.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/mfe-dev.js');
const SECRET = 'Bearer s3cr3t';

const withPreset = (preset: object) => resolveConfig({ configFile: false, upstream: 'https://www.example.com', presets: { qa: preset } });

describe('preset headers and cookies', () => {
  it.each([...PRESET_FORBIDDEN_HEADERS, 'Content-Length', 'TRANSFER-ENCODING'])('header `%s` is refused, naming the key', async (name) => {
    const error = await rejection(withPreset({ headers: { [name]: '12', authorization: SECRET } }));
    expect(error.code).toBe('MFE_CONFIG_INVALID');
    expect(error.message).toContain(name);
    expect(error.message).toContain('may not be set by a preset');
    expect(error.message).not.toContain('s3cr3t');
  });

  it('names and values that would break the request are refused without quoting the value', async () => {
    const cases: Array<[object, RegExp]> = [
      [{ headers: { 'x-a': 'ok\r\nx-injected: 1' } }, /`presets\.qa\.headers\.x-a` must not contain control characters/],
      [{ headers: { 'bad name': 'v' } }, /is not a valid header name/],
      [{ headers: { 'x-nul': `a\u0000${SECRET}` } }, /must not contain control characters/],
      [{ cookies: { session: `s3cr3t; admin=1` } }, /must not contain ';'/],
      [{ cookies: { 'a=b': 'v' } }, /is not a valid cookie name/],
    ];
    for (const [preset, message] of cases) {
      const error = await rejection(withPreset(preset));
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain('s3cr3t');
    }
  });

  it('ordinary headers (authorization, x-…) still reach production, and the page is not held up', async () => {
    const seen: string[] = [];
    const production = await listen((req, res) => {
      seen.push(String(req.headers.authorization));
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>page</body></html>');
    });
    const gateway = await startGateway({ upstream: production.url, presets: { qa: { headers: { authorization: SECRET, 'x-flag': 'on' } } } });
    try {
      const page = await request(`${gateway.url}/?mfe-dev-preset=qa`, { timeout: 10_000 });
      expect(page.text).toContain('page');
      expect(seen).toEqual([SECRET]);
    } finally {
      await gateway.close();
      await production.close();
    }
  });

  it('the CLI refuses to start on a preset content-length, naming the file and key', async () => {
    const root = writeProject({ 'mfe-dev.config.json': { upstream: 'http://127.0.0.1:9', presets: { qa: { headers: { 'content-length': '5' } } } } });
    const result = await promisify(execFile)(process.execPath, [BIN, '--port', '0'], { cwd: root, env: { ...process.env, NO_COLOR: '1' }, timeout: 20_000 }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
    fs.rmSync(root, { recursive: true, force: true });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(path.join(root, 'mfe-dev.config.json'));
    expect(result.stderr).toMatch(/presets\.qa\.headers.*content-length.* may not be set by a preset/);
  }, 30_000);
});
