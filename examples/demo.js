/**
 * `npm run demo`: the whole story on one machine.
 *
 *   simulated production shop     ─┐
 *   local header (Vite)           ─┼─>  mfe-dev gateway  ─>  your browser
 *   local cart (webpack)          ─┘
 *
 * Starts the shop, the header's Vite dev server and the cart's webpack-dev-server on free ports,
 * then the mfe-dev CLI with
 * examples/mfe-dev.config.ts on port $PORT (default 4400; a free port if that one is taken).
 * Ctrl-C stops everything.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCartService } from './cart-webpack/server.js';
import { startHeaderService } from './header-service/server.js';
import { startShop } from './shop/server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const host = '127.0.0.1';
const wanted = Number(process.env.PORT ?? 4400);

const shop = await startShop();
const headerService = await startHeaderService();
const cartService = await startCartService();
const port = (await isFree(wanted)) ? wanted : 0;
if (port !== wanted) console.log(`Port ${wanted} is taken; mfe-dev will pick a free one.`);

const child = spawn(
  process.execPath,
  ['bin/mfe-dev.js', '--config', 'examples/mfe-dev.config.ts', '--port', String(port), '--host', host],
  {
    cwd: root,
    // stdout is piped (and copied through) only to learn the gateway's URL for the banner.
    stdio: ['inherit', 'pipe', 'inherit'],
    env: {
      ...process.env,
      SHOP_URL: shop.url,
      HEADER_URL: headerService.url,
      CART_URL: cartService.url,
      ...(process.stdout.isTTY && !process.env.NO_COLOR ? { FORCE_COLOR: '1' } : {}),
    },
  },
);

let bannerShown = false;
let seen = '';
child.stdout?.on('data', (chunk) => {
  process.stdout.write(chunk);
  if (bannerShown) return;
  seen += String(chunk).replace(/\x1b\[[0-9;]*m/g, ''); // without colours
  const url = gatewayUrl(seen);
  if (url) {
    bannerShown = true;
    setTimeout(() => console.log(banner(url)), 50); // after the CLI's fragment list
  }
});

for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.on(signal, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

child.on('error', (error) => console.error(`Could not start mfe-dev: ${error.message}`));
child.on('close', async (code, signal) => {
  await Promise.all([shop.close(), headerService.close(), cartService.close()]);
  if (code && code !== 0 && !bannerShown) {
    console.error('\nmfe-dev exited before it was ready. Is the build up to date? Try `npm run build`.');
  }
  process.exit(code ?? (signal ? 0 : 1));
});

/**
 * The gateway's URL once the CLI has printed it: the URL on our port, or with `--port 0` the
 * first URL on our host that is not one of the servers behind it.
 * @param {string} output the CLI's output so far
 */
function gatewayUrl(output) {
  const urls = output.match(/http:\/\/127\.0\.0\.1:\d+/g) ?? [];
  if (port) return urls.find((url) => url === `http://${host}:${port}`);
  return urls.find((url) => url !== shop.url && url !== headerService.url && url !== cartService.url);
}

/** @param {string} url the gateway's URL, as the CLI printed it */
function banner(url) {
  return `
  ┌──────────────────────────────────────────────────────────────────────────┐
    Nordwind Outdoor, composed by mfe-dev, with YOUR header from this machine

    Open ${url}/                   home page      (nginx SSI includes)
         ${url}/products/tent-2p   product page   (ESI includes)
         ${url}/checkout           checkout       (Tailor fragments)
         ${url}/about              a page production composed already
         ${url}/__mfe-dev/         the dev page: fragments, modes, presets

    Production's header instead:   ${url}/?mfe-dev=header=prod
    Back to your local header:     ${url}/?mfe-dev=
    The checkout-redesign preset:  ${url}/checkout?mfe-dev-preset=checkout-redesign
    The local cart (webpack) too:  ${url}/checkout?mfe-dev=cart=local

    Hot reload: edit examples/header-service/src/header.js (or cart-webpack/src/cart.js) and
    watch the page update in place; edit header-service/header.html and the page reloads.
    Behind it: shop ${shop.url} (production), header ${headerService.url} (Vite),
               cart ${cartService.url} (webpack)
    Edit examples/mfe-dev.config.ts while it runs: mfe-dev picks the change up.
  └──────────────────────────────────────────────────────────────────────────┘
`;
}

/** @param {number} candidate */
function isFree(candidate) {
  return new Promise((resolve) => {
    if (candidate === 0) return resolve(true);
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(candidate, host, () => probe.close(() => resolve(true)));
  });
}
