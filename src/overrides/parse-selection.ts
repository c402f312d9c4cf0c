/**
 * The syntax of a request's overrides (contract, "Modes and how a request picks them"):
 *
 * - `mfe-dev`: `NAME=MODE` pairs separated by `|` (`,` also accepted), e.g. `header=local|footer=prod`;
 * - `mfe-dev-preset`: preset names separated by `,`, e.g. `checkout,new-nav`.
 *
 * Parsing never throws. Anything it cannot use becomes a problem, a sentence written for the
 * developer, and is left out. A request chooses modes, never a URL: a target-looking value in a
 * mode position is refused with a message that says so.
 */
import { FRAGMENT_MODES, PREVIEW_ID, type FragmentMode } from '../config/types.js';

/** Query parameter and cookie holding `NAME=MODE` pairs. */
export const MODES_PARAM = 'mfe-dev';
/** Query parameter and cookie holding preset names. */
export const PRESETS_PARAM = 'mfe-dev-preset';
/** Request header holding `NAME=MODE` pairs. */
export const MODES_HEADER = 'x-mfe-dev';
/** Request header holding preset names. */
export const PRESETS_HEADER = 'x-mfe-dev-preset';
/** The request headers that carry overrides: the gateway's, not production's. */
export const OVERRIDE_HEADERS: readonly string[] = [MODES_HEADER, PRESETS_HEADER];
/** The query parameters (and cookies) that carry overrides. */
export const OVERRIDE_PARAMS: readonly string[] = [MODES_PARAM, PRESETS_PARAM];

/** One `NAME=MODE` pair as written (the fragment name is not checked against the config here). */
export interface ModePair {
  name: string;
  mode: FragmentMode;
}

export interface ParsedModes {
  /** Usable pairs in the order written (a name written twice appears twice; the later wins). */
  pairs: ModePair[];
  /** What was ignored and why, one sentence each. */
  problems: string[];
}

export interface ParsedPresetNames {
  /** Preset names in the order written (not checked against the config here). */
  names: string[];
  problems: string[];
}

const MODE_LIST = FRAGMENT_MODES.join(', ');
const MODES_HINT = `a request can choose a mode (${MODE_LIST}), never a URL; targets come from the config`;
const PREVIEW_PREFIX = /^preview:/i;

/**
 * Parses an `mfe-dev` value. `where` names the source in problems, e.g.
 * `the mfe-dev query parameter`, `the x-mfe-dev header`, `the mfe-dev cookie`.
 *
 * Percent-escapes of ASCII characters left in the value (`%7C`, `%3D`) are decoded first, so a
 * value decoded once or not at all parses the same. Modes are case-insensitive, names are not.
 */
export function parseModePairs(value: string, where = `the ${MODES_PARAM} query parameter`): ParsedModes {
  const pairs: ModePair[] = [];
  const problems: string[] = [];
  for (const raw of decodeAsciiEscapes(value).split(/[|,]/)) {
    const item = raw.trim();
    if (item === '') continue;
    const ignored = `ignored ${quote(item)} in ${where}`;
    const eq = item.indexOf('=');
    if (eq === -1) {
      problems.push(
        nameLooksLikeTarget(item)
          ? `${ignored}: ${MODES_HINT}`
          : `${ignored}: expected NAME=MODE, e.g. ${quote(`${item}=local`)}`,
      );
      continue;
    }
    const name = item.slice(0, eq).trim();
    const modeText = item.slice(eq + 1).trim();
    if (PREVIEW_PREFIX.test(modeText) && name !== '' && !nameLooksLikeTarget(name)) {
      // `preview:ID`: the id names a branch build; the URL comes from the fragment's `previews`.
      const id = modeText.slice('preview:'.length);
      if (PREVIEW_ID.test(id)) pairs.push({ name, mode: `preview:${id}` });
      else problems.push(`${ignored}: a preview id is lower-case letters, digits and - (at most 40, not starting with -), e.g. 'preview:482'; ${MODES_HINT}`);
      continue;
    }
    if (modeLooksLikeTarget(modeText) || nameLooksLikeTarget(name)) {
      problems.push(`${ignored}: ${MODES_HINT}`);
    } else if (name === '') {
      problems.push(`${ignored}: the fragment name is missing; expected NAME=MODE, e.g. 'header=local'`);
    } else if (modeText === '') {
      problems.push(`${ignored}: the mode is missing; use one of ${MODE_LIST}`);
    } else {
      const mode = modeText.toLowerCase();
      if (isFragmentMode(mode)) pairs.push({ name, mode });
      else problems.push(`${ignored}: unknown mode ${quote(modeText)}; use one of ${MODE_LIST}`);
    }
  }
  return { pairs, problems };
}

