import type { IncomingHttpHeaders } from 'node:http';
import type { FragmentMode, ResolvedConfig } from '../config/types.js';
import { LOCAL_ASSET_ROUTE } from '../http/routes.js';
import { fromOtherSite } from './request-origin.js';

/**
 * Requests for a local client-side fragment's own files go to the developer's service:
 * - `/__mfe-dev/local/NAME/PATH` (absolute asset URLs rewritten in the page) → LOCAL + `/PATH`;
 * - a path under one of a `local` fragment's path prefixes (`/assets/header/…`) → LOCAL + path.
 * Targets come from the config only, and only fragments that are `local` for this browser are
 * routed: anything else is not (the first form answers 404, the second goes to production as
 * usual). A request from a page on another site (`Origin`, see `fromOtherSite`) never reaches a
 * local service: the first form is refused (403), the second goes to production.
 */
export interface LocalAssetTarget {
  fragment: string;
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
    const rest = url.slice(LOCAL_ASSET_ROUTE.length);
    const slash = rest.indexOf('/');
    const name = safeDecode(slash === -1 ? rest : rest.slice(0, slash));
    const fragment = name === undefined ? undefined : config.fragments.get(name);
    if (!fragment?.local) return { status: 404, message: 'mfe-dev: no fragment of that name has a local service.\n' };
    if (otherSite) return { status: 403, message: 'mfe-dev: a page on another site may not reach local services through the gateway.\n' };
    if (modes.get(fragment.name) !== 'local') {
      return { status: 404, message: `mfe-dev: fragment '${fragment.name}' is not local for this browser; open a page with ?mfe-dev=${encodeURIComponent(fragment.name)}=local first.\n` };
    }
    return target(fragment.name, fragment.local, slash === -1 ? '/' : rest.slice(slash), false);
  }
  if (otherSite) return undefined;
  const path = url.split('?')[0];
  for (const fragment of config.fragments.values()) {
    if (!fragment.local || modes.get(fragment.name) !== 'local') continue;
    if (fragment.assets.some((prefix) => prefix.startsWith('/') && path.startsWith(prefix))) {
      return target(fragment.name, fragment.local, url, true);
    }
  }
  return undefined;
}

/**
 * The local URL's path prefixes the asset's path, except when the asset's path already starts
 * with it: a dev server with a `base` (`local: 'http://127.0.0.1:5174/assets/header'`,
 * `assets: ['/assets/header/']`) serves `/assets/header/src/x.js` at that very path.
 */
export function isLocalAssetRefusal(route: LocalAssetTarget | LocalAssetRefusal | undefined): route is LocalAssetRefusal {
  return route !== undefined && 'status' in route;
}

function target(fragment: string, local: string, path: string, mayHaveBase: boolean): LocalAssetTarget {
  const base = new URL(local);
  const basePath = base.pathname.endsWith('/') ? base.pathname.slice(0, -1) : base.pathname;
  const underBase = mayHaveBase && basePath !== '' && (path === basePath || path.startsWith(`${basePath}/`) || path.startsWith(`${basePath}?`));
  return { fragment, origin: base.origin, path: underBase ? path : basePath + path };
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
