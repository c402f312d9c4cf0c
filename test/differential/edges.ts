/**
 * The edges the differential tests compare: the real nginx (Debian's 1.22, `ssi on`), the real
 * Varnish (Debian's 7.1, `do_esi` on HTML), the real Tailor (`node-tailor`), each run as our own
 * process on a free 127.0.0.1 port with a temp folder, and mfe-dev with that `edge` and
 * `diagnostics: false`. All sit in front of the same origin. Nothing is cached between cases.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Tailor from 'node-tailor';
import type { Edge } from '../../src/config/types.js';
import { startGateway } from '../helpers/gateway.js';
import { listen } from '../helpers/servers.js';

export type EdgeName = 'nginx' | 'varnish' | 'tailor';
export const EDGES: readonly EdgeName[] = ['nginx', 'varnish', 'tailor'];

/** A running edge (or mfe-dev standing in for one). */
export interface Target {
  /** `nginx`, `nginx#2`, `mfe-dev(nginx)`. */
  label: string;
  url: string;
  /**
   * The Host header to send: Tailor is production's own host, so it is asked with the origin's
   * name (as mfe-dev's pages see production's host).
   */
  host?: string;
  close(): Promise<void>;
}

export const NGINX = '/usr/sbin/nginx';
export const VARNISHD = '/usr/sbin/varnishd';

/** Why the real edge cannot run here, or undefined when it can. */
export function missing(edge: EdgeName): string | undefined {
  const bin = edge === 'nginx' ? NGINX : edge === 'varnish' ? VARNISHD : undefined;
  if (bin && !fs.existsSync(bin)) return `${bin} is not installed (apt-get install ${edge})`;
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once `url` answers an HTTP request (any status). */
async function waitForHttp(url: string, child: ChildProcess, log: () => string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${child.spawnfile} exited (${child.exitCode}): ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.get(url, { agent: false, timeout: 2000 }, (res) => {
        res.resume();
        res.on('end', () => resolve(true));
      });
      req.on('error', () => resolve(false));
      req.on('timeout', () => req.destroy());
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${child.spawnfile} did not answer on ${url} within ${ms} ms: ${log()}`);
}

/** Starts `bin args` in its own temp folder; `close` stops it by its PID and removes the folder. */
async function startProcess(label: string, bin: string, args: (dir: string, port: number) => string[], prepare: (dir: string, port: number) => void): Promise<Target> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mfe-diff-${label.replace(/\W/g, '')}-`));
  const port = await freePort();
  prepare(dir, port);
  let output = '';
  const child = spawn(bin, args(dir, port), { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/__ready`, child, () => output);
  } catch (error) {
    await close();
    throw error;
  }
  return { label, url, close };
}

/** nginx 1.22 with `ssi on` in front of the origin, every other setting nginx's default. */
export function startNginx(originPort: number, label = 'nginx'): Promise<Target> {
  const root = process.getuid?.() === 0;
  return startProcess(label, NGINX, (dir) => ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', `daemon off; pid ${dir}/nginx.pid;`], (dir, port) => {
    fs.mkdirSync(path.join(dir, 'tmp'));
    fs.mkdirSync(path.join(dir, 'logs'));
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((name) => `  ${name}_temp_path ${dir}/tmp/${name};`).join('\n');
    fs.writeFileSync(
      path.join(dir, 'nginx.conf'),
      `${root ? 'user root root;\n' : ''}worker_processes 1;
error_log ${dir}/logs/error.log crit;
events { worker_connections 256; }
http {
  access_log off;
${temp}
  server {
    listen 127.0.0.1:${port};
    location / { ssi on; proxy_pass http://127.0.0.1:${originPort}; }
  }
}
`,
    );
  });
}

/** Varnish 7.1 in front of the origin: `do_esi` on HTML, nothing cached, defaults otherwise. */
export function startVarnish(originPort: number, label = 'varnish'): Promise<Target> {
  return startProcess(
    label,
    VARNISHD,
    (dir, port) => ['-n', path.join(dir, 'work'), '-a', `127.0.0.1:${port}`, '-f', path.join(dir, 'default.vcl'), '-F', '-j', 'none', '-s', 'malloc,32m'],
    (dir) =>
      fs.writeFileSync(
        path.join(dir, 'default.vcl'),
        `vcl 4.1;
backend origin { .host = "127.0.0.1"; .port = "${originPort}"; }
sub vcl_backend_response {
  if (beresp.http.content-type ~ "text/html") { set beresp.do_esi = true; }
  # Every case stands alone: nothing is kept for the next request.
  set beresp.ttl = 0s;
  set beresp.uncacheable = true;
  return (deliver);
}
`,
      ),
  );
}

/** node-tailor with its defaults, its templates fetched from the origin (the request's path). */
export async function startTailor(originUrl: string, label = 'tailor'): Promise<Target> {
  const fetchTemplate = (req: http.IncomingMessage, parse: (template: string) => Promise<unknown>) =>
    new Promise<unknown>((resolve, reject) => {
      http
        .get(originUrl + req.url, { agent: false }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve(parse(Buffer.concat(chunks).toString('utf8'))));
          res.on('error', reject);
        })
        .on('error', reject);
    });
  // The typings declare fetchTemplate's parameters wrongly (a path and a function of a path).
  const tailor = new Tailor({ fetchTemplate: fetchTemplate as never });
  tailor.on('error', () => undefined);
  const server = await listen((req, res) => tailor.requestHandler(req, res));
  return { label, url: server.url, host: new URL(originUrl).host, close: () => server.close() };
}

/** The real edge. */
export function startEdge(edge: EdgeName, origin: { port: number; url: string }, label?: string): Promise<Target> {
  if (edge === 'nginx') return startNginx(origin.port, label);
  if (edge === 'varnish') return startVarnish(origin.port, label);
  return startTailor(origin.url, label);
}

/** mfe-dev standing in for `edge`, exactly as that edge sends pages: no diagnostics, no overlay. */
export async function startMfeDev(edge: EdgeName, originUrl: string): Promise<Target> {
  const gateway = await startGateway({ upstream: originUrl, overlay: false, diagnostics: false, edge: edge satisfies Edge });
  return { label: `mfe-dev(${edge})`, url: gateway.url, close: () => gateway.close() };
}

/** nginx -v / varnishd -V, for the report. */
export function versionOf(edge: EdgeName): string {
  if (edge === 'tailor') return `node-tailor ${(JSON.parse(fs.readFileSync(new URL('../../node_modules/node-tailor/package.json', import.meta.url), 'utf8')) as { version: string }).version}`;
  const probe = spawnSync(edge === 'nginx' ? NGINX : VARNISHD, [edge === 'nginx' ? '-v' : '-V'], { encoding: 'utf8' });
  return (probe.stderr || probe.stdout).split('\n')[0].trim();
}