/**
 * Parses an `mfe-dev-preset` value: names separated by `,` (`|` also accepted), trimmed, empty
 * items skipped. A `NAME=MODE` pair here is refused with a hint to move it to `mfe-dev`.
 */
export function parsePresetNames(value: string, where = `the ${PRESETS_PARAM} query parameter`): ParsedPresetNames {
  const names: string[] = [];
  const problems: string[] = [];
  for (const raw of decodeAsciiEscapes(value).split(/[|,]/)) {
    const item = raw.trim();
    if (item === '') continue;
    if (nameLooksLikeTarget(item)) {
      problems.push(`ignored ${quote(item)} in ${where}: a request can choose presets by name, never a URL; targets come from the config`);
    } else if (item.includes('=')) {
      problems.push(`ignored ${quote(item)} in ${where}: it holds preset names; put NAME=MODE pairs in ${MODES_PARAM}`);
    } else {
      names.push(item);
    }
  }
  return { names, problems };
}

export function isFragmentMode(value: string): value is FragmentMode {
  if (value.startsWith('preview:')) return PREVIEW_ID.test(value.slice('preview:'.length));
  return (FRAGMENT_MODES as readonly string[]).includes(value);
}

/** A request URL split around its override parameters. */
export interface SplitQuery {
  /** The URL without `mfe-dev` / `mfe-dev-preset`; other items byte-exact, in order; no lone `?`. */
  url: string;
  /** Decoded `mfe-dev` value (several occurrences joined with `|`); undefined when absent. */
  modes: string | undefined;
  /** Decoded `mfe-dev-preset` value (several occurrences joined with `,`); undefined when absent. */
  presets: string | undefined;
}

/**
 * Removes the override parameters from a request URL (path+query, or an absolute URL) without
 * re-encoding anything else: the raw query is split on `&`, items whose decoded name is an
 * override parameter are dropped, the rest joined unchanged. A URL without override parameters
 * is returned exactly as given.
 */
export function splitOverrideQuery(url: string): SplitQuery {
  const hashAt = url.indexOf('#');
  const beforeHash = hashAt === -1 ? url : url.slice(0, hashAt);
  const hash = hashAt === -1 ? '' : url.slice(hashAt);
  const queryAt = beforeHash.indexOf('?');
  if (queryAt === -1) return { url, modes: undefined, presets: undefined };

  const modes: string[] = [];
  const presets: string[] = [];
  const kept: string[] = [];
  for (const item of beforeHash.slice(queryAt + 1).split('&')) {
    const eq = item.indexOf('=');
    const name = decodeQueryComponent(eq === -1 ? item : item.slice(0, eq));
    const value = eq === -1 ? '' : decodeQueryComponent(item.slice(eq + 1));
    if (name === MODES_PARAM) modes.push(value);
    else if (name === PRESETS_PARAM) presets.push(value);
    else kept.push(item);
  }
  if (modes.length === 0 && presets.length === 0) return { url, modes: undefined, presets: undefined };

  const query = kept.join('&');
  const onlySeparators = /^&*$/.test(query);
  return {
    url: beforeHash.slice(0, queryAt) + (onlySeparators ? '' : `?${query}`) + hash,
    modes: modes.length === 0 ? undefined : joinValues(modes, '|'),
    presets: presets.length === 0 ? undefined : joinValues(presets, ','),
  };
}

/** Several occurrences of a parameter add up; all empty means "clear". */
function joinValues(values: string[], separator: string): string {
  return values.filter((value) => value.trim() !== '').join(separator);
}

/** `application/x-www-form-urlencoded` decoding (`+` is a space) that never throws. */
function decodeQueryComponent(text: string): string {
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return decodeAsciiEscapes(spaced);
  }
}

/** Decodes `%XX` escapes of ASCII characters (`%7C` → `|`), leaves everything else as is. */
export function decodeAsciiEscapes(text: string): string {
  if (!text.includes('%')) return text;
  return text.replace(/%([0-7][0-9a-fA-F])/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * Whether a mode looks like a place rather than a word: a scheme, `//`, a path, a host with a
 * port or dots, user info. (It would be refused anyway; this picks the message.)
 */
function modeLooksLikeTarget(text: string): boolean {
  return /[/\\:@.]/.test(text);
}

/** Like {@link modeLooksLikeTarget} for names, which may contain dots (`nav.v2`). */
function nameLooksLikeTarget(text: string): boolean {
  return /[/\\:@]/.test(text);
}

/** Quotes a value for a message: control characters made visible, long values shortened. */
function quote(text: string): string {
  // eslint-disable-next-line no-control-regex
  const visible = text.replace(/[\u0000-\u001f\u007f]/g, '\uFFFD');
  return `'${visible.length > 120 ? `${visible.slice(0, 117)}...` : visible}'`;
}
