/**
 * A link that gives a colleague the same selection: `?mfe-dev=header=local%7Cfooter=prod&mfe-dev-preset=checkout`.
 * Opening it sets their `mfe-dev` / `mfe-dev-preset` cookies (contract: a query parameter sets
 * the cookie of the same name), so the choice sticks for their browser too.
 */
import type { FragmentMode } from '../config/types.js';
import { MODES_PARAM, PRESETS_PARAM, isFragmentMode, splitOverrideQuery } from './parse-selection.js';

export interface ShareableSelection {
  modes: Record<string, FragmentMode>;
  presets: string[];
}

/**
 * Builds the link. `base` is the gateway's origin (`http://127.0.0.1:4400`) or a page URL;
 * `path` (resolved against `base`) picks the page. Without `path` the page of `base` is used,
 * which for an origin is `/`. The base's own query parameters are kept (old override
 * parameters replaced), and its `#hash`.
 *
 * Both parameters are always written, an empty one clearing the recipient's cookie, so the link
 * reproduces the selection exactly instead of mixing with what the recipient chose before.
 * Fragments are sorted by name; presets keep their order (a later preset wins). `|` is written
 * as `%7C` so the link survives Markdown, chat and pull-request descriptions.
 */
export function shareLink(base: string, selection: ShareableSelection, path?: string): string {
  const target = path === undefined ? new URL(base) : new URL(path, base);
  const hash = target.hash;
  target.hash = '';
  const stripped = splitOverrideQuery(target.href).url;

  const modes = Object.entries(selection.modes)
    .filter(([, mode]) => isFragmentMode(mode))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, mode]) => `${encodeComponent(name)}=${mode}`)
    .join('%7C');
  const presets = [...selection.presets]
    .reverse() // a repeated preset counts where it is last
    .filter((name, index, all) => all.indexOf(name) === index)
    .reverse()
    .map(encodeComponent)
    .join(',');

  const separator = !stripped.includes('?') ? '?' : /[?&]$/.test(stripped) ? '' : '&';
  return `${stripped}${separator}${MODES_PARAM}=${modes}&${PRESETS_PARAM}=${presets}${hash}`;
}

/** `encodeURIComponent`, plus the characters Markdown autolinkers stop at or eat. */
function encodeComponent(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
