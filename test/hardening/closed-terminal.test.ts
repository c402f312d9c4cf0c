/**
 * Issue 16 item 1: the reader of mfe-dev's stdout and stderr goes away (`mfe-dev 2>&1 | head -3`,
 * an IDE task whose reader died, `nohup` in a closed terminal). The gateway stops writing there
 * and nothing else: pages are answered, the process does not spin, SIGTERM ends it.
 * Through the real CLI (needs the build).
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, request, type TestServer } from '../helpers/servers.js';
import { startCliGateway, type CliGateway } from './cli-process.js';

/** CPU time (user + system, in clock ticks) the process has used so far, from /proc/PID/stat. */
function cpuTicks(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function exitWithin(gateway: CliGateway, ms: number): Promise<boolean> {
  const { child } = gateway;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

describe('a closed terminal', () => {
  let production: TestServer;
  beforeAll(async () => {
    production = await listen((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end('<!DOCTYPE html><html><body><p>page</p></body></html>');
    });
  });
  afterAll(() => production.close());

  const cases = [
    { command: 'dev', closed: ['stdout', 'stderr'] },
    { command: 'dev', closed: ['stdout'] },
    // serve writes a JSON line per request to stdout.
    { command: 'serve', closed: ['stdout', 'stderr'] },
  ] as const;
  for (const { command, closed } of cases) {
    it.concurrent(`${command}, with ${closed.join(' and ')} gone: pages are answered, no CPU spins, SIGTERM ends it`, async () => {
      const config = { upstream: production.url, fragments: {}, ...(command === 'serve' && { serve: { auth: false, drainDelay: 0 } }) };
      const gateway = await startCliGateway(config, {}, command);
      try {
        const { child } = gateway;
        for (const name of closed) child[name]!.destroy();
        // Every page writes a page line to stdout (the first one meets the closed pipe), and
        // errors go to stderr: a 404 of the dev API and a page on a bad Host.
        for (let i = 0; i < 5; i++) {
          const page = await request(`${gateway.url}/page-${i}`, { timeout: 30_000 });
          expect(page.status).toBe(200);
          expect(page.text).toContain('<p>page</p>');
        }
        // Whatever the gateway still writes must not be a report of the broken pipe.
        if (!closed.includes('stderr' as never)) {
          await new Promise((resolve) => setTimeout(resolve, 300));
          expect(gateway.output()).not.toMatch(/internal error|EPIPE/);
        }
        // Idle, it uses (next to) no CPU: a spinning loop would use ~all of 1.5 s (150 ticks).
        const before = cpuTicks(child.pid!);
        await new Promise((resolve) => setTimeout(resolve, 1500));
        expect(cpuTicks(child.pid!) - before).toBeLessThan(30);
        // And still answers.
        expect((await request(`${gateway.url}/again`, { timeout: 30_000 })).status).toBe(200);
        child.kill('SIGTERM');
        expect(await exitWithin(gateway, 25_000)).toBe(true);
      } finally {
        await gateway.stop();
      }
    }, 120_000);
  }
});
