/**
 * `mfe-dev replay FILE` as a user runs it: `node bin/mfe-dev.js replay` in a child process with
 * a config file and a HAR exported "from DevTools", against a production site and a local
 * service on free ports. Needs the build (`npm test` runs it first).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ShadowReportJson } from '../../src/shadow/stats.js';
import { listen } from '../helpers/servers.js';
import { startShadowSite, type ShadowSite } from './shadow-site.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/mfe-dev.js');

let site: ShadowSite;
let dir: string;
beforeEach(async () => {
  site = await startShadowSite();
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-replay-')));
});
afterEach(async () => {
  await site.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A HAR as Chrome's DevTools exports it (the parts replay reads). */
function har(entries: Array<{ method?: string; url: string; mimeType: string; headers?: Record<string, string> }>) {
  return {
    log: {
      version: '1.2',
      creator: { name: 'WebInspector', version: '537.36' },
      entries: entries.map((e) => ({
        startedDateTime: new Date().toISOString(),
        request: {
          method: e.method ?? 'GET',
          url: e.url,
          httpVersion: 'http/2.0',
          headers: Object.entries({ ':authority': 'www.example.com', 'accept-language': 'de-DE', 'user-agent': 'HAR-browser/1.0', cookie: 'session=from-the-har', ...e.headers }).map(([name, value]) => ({ name, value })),
          queryString: [],
          cookies: [],
        },
        response: { status: 200, content: { mimeType: e.mimeType, size: 0 } },
      })),
    },
  };
}

