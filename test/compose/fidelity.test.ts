import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSite, type FakeSite } from '../fixtures/site.js';
import { startGateway } from '../helpers/gateway.js';
import { request } from '../helpers/servers.js';

/**
 * Fidelity end to end: real-world pages (the htmlparser-benchmark corpus, ~250 pages from
 * popular sites) served by a fake production come out of the gateway byte for byte, gzipped or
 * not; with a local fragment the only difference is the overlay tag before </body>.
 */
const corpusDir = path.join(path.dirname(createRequire(import.meta.url).resolve('htmlparser-benchmark/package.json')), 'files');
const files = readdirSync(corpusDir).filter((f) => f.endsWith('.html')).sort();
// A page that carries include markers of its own (one in the corpus has ESI) is composed, as
// production's edge would compose it; every other page must come out untouched.
const MARKERS = /<!--#\s*include|<esi:|<!--esi|<fragment[\s>/]/i;
const sample = files.filter((file) => !MARKERS.test(readFileSync(path.join(corpusDir, file), 'latin1')));

// CPU-heavy (hundreds of real pages): a generous bound for a machine busy with other work.
describe('real-world pages pass through the composer byte for byte', { timeout: 240_000 }, () => {
  let site: FakeSite;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  const pages = new Map<string, Buffer>();

  beforeAll(async () => {
    const routes: Record<string, { body: Buffer; type: string; encoding?: 'gzip' }> = {};
    sample.forEach((file, i) => {
      const bytes = readFileSync(path.join(corpusDir, file));
      pages.set(file, bytes);
      routes[`/${i}`] = { body: bytes, type: 'text/html' };
      routes[`/${i}.gz`] = { body: bytes, type: 'text/html', encoding: 'gzip' };
    });
    site = await startSite(routes);
    gateway = await startGateway({
      upstream: site.url,
      fragments: { header: { src: '/fragments/header', selector: 'header[data-fragment="header"]', local: 'http://127.0.0.1:9', assets: ['https://cdn.example.invalid/header/'] } },
    });
  });
  afterAll(async () => {
    await gateway.close();
    await site.close();
  });

  it(`serves ${sample.length} corpus pages unchanged, plain and gzipped`, async () => {
    expect(sample.length).toBeGreaterThan(files.length - 5);
    const mismatches: string[] = [];
    for (const [i, file] of sample.entries()) {
      const expected = pages.get(file)!;
      for (const suffix of ['', '.gz']) {
        const response = await request(`${gateway.url}/${i}${suffix}`, { headers: { 'accept-encoding': 'gzip' } });
        if (!response.body.equals(expected)) mismatches.push(`${file}${suffix}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('with a fragment in local mode that the page does not contain, the page is still byte for byte (selector, asset and </body> scanning on)', async () => {
    const mismatches: string[] = [];
    for (const [i, file] of sample.entries()) {
      const response = await request(`${gateway.url}/${i}?mfe-dev=header=local`);
      if (!response.body.equals(pages.get(file)!)) mismatches.push(file);
    }
    expect(mismatches).toEqual([]);
  });
});
