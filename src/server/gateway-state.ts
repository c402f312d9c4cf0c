import type { ResolvedConfig, ResolvedFragment } from '../config/types.js';
import { createFragmentMatcher, type FragmentMatcher } from '../compose/fragment-match.js';

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
  /** Fragments that have a selector (pre-composed pages). */
  selectorFragments: ResolvedFragment[];
  /**
   * The gateway serves https (fixed when it starts listening; a config edit of `https` needs a
   * restart): its origin is `https://…`, and production's cookies keep `Secure`/`SameSite=None`.
   */
  secure: boolean;
}

export function createGatewayState(config: ResolvedConfig, options: { secure: boolean }): GatewayState {
  const fragments = [...config.fragments.values()];
  return {
    config,
    secure: options.secure,
    upstreamOrigin: new URL(config.upstream).origin,
    matchFragment: createFragmentMatcher(config),
    localOrigins: [...new Set(fragments.flatMap((f) => (f.local ? [new URL(f.local).origin] : [])))],
    selectorFragments: fragments.filter((f) => f.selector),
  };
}
