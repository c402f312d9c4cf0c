/**
 * Issue 16 item 13: a YAML alias bomb — a few hundred bytes of anchors standing for billions of
 * values — in a config. Loading keeps the shared references (js-yaml does not expand them), and
 * the error message shows a bounded preview of a bad value without walking the rest, so a
 * running gateway reports the broken config at once and keeps serving.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { formatValue } from '../../src/config/suggest.js';
import { rejection, writeProject } from '../config/helpers.js';
import { request } from '../helpers/servers.js';
import { startCliGateway } from './cli-process.js';

/** `levels` anchors, each a list of nine aliases of the one before: 9^(levels+1) strings. */
function aliasBomb(levels: number, use: (last: string) => string): string {
  const lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i <= levels; i++) lines.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(',')}]`);
  return [...lines, use(`*a${levels}`)].join('\n') + '\n';
}

describe('a YAML alias bomb in a config', () => {
  it('is reported with a bounded message, in bounded CPU time (10 levels: 9^11 strings)', async () => {
    const root = writeProject({
      'mfe-dev.config.yaml': `upstream: https://www.example.com\n${aliasBomb(10, (bomb) => `fragments: {x: {src: /x, assets: ${bomb}}}\npresets: {p: {local: ${bomb}, headers: {a: ${bomb}}}}\nwhatever: ${bomb}`)}`,
    });
    const cpu = process.cpuUsage();
    const error = await rejection(resolveConfig({ root }));
    const used = process.cpuUsage(cpu);
    expect(error.code).toBe('MFE_CONFIG_INVALID');
    expect(error.message).toContain('`fragments.x.assets[0]` must be a string, got [[[[');
    expect(error.message.length).toBeLessThan(20_000);
    expect(error.message).toMatch(/… and \d+ more/);
    expect((used.user + used.system) / 1000).toBeLessThan(3000);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('formatValue previews shared and circular structures without walking them', () => {
    let bomb: unknown = 'x';
    for (let i = 0; i < 40; i++) bomb = [bomb, bomb];
    expect(formatValue(bomb)).toMatch(/^\[\[\[\[.*\.\.\.$/);
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    expect(formatValue(cycle)).toBe('{"a":1,"self":"[Circular]"}');
    expect(formatValue({ a: [1, 'b', null, true], d: new Date(0) })).toBe(JSON.stringify({ a: [1, 'b', null, true], d: new Date(0) }));
  });

  it('a running gateway reports it on reload and keeps serving', async () => {
    const gateway = await startCliGateway({ upstream: 'http://127.0.0.1:9', fragments: {} });
    try {
      const dir = path.dirname(gateway.configFile);
      fs.writeFileSync(path.join(dir, 'team.yaml'), aliasBomb(10, (bomb) => `presets: {p: {local: ${bomb}}}`));
      fs.writeFileSync(gateway.configFile, JSON.stringify({ upstream: 'http://127.0.0.1:9', fragments: {}, extends: ['./team.yaml'] }));
      await gateway.waitFor(/config reload failed[\s\S]*presets\.p\.local\[0\]/, 20_000);
      expect((await request(`${gateway.url}/__mfe-dev/api/state`, { timeout: 10_000 })).status).toBe(200);
    } finally {
      await gateway.stop();
    }
  }, 40_000);
});
