/**
 * mfe-dev config of the Nordwind Outdoor demo: the one a team working on the shop would commit.
 *
 * `npm run demo` starts the simulated shop and the header service on free ports and passes
 * their URLs in SHOP_URL and HEADER_URL. Started by hand, they use the defaults below:
 *   node examples/shop/server.js            # http://127.0.0.1:4401
 *   node examples/header-service/server.js  # http://127.0.0.1:4402
 *   npx mfe-dev --config examples/mfe-dev.config.ts
 */
import { defineConfig } from 'mfe-dev';

export default defineConfig({
  // Production. In the real team's config this is 'https://www.nordwind.example'.
  upstream: process.env.SHOP_URL ?? 'http://127.0.0.1:4401',

  fragments: {
    // The header team's fragment, and the one this demo works on.
    header: {
      // Include markers pointing at this path (or below it) are the header, in any dialect:
      // <!--#include virtual="/fragments/header" -->, <esi:include src="/fragments/header"/>,
      // <fragment src="/fragments/header">.
      src: '/fragments/header',
      // Pages production composed already (like /about) carry the header inline; this is how
      // mfe-dev finds it there to swap in the local one.
      selector: 'header[data-fragment="header"]',
      // The header's Vite dev server (examples/header-service, `npx vite` there).
      local: process.env.HEADER_URL ?? 'http://127.0.0.1:4402',
      // The header's own script and styles: in local mode they come from the local service too.
      // Vite's `base: '/assets/header/'` puts its client, modules and HMR socket under it as well.
      assets: ['/assets/header/'],
      timeout: 2000,
    },

    // Search box: owned by the discovery team.
    search: {
      src: '/fragments/search',
      selector: 'form[data-fragment="search"]',
      local: process.env.SEARCH_URL ?? 'http://127.0.0.1:4403',
    },

    // Cart: owned by the checkout team. Its fallback, /fragments/cart-fallback, is not under
    // /fragments/cart (whole path segments), so it always comes from production.
    cart: {
      src: '/fragments/cart',
      selector: 'aside[data-fragment="cart"]',
      // The cart's webpack-dev-server (examples/cart-webpack). Its HMR socket, /ws, needs no
      // entry: mfe-dev recognises dev servers' sockets and hands them to the local fragment's.
      local: process.env.CART_URL ?? 'http://127.0.0.1:4404',
      assets: ['/assets/cart/'],
    },

    // Footer: nobody runs it locally, but naming it shows it in the dev page and Server-Timing.
    footer: {
      src: '/fragments/footer',
      selector: 'footer[data-fragment="footer"]',
    },
  },

  // What this checkout of the repository works on by default. Flip per browser with
  // ?mfe-dev=header=prod, or per run with `mfe-dev --prod header`.
  local: ['header'],

  presets: {
    // Try it: http://127.0.0.1:4400/checkout?mfe-dev-preset=checkout-redesign
    'checkout-redesign': {
      description: 'Redesigned header on the new checkout (forces the new-checkout toggle)',
      local: ['header'],
      cookies: { toguru: 'new-checkout=true' },
      headers: { 'x-toguru': 'new-checkout=true' },
    },
  },
});
