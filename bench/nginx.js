/**
 * The reference: nginx with SSI, as a non-daemon child with its own prefix folder and config in
 * a temp folder, one worker process (mfe-dev is one process), on free 127.0.0.1 ports.
 *
 *   ssiUrl:   location / { ssi on; proxy_pass } and location /fragments/ { proxy_pass } (the SSI
 *             subrequests go back to the same origin through the proxy)
 *   plainUrl: location / { proxy_pass } (plain proxy, for the pre-composed page)
 *
 * Both keep connections to the origin (`upstream { keepalive 32; }`, HTTP/1.1, no Connection
 * header) and to the client, as mfe-dev does, with proxy buffers sized for the page and no
 * access log: nginx as a careful operator runs it.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { childrenOf } from './proc.js';

const CANDIDATES = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx', '/usr/bin/nginx'];

/** The nginx binary, if there is one. */
export function findNginx() {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && fs.existsSync(path.join(dir, 'nginx'))) return path.join(dir, 'nginx');
  }
  return CANDIDATES.find((file) => fs.existsSync(file));
}

/**
 * nginx, installed with apt-get (Debian's nginx-light) when missing and allowed.
 * @param {{ install: boolean, log: (line: string) => void }} options
 * @returns {{ bin: string, version: string } | { skip: string }}
 */
export function ensureNginx({ install, log }) {
  let bin = findNginx();
  if (!bin && !install) return { skip: 'nginx is not installed, and this mode does not install it (run `npm run bench`, or `apt-get install nginx-light`)' };
  if (!bin) {
    if (process.getuid?.() !== 0) return { skip: 'nginx is not installed and installing it needs root: `sudo apt-get install -y nginx-light`' };
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const aptInstall = () => spawnSync('apt-get', ['install', '-y', '-qq', 'nginx-light'], { env, stdio: 'ignore', timeout: 180_000 }).status === 0;
    log('nginx not found: apt-get install -y nginx-light …');
    if (!aptInstall()) {
      log('install failed: apt-get update, then again …');
      spawnSync('apt-get', ['update', '-qq'], { env, stdio: 'ignore', timeout: 180_000 });
      if (!aptInstall()) return { skip: 'nginx is not installed and `apt-get install -y nginx-light` failed' };
    }
    bin = findNginx();
    if (!bin) return { skip: 'nginx-light was installed but no nginx binary was found' };
  }
  // `nginx -v` writes to stderr.
  const probe = spawnSync(bin, ['-v'], { encoding: 'utf8' });
  const version = (probe.stderr || probe.stdout || 'nginx').trim().replace(/^nginx version:\s*(nginx\/)?/, '');
  return { bin, version };
}

/** A port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/** @param {string} dir @param {number} upstreamPort @param {number} ssiPort @param {number} plainPort */
export function nginxConf(dir, upstreamPort, ssiPort, plainPort) {
  const root = process.getuid?.() === 0;
  return `# Written by mfe-dev's bench (bench/nginx.js); started with -p ${dir} -g 'daemon off;'.
${root ? "user root root;  # the bench runs as root; the worker needs this prefix's temp folders\n" : ''}worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  default_type application/octet-stream;
  client_body_temp_path ${dir}/tmp/client_body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  keepalive_requests 100000;
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_max_temp_file_size 0;
  # Tuned as a careful operator would for these pages (a 30 KB composed page, a 68 KB
  # pre-composed one, 2-5 KB fragments): buffers that hold a whole page, so each response is read
  # in one or two pieces instead of many 4-8 KB ones (nginx's defaults), and no access log.
  proxy_buffer_size 64k;
  proxy_buffers 8 64k;
  proxy_busy_buffers_size 128k;
  upstream production {
    server 127.0.0.1:${upstreamPort};
    keepalive 32;
    keepalive_requests 100000;
  }
  server {
    listen 127.0.0.1:${ssiPort};
    location / { ssi on; proxy_pass http://production; }
    location /fragments/ { proxy_pass http://production; }
  }
  server {
    listen 127.0.0.1:${plainPort};
    location / { proxy_pass http://production; }
  }
}
`;
}

/** Resolves once something accepts connections on the port. */
async function waitForPort(port, isDead, ms = 5000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (isDead()) throw new Error('nginx exited');
    const ok = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`nothing listens on ${port} after ${ms} ms`);
}

/**
 * Start nginx in front of the fixture.
 * @param {{ bin: string, upstreamPort: number }} options
 */
export async function startNginx({ bin, upstreamPort }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-bench-nginx-'));
  fs.mkdirSync(path.join(dir, 'tmp'));
  const [ssiPort, plainPort] = [await freePort(), await freePort()];
  fs.writeFileSync(path.join(dir, 'nginx.conf'), nginxConf(dir, upstreamPort, ssiPort, plainPort));
  const child = spawn(bin, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let exited = false;
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exit = new Promise((resolve) => child.on('exit', () => ((exited = true), resolve(undefined))));
  const errorLog = () => {
    try {
      return fs.readFileSync(path.join(dir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  };
  try {
    await waitForPort(ssiPort, () => exited);
    await waitForPort(plainPort, () => exited);
  } catch (error) {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`nginx did not start: ${/** @type {Error} */ (error).message}\n${stderr}${errorLog()}`);
  }
  const master = /** @type {number} */ (child.pid);
  let workers = childrenOf(master);
  for (let i = 0; i < 50 && workers.length === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    workers = childrenOf(master);
  }
  return {
    ssiUrl: `http://127.0.0.1:${ssiPort}`,
    plainUrl: `http://127.0.0.1:${plainPort}`,
    /** Master and worker(s): CPU and RSS are summed over these. */
    pids: [master, ...workers],
    workers: workers.length,
    dir,
    errorLog,
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        await Promise.race([exit, new Promise((resolve) => setTimeout(resolve, 3000))]);
        if (!exited) child.kill('SIGKILL');
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
