/**
 * What the dev page, its state API, `mfe-dev presets` and the config-reload lines show of a
 * preset's header and cookie values: nothing. They are often credentials (`authorization:
 * Bearer …`, a session cookie), and any script on a proxied production page can read the state
 * API. Names stay visible.
 */
export const MASKED_VALUE = '(hidden)';

export function maskValues(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(values).map((name) => [name, MASKED_VALUE]));
}
