import type { FragmentMode, ResolvedConfig } from '../config/types.js';
import { LOCAL_ASSET_ROUTE } from '../http/routes.js';

/**
 * Requests for a local client-side fragment's own files go to the developer's service:
 * - `/__mfe-dev/local/NAME/PATH` (absolute asset URLs rewritten in the page) → LOCAL + `/PATH`;
 * - a path under one of a `local` fragment's path prefixes (`/assets/header/…`) → LOCAL + path.
 * Targets come from the config only: a name that is not configured, or has no `local`, is not
 * routed (the first form answers 404, the second goes to production as usual).
 */
export interface LocalAssetTarget {
  fragment: string;
  origin: string;
  path: string;
}

export function findLocalAssetTarget(
  config: ResolvedConfig,
  modes: ReadonlyMap<string, FragmentMode>,
  url: string,
): LocalAssetTarget | 'not-found' | undefined {
  if (url.startsWith(LOCAL_ASSET_ROUTE)) {
    const rest = url.slice(LOCAL_ASSET_ROUTE.length);
    const slash = rest.indexOf('/');
    const name = safeDecode(slash === -1 ? rest : rest.slice(0, slash));
    const fragment = name === undefined ? undefined : config.fragments.get(name);
    if (!fragment?.local) return 'not-found';
    return target(fragment.name, fragment.local, slash === -1 ? '/' : rest.slice(slash), false);
  }
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
