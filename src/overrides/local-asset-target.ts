import type { IncomingHttpHeaders } from 'node:http';
import { previewServiceOf } from '../config/fragment-match.js';
import { PREVIEW_ID, previewIdOf, type FragmentMode, type ResolvedConfig, type ResolvedFragment } from '../config/types.js';
import { LOCAL_ASSET_ROUTE, PREVIEW_ASSET_ROUTE } from '../http/routes.js';
import { fromOtherSite } from './request-origin.js';

/**
 * Requests for a client-side fragment's own files go to the service that serves the fragment
 * for this browser: the developer's (`local`) or a branch build (`preview:ID`):
 * - `/__mfe-dev/local/NAME/PATH` (absolute asset URLs rewritten in the page) → LOCAL + `/PATH`;
 * - `/__mfe-dev/preview/NAME/ID/PATH` (the same for a preview) → the `previews` URL with ID + `/PATH`;
 * - a path under one of the fragment's path prefixes (`/assets/header/…`) → LOCAL (or the
 *   preview this browser chose) + path.
 * Targets come from the config only. Only fragments that are `local` for this browser reach its
 * local service: anything else is not routed (the first form answers 404, the path prefixes go
 * to production as usual). A preview's gateway path names its id (validated as in `preview:ID`,
 * the URL still the config's), so a page keeps loading the build it was composed with. A request
 * from a page on another site (`Origin`, see `fromOtherSite`) reaches neither: the gateway paths
 * are refused (403), the path prefixes go to production.
 */
export interface LocalAssetTarget {
  fragment: string;
  /** `local`, or the preview's `preview:ID`: whose files these are (for messages, and what is inspected). */
  mode: FragmentMode;
  origin: string;
  path: string;
}

/** Why a `/__mfe-dev/local/NAME/` request is not served: the status and the message for the browser. */
export interface LocalAssetRefusal {
  status: 403 | 404;
  message: string;
}

export interface LocalAssetRequest {
  url: string;
  headers: IncomingHttpHeaders;
  /** `http://HOST:PORT` as the browser addressed the gateway. */
  gatewayOrigin: string;
}

export function findLocalAssetTarget(
  config: ResolvedConfig,
  modes: ReadonlyMap<string, FragmentMode>,
  request: LocalAssetRequest,
): LocalAssetTarget | LocalAssetRefusal | undefined {
  const { url } = request;
  const otherSite = fromOtherSite(request.headers, request.gatewayOrigin);
  if (url.startsWith(LOCAL_ASSET_ROUTE)) {
    const { name, rest } = splitName(url.slice(LOCAL_ASSET_ROUTE.length));
    const fragment = name === undefined ? undefined : config.fragments.get(name);
    if (!fragment?.local) return { status: 404, message: 'mfe-dev: no fragment of that name has a local service.\n' };
    if (otherSite) return { status: 403, message: 'mfe-dev: a page on another site may not reach local services through the gateway.\n' };
    if (modes.get(fragment.name) !== 'local') {
      return { status: 404, message: `mfe-dev: fragment '${fragment.name}' is not local for this browser; open a page with ?mfe-dev=${encodeURIComponent(fragment.name)}=local first.\n` };
    }
    return target(fragment.name, 'local', fragment.local, rest, false);
  }
  if (url.startsWith(PREVIEW_ASSET_ROUTE)) {
    const { name, rest: afterName } = splitName(url.slice(PREVIEW_ASSET_ROUTE.length));
    const fragment = name === undefined ? undefined : config.fragments.get(name);
    if (!fragment?.previews) return { status: 404, message: 'mfe-dev: no fragment of that name has a `previews` URL.\n' };
    const { name: id, rest } = splitName(afterName.slice(1));
    if (id === undefined || !PREVIEW_ID.test(id)) {
      return { status: 404, message: `mfe-dev: not a preview id of fragment '${fragment.name}' (lower-case letters, digits and -, at most 40): /__mfe-dev/preview/${encodeURIComponent(fragment.name)}/ID/path.\n` };
    }
    if (otherSite) return { status: 403, message: 'mfe-dev: a page on another site may not reach previews through the gateway.\n' };
    // Dot segments resolved here: the path stays under the template's own path on a shared host.
    const clean = new URL(rest, 'http://gateway.invalid');
    return target(fragment.name, `preview:${id}`, previewServiceOf(fragment, id), clean.pathname + clean.search, false);
  }
  if (otherSite) return undefined;
  const path = url.split('?')[0];
  for (const fragment of config.fragments.values()) {
    const service = serviceFor(fragment, modes.get(fragment.name));
    if (service && fragment.assets.some((prefix) => prefix.startsWith('/') && path.startsWith(prefix))) {
      return target(fragment.name, modes.get(fragment.name)!, service, url, true);
    }
  }
  return undefined;
}

/** The service a fragment's files come from in `mode`: its local service, its preview, or none (production). */
function serviceFor(fragment: ResolvedFragment, mode: FragmentMode | undefined): string | undefined {
  if (mode === 'local') return fragment.local;
  const id = previewIdOf(mode);
  return id !== undefined && fragment.previews !== undefined ? previewServiceOf(fragment, id) : undefined;
}

/** `NAME/rest` → the decoded name and `/rest` (`/` when there is none). */
function splitName(text: string): { name: string | undefined; rest: string } {
  const slash = text.indexOf('/');
  return { name: safeDecode(slash === -1 ? text : text.slice(0, slash)), rest: slash === -1 ? '/' : text.slice(slash) };
}

/**
 * The local URL's path prefixes the asset's path, except when the asset's path already starts
 * with it: a dev server with a `base` (`local: 'http://127.0.0.1:5174/assets/header'`,
 * `assets: ['/assets/header/']`) serves `/assets/header/src/x.js` at that very path.
 */
export function isLocalAssetRefusal(route: LocalAssetTarget | LocalAssetRefusal | undefined): route is LocalAssetRefusal {
  return route !== undefined && 'status' in route;
}

function target(fragment: string, mode: FragmentMode, service: string, path: string, mayHaveBase: boolean): LocalAssetTarget {
  const base = new URL(service);
  const basePath = base.pathname.endsWith('/') ? base.pathname.slice(0, -1) : base.pathname;
  const underBase = mayHaveBase && basePath !== '' && (path === basePath || path.startsWith(`${basePath}/`) || path.startsWith(`${basePath}?`));
  return { fragment, mode, origin: base.origin, path: underBase ? path : basePath + path };
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
