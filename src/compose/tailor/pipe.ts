import type { IncomingHttpHeaders } from 'node:http';
import { PIPE_DEFINITION } from './pipe-runtime.js';

/**
 * What Tailor (node-tailor 3.9, at its defaults) writes around a page's fragments for its page
 * runtime, "Pipe": the AMD loader and the runtime before the page's first `<script>` or
 * `<fragment>`, each fragment's stylesheet `<link>` and `Pipe.start(…)`/`Pipe.end(…)` scripts
 * (with its `fragment-script` from the fragment's `Link` header), and the `Link: …;
 * rel="preload"` response header. Defaults: `pipeInstanceName` `Pipe`, `maxAssetLinks` 1 (one
 * stylesheet and one script per fragment), `amdLoaderUrl` RequireJS 2.1.22 from cdnjs.
 */
export const AMD_LOADER_URL = 'https://cdnjs.cloudflare.com/ajax/libs/require.js/2.1.22/require.min.js';
const PIPE = 'Pipe';
const MAX_ASSET_LINKS = 1;

/** Tailor's `crossorigin` check: none for a URL on the page's own host. */
function crossOrigin(url: string, host: string): string {
  return url.includes(`://${host}`) ? '' : 'crossorigin';
}

/** The loader and the runtime, as Tailor inserts them once per page. */
export function pipeRuntime(host: string): Buffer {
  return Buffer.from(`<script src="${AMD_LOADER_URL}" ${crossOrigin(AMD_LOADER_URL, host)}></script>\n<script>var ${PIPE}=${PIPE_DEFINITION}</script>\n`);
}

export interface FragmentAssets {
  scripts: string[];
  styles: string[];
}

/** A fragment's assets from its `Link` header, read as Tailor reads it (`lib/parse-link-header.js`). */
export function fragmentAssets(headers: IncomingHttpHeaders | undefined): FragmentAssets {
  const scripts: string[] = [];
  const styles: string[] = [];
  const joined = [headers?.link, headers?.['x-amz-meta-link']].map((value) => (Array.isArray(value) ? value.join(', ') : (value ?? ''))).join(',');
  for (const link of joined.split(/,\s*</)) {
    const match = /<?([^>]*)>(.*)/.exec(link);
    if (!match) continue;
    const rel = /\s*(.+)\s*=\s*"?([^"]+)"?/.exec(match[2].split(';')[1] ?? '')?.[2];
    if (rel === 'fragment-script') scripts.push(match[1]);
    else if (rel === 'stylesheet') styles.push(match[1]);
  }
  return { scripts: scripts.slice(0, MAX_ASSET_LINKS), styles: styles.slice(0, MAX_ASSET_LINKS) };
}

/** The fragment's attributes Tailor hands its runtime (`pipeAttributes`, then `id` and `range`). */
function pipeAttributes(attributes: Readonly<Record<string, string>>, range: [number, number]): string {
  return JSON.stringify({ primary: Object.hasOwn(attributes, 'primary'), id: attributes.id || range[0], range });
}

/** One fragment's content with what Tailor writes before and after it (`lib/fragment.js`). */
export function wrapFragment(body: Buffer, index: number, assets: FragmentAssets, attributes: Readonly<Record<string, string>>): Buffer {
  const isAsync = Object.hasOwn(attributes, 'async');
  let before = assets.styles.map((uri) => (isAsync ? `<script>${PIPE}.loadCSS("${uri}")</script>` : `<link rel="stylesheet" href="${uri}">`)).join('');
  let after: string;
  if (assets.scripts.length === 0) {
    before += `<script data-pipe>${PIPE}.start(${index})</script>`;
    after = `<script data-pipe>${PIPE}.end(${index})</script>`;
  } else {
    const range: [number, number] = [index, index + assets.scripts.length - 1];
    const json = pipeAttributes(attributes, range);
    before += assets.scripts.map((uri, i) => `<script data-pipe>${PIPE}.start(${index + i}, "${uri}", ${json})</script>`).join('');
    after = [...assets.scripts].reverse().map((uri, i) => `<script data-pipe>${PIPE}.end(${range[1] - i}, "${uri}", ${json})</script>`).join('');
  }
  return Buffer.concat([Buffer.from(before), body, Buffer.from(after)]);
}

/**
 * The page's `Link` header: the loader's preload on a page with a fragment, and before it (a
 * primary fragment's page) that fragment's stylesheet and script preloads.
 */
export function preloadHeader(host: string, primary?: FragmentAssets): string {
  const preload = (uri: string, as: string, cors: boolean) => `<${uri}>; rel="preload"; as="${as}"; nopush; ${cors ? crossOrigin(uri, host) : ''}`.trim();
  const links = [preload(AMD_LOADER_URL, 'script', true)];
  for (const uri of primary?.styles ?? []) links.push(preload(uri, 'style', false));
  for (const uri of primary?.scripts ?? []) links.push(preload(uri, 'script', true));
  return links.join(',');
}

/** Where Tailor puts its runtime: before the first `<script` (or `<fragment`, a marker) of the page. */
export function firstScript(chunk: Buffer): number {
  let at = chunk.indexOf('<', 0, 'latin1');
  while (at !== -1) {
    if (/^<script[\s/>]/i.test(chunk.toString('latin1', at, at + 8))) return at;
    at = chunk.indexOf('<', at + 1, 'latin1');
  }
  return -1;
}

/** Where an `async` fragment stands in the page; the fragment itself goes at the end of `<body>`. */
export function asyncPlaceholder(index: number): Buffer {
  return Buffer.from(`<script data-pipe>${PIPE}.placeholder(${index})</script>`);
}
