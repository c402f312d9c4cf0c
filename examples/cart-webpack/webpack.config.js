/**
 * The checkout team's cart, a webpack 5 project: `npx webpack serve` in this folder (or
 * `startCartService()` from server.js) serves the cart fragment at /fragments/cart and its bundle
 * at /assets/cart/cart.js, with hot module replacement over webpack-dev-server's websocket (/ws).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));

/** @type {import('webpack').Configuration & { devServer: import('webpack-dev-server').Configuration }} */
export default {
  mode: 'development',
  context: root,
  entry: './src/cart.js',
  output: { path: path.join(root, 'dist'), publicPath: '/assets/cart/', filename: 'cart.js' },
  // webpack's default in development is 'eval': source maps inside eval(), which production's
  // Content-Security-Policy (no 'unsafe-eval') refuses to run. 'source-map' works under any CSP.
  devtool: 'source-map',
  devServer: {
    host: '127.0.0.1',
    port: 4404,
    hot: true,
    static: false,
    client: { overlay: false },
    setupMiddlewares(middlewares) {
      // The fragment route, as a team's server-side route would serve it.
      middlewares.unshift({
        name: 'cart-fragment',
        middleware(req, res, next) {
          const url = new URL(req.url ?? '/', 'http://cart-service');
          if (url.pathname !== '/fragments/cart' && !url.pathname.startsWith('/fragments/cart/')) return next();
          const template = fs.readFileSync(path.join(root, 'cart.html'), 'utf8');
          const body = template.replace('%PATH%', url.pathname.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)).trimEnd();
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
          res.end(body);
        },
      });
      return middlewares;
    },
  },
};