describe('mfe-dev replay', () => {
  it('replays a HAR against production and the local service and writes the report', async () => {
    fs.writeFileSync(
      path.join(dir, 'mfe-dev.config.json'),
      JSON.stringify({ upstream: site.prod.url, fragments: { header: { src: '/fragments/header', selector: 'header.site-header', local: site.local.url } } }),
    );
    // A HAR recorded against production itself (the config's upstream).
    const www = site.prod.url;
    const file = path.join(dir, 'shop.har');
    fs.writeFileSync(
      file,
      JSON.stringify(
        har([
          { url: `${www}/`, mimeType: 'text/html' },
          { url: `${www}/products/tent?variant=b`, mimeType: 'text/html' },
          { url: `${www}/site.css`, mimeType: 'text/css' },
          { url: `${www}/about`, mimeType: 'text/html' },
          { url: `${www}/fragments/header?direct=1`, mimeType: 'text/html' },
          { method: 'POST', url: `${www}/products/tent`, mimeType: 'text/html' },
        ]),
      ),
    );
    site.localBehaviour.change = false;
    const result = await run(['replay', 'shop.har', '--config', 'mfe-dev.config.json', '--concurrency', '2', '--rate', '50', '--report', 'out/header']);
    expect(result.stderr).toContain('Replaying 5 request(s) from shop.har');
    expect(result.code, result.stderr).toBe(0);
    // Not a TTY: plain progress lines, ending at 100 %.
    expect(result.stderr).toMatch(/replay: 5\/5 \(100%\) identical 4 · different 0 · failed 0/);

    const report = JSON.parse(fs.readFileSync(path.join(dir, 'out/header.json'), 'utf8')) as ShadowReportJson;
    expect(report.source).toBe('replay');
    // Two SSI pages, the composed /about (by selector) and the direct fragment request: 4 comparisons,
    // all identical although token and time differ on every answer (calibrated noise).
    expect(report.fragments).toEqual([
      expect.objectContaining({ name: 'header', compared: 4, identical: 4, different: 0, failed: 0 }),
    ]);
    const [{ latency }] = report.fragments;
    expect(latency.prod.samples).toBe(4);
    expect(latency.local.samples).toBe(4);
    expect(latency.prod.p50).toBeGreaterThan(0);
    expect(latency.local.p95).toBeGreaterThanOrEqual(latency.local.p50!);
    expect(fs.readFileSync(path.join(dir, 'out/header.html'), 'utf8')).toContain('<h1>Shadow report</h1>');

    // The local service got the paths and queries production got, with the HAR's forwarded
    // headers and without its cookies.
    expect(site.localRequests.map((r) => r.url).sort()).toEqual(['/fragments/header', '/fragments/header', '/fragments/header?direct=1', '/fragments/header?variant=b'].sort());
    for (const { headers } of site.localRequests) {
      expect(headers).toMatchObject({ 'accept-language': 'de-DE', 'user-agent': 'HAR-browser/1.0', 'x-forwarded-host': new URL(www).host });
      expect(headers.cookie).toBeUndefined();
    }
    expect(site.prodFragmentRequests.every((r) => r.headers.cookie === 'session=from-the-har')).toBe(true);
  });

  it('reports a real change with its diff, and the summary table', async () => {
    fs.writeFileSync(path.join(dir, 'mfe-dev.config.json'), JSON.stringify({ upstream: site.prod.url, fragments: { header: { src: '/fragments/header', local: site.local.url } } }));
    fs.writeFileSync(path.join(dir, 'log.jsonl'), ['/products/a', '/products/b', '/products/c'].map((url) => JSON.stringify({ method: 'GET', url, headers: {} })).join('\n') + '\n');
    site.localBehaviour.change = true;
    const result = await run(['replay', 'log.jsonl', '--config', 'mfe-dev.config.json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/fragment\s+compared\s+identical\s+different\s+failed\s+skipped/);
    expect(result.stderr).toMatch(/header\s+3\s+0\s+3\s+0\s+0/);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'shadow-report.json'), 'utf8')) as ShadowReportJson;
    expect(report.recent).toHaveLength(3);
    expect(report.recent[0].diff.hunks).toEqual([expect.objectContaining({ path: 'header.site-header > nav.main > a:nth-of-type(2)', prod: ['      "Shop"'], local: ['      "Store"'] })]);
    const html = fs.readFileSync(path.join(dir, 'shadow-report.html'), 'utf8');
    const decoded = html.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)));
    expect(decoded).toContain('<tr class="path"><td colspan="4">header.site-header > nav.main > a:nth-of-type(2)</td></tr>');
    expect(decoded).toMatch(/<td class="del">      "<del>Shop<\/del>"<\/td><td class="ln">\d+<\/td><td class="ins">      "<ins>Store<\/ins>"<\/td>/);
  });

  it('records page requests through the gateway, writes the shadow report on exit, and replays the log', async () => {
    fs.writeFileSync(
      path.join(dir, 'mfe-dev.config.json'),
      JSON.stringify({ upstream: site.prod.url, fragments: { header: { src: '/fragments/header', local: site.local.url } } }),
    );
    site.localBehaviour.change = true;
    const child = spawn(process.execPath, [BIN, '--config', 'mfe-dev.config.json', '--port', '0', '--shadow', 'header', '--record', 'requests.jsonl', '--shadow-report', 'reports/live'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      await expect.poll(() => /http:\/\/127\.0\.0\.1:\d+/.test(output), { timeout: 15_000 }).toBe(true);
      const gateway = /http:\/\/127\.0\.0\.1:\d+/.exec(output)![0];
      const compared = async (): Promise<number> => {
        const api = (await (await fetch(gateway + '/__mfe-dev/api/shadow')).json()) as { fragments: Array<{ name: string; compared: number }> };
        return api.fragments.find((f) => f.name === 'header')?.compared ?? 0;
      };
      // Each page's comparison ends before the next page is asked for, so the order of the
      // terminal lines is the order of the pages (comparisons run after the page is answered).
      for (const [i, page] of ['/products/a?size=m', '/'].entries()) {
        const response = await fetch(gateway + page, { headers: { accept: 'text/html', 'accept-language': 'it', cookie: 'session=never-logged' } });
        expect(await response.text()).toContain('>Shop</a>');
        await expect.poll(compared, { timeout: 10_000 }).toBe(i + 1);
      }
      // One terminal line when the header's outcome changes (first comparison), none for the second.
      // (the line reaches this process through a pipe, so it may still be on its way)
      await expect.poll(() => output.match(/shadow header/g)?.length ?? 0, { timeout: 10_000 }).toBe(1);
      expect(output).toMatch(/shadow header \/fragments\/header\?size=m: different \(1 difference\(s\): header\.site-header > nav\.main > a:nth-of-type\(2\)\)/);
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    expect(output).toContain(`shadow report written to ${path.join(dir, 'reports/live.json')}`);
    const live = JSON.parse(fs.readFileSync(path.join(dir, 'reports/live.json'), 'utf8')) as ShadowReportJson;
    expect(live.fragments[0]).toMatchObject({ name: 'header', compared: 2, different: 2 });
    expect(fs.existsSync(path.join(dir, 'reports/live.html'))).toBe(true);

    const log = fs.readFileSync(path.join(dir, 'requests.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(log.map((entry) => [entry.method, entry.url])).toEqual([['GET', '/products/a?size=m'], ['GET', '/']]);
    expect(log[0].headers['accept-language']).toBe('it');
    expect(JSON.stringify(log)).not.toContain('never-logged');

    site.localBehaviour.change = false;
    const replayed = await run(['replay', 'requests.jsonl', '--config', 'mfe-dev.config.json', '--report', 'reports/replayed']);
    expect(replayed.code, replayed.stderr).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'reports/replayed.json'), 'utf8')) as ShadowReportJson;
    expect(report.fragments[0]).toMatchObject({ compared: 2, identical: 2 });
  });

  it("strips the gateway's own state, stays on upstream, replays only the gateway's and upstream's requests, and counts 4xx pages with the fragment", async () => {
    // A second site on this machine: a planted `//host/x` must never reach it.
    const evilRequests: string[] = [];
    const evil = await listen((req, res) => {
      evilRequests.push(`${req.url} ${req.headers.cookie ?? ''}`);
      res.end('evil');
    });
    try {
      fs.writeFileSync(path.join(dir, 'mfe-dev.config.json'), JSON.stringify({ upstream: site.prod.url, port: 4400, fragments: { header: { src: '/fragments/header', local: site.local.url } } }));
      const gateway = 'http://127.0.0.1:4400';
      const evilHost = new URL(evil.url).host;
      const state = { cookie: '__Host-session=alice; mfe-dev=header=shadow; mfe-dev-preset=checkout', 'x-mfe-dev': 'header=prod', referer: `${gateway}/?mfe-dev=header%3Dshadow` };
      fs.writeFileSync(
        path.join(dir, 'browse.har'),
        JSON.stringify(
          har([
            { url: `${gateway}/?mfe-dev=header%3Dshadow&q=tent`, mimeType: 'text/html', headers: state },
            { url: `${gateway}/__mfe-dev/`, mimeType: 'text/html', headers: state },
            { url: `${gateway}//${evilHost}/x`, mimeType: 'text/html', headers: state },
            { url: `${gateway}/gone`, mimeType: 'text/html', headers: state },
            { url: 'https://login.idp.example/authorize?client_id=shop', mimeType: 'text/html', headers: { cookie: 'idp_session=IDP-SECRET' } },
            { url: `${evil.url}/page`, mimeType: 'text/html', headers: { cookie: 'other=OTHER-SECRET' } },
          ]),
        ),
      );
      fs.writeFileSync(path.join(dir, 'planted.jsonl'), JSON.stringify({ method: 'GET', url: `/\\${evilHost}/y`, headers: {} }) + '\n');
      const result = await run(['replay', 'browse.har', '--config', 'mfe-dev.config.json', '--report', 'out/browse']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain("Left out 2 to other sites and 1 of mfe-dev's own pages");
      // `/` and the 404 page `/gone` both hold the shadowed header: two comparisons.
      expect(result.stderr).toMatch(/3 request\(s\): 2 comparison\(s\) from 2; 1 skipped \(0 unsafe method, 1 without a shadowed fragment/);
      const planted = await run(['replay', 'planted.jsonl', '--config', 'mfe-dev.config.json', '--report', 'out/planted']);
      expect(planted.code, planted.stderr).toBe(0);

      expect(evilRequests).toEqual([]);
      const pages = site.prodRequests.filter((r) => !r.url.startsWith('/fragments/'));
      expect(pages.map((r) => r.url).sort()).toEqual([`//${evilHost}/x`, `/\\${evilHost}/y`.replace('\\', '/'), '/?q=tent', '/gone'].sort());
      for (const { url, headers } of site.prodRequests) {
        expect(url).not.toContain('mfe-dev');
        expect(JSON.stringify(headers)).not.toMatch(/mfe-dev|IDP-SECRET|OTHER-SECRET/);
      }
      expect(site.prodRequests.find((r) => r.url === '/?q=tent')?.headers).toMatchObject({ cookie: '__Host-session=alice', referer: `${gateway}/` });
    } finally {
      await evil.close();
    }
  });

  it('says what is wrong with a file that is neither a HAR nor a request log', async () => {
    fs.writeFileSync(path.join(dir, 'mfe-dev.config.json'), JSON.stringify({ upstream: site.prod.url, fragments: { header: { src: '/fragments/header', local: site.local.url } } }));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'GET /products/a\n');
    const result = await run(['replay', 'notes.txt', '--config', 'mfe-dev.config.json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('notes.txt:1 is neither a HAR nor a JSON-lines request log');
    const rate = await run(['replay', 'notes.txt', '--config', 'mfe-dev.config.json', '--rate', 'fast']);
    expect(rate.code).toBe(1);
    expect(rate.stderr).toContain("--rate must be a number above 0, got 'fast'.");
  });
});
