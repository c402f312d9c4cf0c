/**
 * The checkout team's local cart service: webpack 5 + webpack-dev-server, started
 * programmatically (as tests do); `npx webpack serve` in this folder does the same by hand.
 * Run it alone with `node examples/cart-webpack/server.js` (port 4404, or $PORT).
 *
 * Routes:
 *   GET /fragments/cart[/...]   the cart fragment
 *   GET /assets/cart/cart.js    its bundle (hot-updates when src/cart.js is edited)
 *   WS  /ws                     webpack-dev-server's live-update socket
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import webpack from 'webpack';
import WebpackDevServer from 'webpack-dev-server';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Starts the cart's webpack-dev-server. Port 0 (the default) picks a free port.
 * @param {{ port?: number, host?: string, root?: string, devtool?: string | false }} [options]
 *   `root`: a copy of this folder to serve instead (tests edit copies); `devtool`: overrides the
 *   config's (e.g. `'eval'`, webpack's default in development).
 * @returns {Promise<{ url: string, port: number, close(): Promise<void> }>}
 */
export async function startCartService({ port = 0, host = '127.0.0.1', root = here, devtool } = {}) {
  const { default: config } = await import(pathToFileURL(path.join(root, 'webpack.config.js')).href);
  const { devServer, ...webpackConfig } = config;
  const compiler = webpack({
    ...webpackConfig,
    ...(devtool === undefined ? {} : { devtool }),
    infrastructureLogging: { level: process.env.CART_SERVICE_LOG === '1' ? 'info' : 'none' },
    stats: 'none',
  });
  const server = new WebpackDevServer({ ...devServer, port, host }, compiler);
  await server.start();
  const address = /** @type {import('node:net').AddressInfo} */ (server.server?.address());
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    port: address.port,
    close: () => server.stop(),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const service = await startCartService({ port: Number(process.env.PORT ?? 4404) });
  console.log(`Cart service (a local fragment, webpack) is open on ${service.url}`);
}
