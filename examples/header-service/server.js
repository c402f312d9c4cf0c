/**
 * The header team's local dev server: the fragment you are "working on" in the demo, a real Vite
 * project (vite.config.js, header.html, src/). This module starts it programmatically, as
 * `npm run demo` and the tests do; `npx vite` in this folder does the same by hand.
 *
 * It serves a redesigned header that looks nothing like production's, so you can see at a glance
 * which one a page got (see fragment.js for what it echoes).
 * Run it alone with `node examples/header-service/server.js` (port 4402, or $PORT).
 *
 * Routes (BASE is '/assets/header/' unless `base` is given):
 *   GET /                          a short text index
 *   GET /fragments/header[/...]    the redesigned header (also under BASE)
 *   GET BASE/src/header.js         its module (hot-updates when edited)
 *   GET BASE/src/header.css        its styles
 *   GET BASE/@vite/client          Vite's client; its HMR websocket is at BASE too
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Starts the header service's Vite dev server. Port 0 (the default) picks a free port.
 * @param {{ port?: number, host?: string, root?: string, base?: string }} [options]
 *   `root`: a copy of this folder to serve instead (tests edit copies); `base`: Vite's `base`.
 * @returns {Promise<{ url: string, port: number, close(): Promise<void>, vite: import('vite').ViteDevServer }>}
 */
export async function startHeaderService({ port = 0, host = '127.0.0.1', root = here, base } = {}) {
  const vite = await createServer({
    root,
    configFile: path.join(root, 'vite.config.js'),
    cacheDir: path.join(root, '.vite-cache'),
    logLevel: process.env.HEADER_SERVICE_LOG === '1' ? 'info' : 'silent',
    clearScreen: false,
    ...(base ? { base } : {}),
    server: { port, host, strictPort: port !== 0 },
  });
  await vite.listen();
  const address = /** @type {import('node:net').AddressInfo} */ (vite.httpServer?.address());
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    port: address.port,
    vite,
    close: () => vite.close(),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const service = await startHeaderService({ port: Number(process.env.PORT ?? 4402) });
  console.log(`Header service (your local fragment, Vite) is open on ${service.url}`);
}
