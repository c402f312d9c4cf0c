/** Per-request overrides: which mode each fragment is in, and what active presets add. */
export {
  MODES_HEADER,
  MODES_PARAM,
  OVERRIDE_HEADERS,
  OVERRIDE_PARAMS,
  PRESETS_HEADER,
  PRESETS_PARAM,
  decodeAsciiEscapes,
  isFragmentMode,
  parseModePairs,
  parsePresetNames,
  splitOverrideQuery,
} from './parse-selection.js';
export type { ModePair, ParsedModes, ParsedPresetNames, SplitQuery } from './parse-selection.js';
export { resolveSelection, upstreamCookies } from './resolve-selection.js';
export type { ModeSource, Selection, SelectionRequest } from './resolve-selection.js';
export { shareLink } from './share-link.js';
export type { ShareableSelection } from './share-link.js';
