/**
 * Issue 16 items 21 and 22, through the real CLI: a config edit right after the ready line (while
 * the watcher is still starting) is reloaded, and a config whose top-level `await` never settles
 * does not hold up the next, corrected edit — the newer edit loads at once and wins.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { request } from '../helpers/servers.js';
import { startCliGateway, type CliGateway } from './cli-process.js';

const config = (label: string) => ({ upstream: 'http://127.0.0.1:9', fragments: {}, presets: { p: { description: label, local: [] } } });

async function label(gateway: CliGateway): Promise<string | undefined> {
  const state = JSON.parse((await request(`${gateway.url}/__mfe-dev/api/state`)).text) as { presets: Array<{ description: string | null }> };
  return state.presets[0]?.description ?? undefined;
}

describe('config reloads that used to be lost or late', () => {
  it('an edit made right after the ready line is reloaded', async () => {
    const gateway = await startCliGateway(config('v0'));
    try {
      // startCliGateway resolves as soon as the ready line names the URL: edit at once.
      fs.writeFileSync(gateway.configFile, JSON.stringify(config('edited at once')));
      await eventually(async () => expect(await label(gateway)).toBe('edited at once'), 15_000);
    } finally {
      await gateway.stop();
    }
  }, 40_000);

  it('a corrected edit after one whose top-level await never settles applies without waiting for the reload timeout', async () => {
    // A reload timeout far longer than the test: only a newer edit superseding the stuck load passes.
    const gateway = await startCliGateway(config('v0'), { MFE_DEV_RELOAD_TIMEOUT_MS: '120000' });
    try {
      const mts = path.join(path.dirname(gateway.configFile), 'mfe-dev.config.mts');
      fs.writeFileSync(mts, `export default ${JSON.stringify(config('mts'))};\n`);
      // The JSON config is found first; point the gateway at a TypeScript config by replacing the JSON one with an import.
      fs.writeFileSync(gateway.configFile, JSON.stringify({ ...config('json'), extends: ['./mfe-dev.config.mts'] }));
      await eventually(async () => expect(await label(gateway)).toBe('json'), 15_000);
      fs.writeFileSync(mts, `await new Promise(() => {});\nexport default ${JSON.stringify(config('never'))};\n`);
      await new Promise((resolve) => setTimeout(resolve, 1000)); // the stuck load has started
      fs.writeFileSync(mts, `export default ${JSON.stringify({ presets: { q: { description: 'corrected', local: [] } } })};\n`);
      await eventually(async () => {
        const state = JSON.parse((await request(`${gateway.url}/__mfe-dev/api/state`)).text) as { presets: Array<{ name: string; description: string | null }> };
        expect(state.presets.map((p) => p.description)).toContain('corrected');
      }, 30_000);
      expect(gateway.output()).not.toMatch(/did not finish within/);
    } finally {
      await gateway.stop();
    }
  }, 60_000);
});
