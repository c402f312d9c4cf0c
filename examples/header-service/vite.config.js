/**
 * The header team's Vite project: `npx vite` in this folder (or `npm run demo` at the root) serves
 * the header fragment at /fragments/header and its module and styles, with hot module replacement.
 *
 * `base: '/assets/header/'` puts every file Vite serves (the client, the modules, the HMR
 * websocket) under the one path prefix production uses for the header's assets, so mfe-dev's
 * config needs nothing more than `assets: ['/assets/header/']`.
 */
import { defineConfig } from 'vite';
import { headerFragment } from './fragment.js';

export default defineConfig({
  base: '/assets/header/',
  server: { host: '127.0.0.1', port: 4402 },
  // Nothing to pre-bundle: keep Vite from writing a cache into the project.
  optimizeDeps: { noDiscovery: true, include: [] },
  plugins: [headerFragment()],
});
