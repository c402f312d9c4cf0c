import { previewIdOf, type FragmentMode, type ResolvedConfig, type ResolvedFragment } from '../config/types.js';
import { LOCAL_ASSET_ROUTE, PREVIEW_ASSET_ROUTE } from '../http/routes.js';
import type { Marker } from '../html/scan-page.js';

/**
 * Client-side fragments: the scripts, styles and modules a fragment loads in the browser. In
 * `local` mode, an absolute URL under one of the fragment's `assets` prefixes (a CDN, say) is
 * rewritten to a gateway path that reaches the local service:
 *
 *   https://cdn.example.com/header/app.js  →  /__mfe-dev/local/header/header/app.js
 *                                             (proxied to LOCAL + /header/app.js)
 *
 * A fragment shown from a preview (`preview:482`) gets the same for its branch build:
 *
 *   https://cdn.example.com/header/app.js  →  /__mfe-dev/preview/header/482/header/app.js
 *                                             (proxied to the `previews` URL for 482 + /header/app.js)
 *
 * Prefixes that are paths on the site (`/assets/header/`) need no rewriting: the browser already
 * asks the gateway, which routes them (overrides/local-asset-target.ts). Only the prefix of a matching value changes; the rest of
 * the attribute (entities, query, fragment) stays as production wrote it. The local service's
 * files themselves are proxied by proxy/local-asset-proxy.ts.
 */

export interface AssetRewriter {
  /** Prefixes the scanner must report (absolute and scheme-relative forms). */
  prefixes: string[];
  rewrite(marker: Extract<Marker, { type: 'asset-url' | 'importmap' }>, raw: Buffer): Buffer;
}

interface Rule {
  prefix: string;
  replacement: string;
}

/** The rewriter for one request's modes, or undefined when no local or preview fragment has absolute assets. */
export function createAssetRewriter(config: ResolvedConfig, modes: ReadonlyMap<string, FragmentMode>): AssetRewriter | undefined {
  const rules: Rule[] = [];
  for (const fragment of config.fragments.values()) {
    const mode = modes.get(fragment.name);
    const preview = previewIdOf(mode);
    if (mode === 'local' ? !fragment.local : preview === undefined || !fragment.previews) continue;
    for (const asset of fragment.assets) {
      if (!/^https?:\/\//i.test(asset)) continue;
      const replacement = gatewayPathFor(fragment, asset, preview);
      rules.push({ prefix: asset, replacement });
      rules.push({ prefix: asset.replace(/^https?:/i, ''), replacement });
    }
  }
  if (rules.length === 0) return undefined;
  // Longest prefix first, so a more specific asset prefix wins.
  rules.sort((a, b) => b.prefix.length - a.prefix.length);
  return {
    prefixes: rules.map((r) => r.prefix),
    rewrite(marker, raw) {
      const text = raw.toString('latin1');
      const out =
        marker.type === 'importmap'
          ? rewriteJsonStrings(text, rules)
          : marker.attribute === 'srcset'
            ? rewriteSrcset(text, rules)
            : rewriteStart(text, rules);
      return out === text ? raw : Buffer.from(out, 'latin1');
    },
  };
}

/**
 * `/__mfe-dev/local/NAME` + the asset URL's path: what the gateway serves from the local service;
 * `/__mfe-dev/preview/NAME/ID` + the path for the preview `ID` (a validated id).
 */
export function gatewayPathFor(fragment: ResolvedFragment, assetPrefix: string, previewId?: string): string {
  const path = new URL(assetPrefix).pathname;
  const name = encodeURIComponent(fragment.name);
  return previewId === undefined ? `${LOCAL_ASSET_ROUTE}${name}${path}` : `${PREVIEW_ASSET_ROUTE}${name}/${previewId}${path}`;
}

function rewriteStart(value: string, rules: readonly Rule[]): string {
  const leading = value.match(/^\s*/)![0];
  const rest = value.slice(leading.length);
  for (const rule of rules) {
    if (rest.toLowerCase().startsWith(rule.prefix.toLowerCase())) return leading + rule.replacement + rest.slice(rule.prefix.length);
  }
  return value;
}

function rewriteSrcset(value: string, rules: readonly Rule[]): string {
  // Candidates are "URL [descriptor]" separated by commas; rewrite each URL's start.
  return value.replace(/(^|,)(\s*)([^\s,]+)/g, (_m, sep: string, space: string, url: string) => sep + space + rewriteStart(url, rules));
}

function rewriteJsonStrings(json: string, rules: readonly Rule[]): string {
  // Only string literals that start with a prefix change; whitespace and order are kept.
  return json.replace(/"((?:[^"\\]|\\.)*)"/g, (literal, inner: string) => {
    const unescaped = inner.replace(/\\\//g, '/');
    const rewritten = rewriteStart(unescaped, rules);
    return rewritten === unescaped ? literal : `"${rewritten}"`;
  });
}
