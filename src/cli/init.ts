import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MfeDevError } from '../errors.js';

/** `mfe-dev init`: a commented starter config. Never overwrites. */
export const STARTER_CONFIG = `import { defineConfig } from 'mfe-dev';

// mfe-dev: develop your fragment inside the real production page.
// Docs: every option below has a description on hover in your editor.
export default defineConfig({
  // The production origin whose pages you want to see.
  upstream: 'https://www.example.com',

  // Port of the local gateway (0 picks a free one).
  port: 4400,

  // The site's fragments. \`src\` is the fragment's path in production (what include markers point
  // at); \`local\` is your dev server for it.
  fragments: {
    header: {
      src: '/fragments/header',
      // Where it sits in pages production already composed (optional).
      selector: 'header[data-fragment="header"]',
      local: 'http://localhost:3001',
      // Your fragment's own client-side files, served by your dev server in local mode (optional).
      assets: ['/assets/header/'],
    },
  },

  // Fragments served from localhost by default. Override per browser with ?mfe-dev=header=prod
  local: ['header'],

  // Shareable sets of overrides, e.g. with a feature toggle forced on.
  presets: {
    // 'new-header': {
    //   description: 'Header from localhost with the redesign toggle on',
    //   local: ['header'],
    //   cookies: { toguru: 'header-redesign=true' },
    // },
  },

  // Serve the gateway over https, as production is (cookies keep Secure and SameSite=None).
  // Run \`npx mfe-dev trust\` once so your browsers trust mfe-dev's local certificate.
  // https: true,
});
`;

export async function runInit(cwd: string): Promise<number> {
  const file = path.join(cwd, 'mfe-dev.config.ts');
  if (existsSync(file)) {
    throw new MfeDevError('MFE_INIT_EXISTS', `${file} already exists; mfe-dev init never overwrites a config. Edit it, or move it away and run mfe-dev init again.`, { file });
  }
  writeFileSync(file, STARTER_CONFIG, { flag: 'wx' });
  process.stdout.write(`Wrote ${file}\nSet \`upstream\` and your fragments, then run: npx mfe-dev\n`);
  return 0;
}
