import type { ResolvedConfig, ResolvedFragment } from '../config/types.js';
import { createFragmentMatcher, type FragmentMatcher } from '../config/fragment-match.js';
import { createIncludePolicy, type IncludePolicy } from '../compose/include-policy.js';

/**
 * Everything the request path derives from one config, computed once per (re)load and swapped
 * atomically: a request sees one consistent state from start to end.
 */
export interface GatewayState {
  config: ResolvedConfig;
  upstreamOrigin: string;
  matchFragment: FragmentMatcher;
  /** Origins of every configured local service (for CSP and safety checks). */
  localOrigins: string[];
  /** Origins of the absolute `assets` prefixes of fragments with a local service (for CSP: the gateway serves them in local mode). */
  assetOrigins: string[];
  /** Fragments that have a selector (pre-composed pages). */
  selectorFragments: ResolvedFragment[];
  /** Where includes may be fetched from: upstream, local services, `includeHosts`. */
  includePolicy: IncludePolicy;
  /**
   * The gateway serves https (fixed when it starts listening; a config edit of `https` needs a
   * restart): its origin is `https://…`, and production's cookies keep `Secure`/`SameSite=None`.
   */
  secure: boolean;
}

export function createGatewayState(config: ResolvedConfig, options: { secure: boolean }): GatewayState {
  const fragments = [...config.fragments.values()];
  const upstreamOrigin = new URL(config.upstream).origin;
  const localOrigins = [...new Set(fragments.flatMap((f) => (f.local ? [new URL(f.local).origin] : [])))];
  return {
    config,
    secure: options.secure,
    upstreamOrigin,
    matchFragment: createFragmentMatcher(config),
    localOrigins,
    assetOrigins: [...new Set(fragments.flatMap((f) => (f.local ? f.assets.filter((a) => /^https?:\/\//i.test(a)).map((a) => new URL(a).origin) : [])))],
    selectorFragments: fragments.filter((f) => f.selector),
    includePolicy: createIncludePolicy({ upstreamOrigin, localOrigins, includeHosts: config.includeHosts, previewTemplates: fragments.flatMap((f) => (f.previews ? [f.previews] : [])) }),
  };
}
