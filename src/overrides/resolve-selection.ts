/**
 * Which mode each fragment is in for one request, and what the request's presets add
 * (contract, "Modes and how a request picks them").
 *
 * Sources, strongest first: query (`mfe-dev`, `mfe-dev-preset`), headers (`x-mfe-dev`,
 * `x-mfe-dev-preset`), cookies (`mfe-dev`, `mfe-dev-preset`), the command line, the config
 * file. Precedence is per fragment. Within one source explicit pairs beat that source's presets,
 * and of several presets the later wins. Everything a request names that cannot be used is
 * ignored with a warning; nothing here throws.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { parse as parseCookieHeader, serialize as serializeSetCookie } from 'cookie';
import { previewIdOf, type FragmentMode, type ModeLayer, type ResolvedConfig, type ResolvedFragment, type ResolvedPreset } from '../config/types.js';
import { closest } from '../config/suggest.js';
import { escapeControlChars } from '../http/control-chars.js';
import {
  MODES_HEADER,
  MODES_PARAM,
  PRESETS_HEADER,
  PRESETS_PARAM,
  parseModePairs,
  parsePresetNames,
  splitOverrideQuery,
  type ModePair,
} from './parse-selection.js';

export interface SelectionRequest {
  /** Path and query as received (`req.url`). */
  url: string;
  headers: IncomingHttpHeaders;
}

/** Where a fragment's mode came from, strongest first; `default` means nothing chose it. */
export type ModeSource = 'query' | 'header' | 'cookie' | 'cli' | 'config' | 'default';

export interface Selection {
  /** Mode of every configured fragment for this request. */
  modes: Map<string, FragmentMode>;
  /** Where each fragment's mode came from, for the dev page. */
  sources: Map<string, ModeSource>;
  /**
   * This browser's own explicit `NAME=MODE` choices, the ones its `mfe-dev` cookie keeps (as this
   * request set or left them): a link that changes one fragment keeps the others.
   */
  browserPairs: Map<string, FragmentMode>;
  /** Active presets in the order they apply (weakest source first; later wins). */
  presets: ResolvedPreset[];
  /** Headers (names lower-cased) to add to the upstream request and every fragment request. */
  headers: Record<string, string>;
  /** Cookies to merge into the Cookie header of upstream and fragment requests. */
  cookies: Record<string, string>;
  /** Problems with this request's overrides: unknown names, malformed pairs, URLs, local without URL. */
  warnings: string[];
  /** Set-Cookie values to send back because the query set or cleared `mfe-dev` / `mfe-dev-preset`. */
  setCookies: string[];
  /** The request URL without `mfe-dev` and `mfe-dev-preset`; everything else byte-exact. */
  upstreamUrl: string;
  /** The request's Cookie header without the mfe-dev cookies, preset cookies merged in; undefined when empty. */
  upstreamCookieHeader: string | undefined;
}

/** What one source says: its explicit pairs (later wins) and its presets in order. */
interface Layer {
  source: Exclude<ModeSource, 'default'>;
  explicit: Map<string, FragmentMode>;
  presets: ResolvedPreset[];
}

/** Raw values of one request-borne source; undefined when that source does not say anything. */
interface RawSource {
  modes: string | undefined;
  presets: string | undefined;
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const COOKIE_VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;

/**
 * What a request that says nothing gets (no override query parameter, header or cookie): the
 * command line's and config's choices, the same for every such request while the config lasts
 * (most requests of a page load say nothing), so they are worked out once per config. Shared
 * between requests: never changed.
 */
const configChoices = new WeakMap<ResolvedConfig, { selection: Selection; cookies: ReadonlyMap<string, string> }>();

export function resolveSelection(config: ResolvedConfig, request: SelectionRequest): Selection {
  const url = typeof request.url === 'string' ? request.url : '/';
  const cookieHeader = headerValue(request.headers, 'cookie', '; ');
  const saysNothing =
    request.headers[MODES_HEADER] === undefined &&
    request.headers[PRESETS_HEADER] === undefined &&
    !cookieHeader?.includes(MODES_PARAM) &&
    !mayNameOverride(url);
  if (!saysNothing) return resolveSelectionFully(config, request);
  let choices = configChoices.get(config);
  if (!choices) {
    const selection = resolveSelectionFully(config, { url: '/', headers: {} });
    choices = { selection, cookies: new Map(Object.entries(selection.cookies)) };
    configChoices.set(config, choices);
  }
  return {
    ...choices.selection,
    browserPairs: new Map(),
    setCookies: [],
    upstreamUrl: url,
    // No preset cookie and no cookie of mfe-dev's: the header as it came (upstreamCookies' answer).
    upstreamCookieHeader: choices.cookies.size > 0 ? upstreamCookies(cookieHeader, choices.cookies) : cookieHeader?.trim() ? cookieHeader : undefined,
  };
}

/** Whether the query of `url` may have `mfe-dev` or `mfe-dev-preset` (names may be percent-encoded). */
function mayNameOverride(url: string): boolean {
  const queryAt = url.indexOf('?');
  return queryAt !== -1 && (url.includes(MODES_PARAM, queryAt) || url.includes('%', queryAt));
}

/** Every source worked out (resolveSelection takes a shortcut for requests that say nothing). */
export function resolveSelectionFully(config: ResolvedConfig, request: SelectionRequest): Selection {
  const warnings: string[] = [];
  // Warnings quote the request's values: control characters (even a line break) become visible escapes.
  const warn = (text: string) => {
    const line = escapeControlChars(text);
    if (!warnings.includes(line)) warnings.push(line);
  };

  // Query: strip the override parameters; they also set (or clear) the cookies of the same name.
  const query = splitOverrideQuery(typeof request.url === 'string' ? request.url : '/');
  const setCookies: string[] = [];
  for (const [name, value] of [
    [MODES_PARAM, query.modes],
    [PRESETS_PARAM, query.presets],
  ] as const) {
    if (value === undefined) continue;
    setCookies.push(
      value === ''
        ? serializeSetCookie(name, '', { maxAge: 0, path: '/' })
        : serializeSetCookie(name, value, { path: '/', sameSite: 'lax' }),
    );
  }

  // Cookies: a cookie the query just set or cleared is replaced by the query's value this very
  // request (the query layer already carries it, so the cookie layer leaves it out).
  const cookieHeader = headerValue(request.headers, 'cookie', '; ');
  const browserCookies = cookieHeader === undefined ? {} : parseCookieHeader(cookieHeader);
  const cookieSource: RawSource = {
    modes: query.modes === undefined ? browserCookies[MODES_PARAM] : undefined,
    presets: query.presets === undefined ? browserCookies[PRESETS_PARAM] : undefined,
  };

  const layers: Layer[] = [
    requestLayer(config, 'query', query, warn),
    requestLayer(
      config,
      'header',
      { modes: headerValue(request.headers, MODES_HEADER, '|'), presets: headerValue(request.headers, PRESETS_HEADER, ',') },
      warn,
    ),
    requestLayer(config, 'cookie', cookieSource, warn),
    configLayer(config, 'cli', config.modes.cli, warn),
    configLayer(config, 'config', config.modes.config, warn),
  ];

  // Modes, per fragment: the strongest source that says anything about it wins.
  const modes = new Map<string, FragmentMode>();
  const sources = new Map<string, ModeSource>();
  for (const fragment of config.fragments.values()) {
    let mode: FragmentMode = 'prod';
    let source: ModeSource = 'default';
    for (const layer of layers) {
      const chosen = modeInLayer(layer, fragment.name);
      if (chosen !== undefined) {
        mode = chosen;
        source = layer.source;
        break;
      }
    }
    if (previewIdOf(mode) !== undefined ? fragment.previews === undefined : mode !== 'prod' && fragment.local === undefined) {
      warn(noTargetFor(fragment, mode));
      mode = 'prod';
      source = 'default';
    }
    modes.set(fragment.name, mode);
    sources.set(fragment.name, source);
  }
  for (const layer of layers) {
    for (const preset of layer.presets) checkPresetFragments(config, preset, warn);
  }

  // Presets: weakest source first, so a stronger source's headers and cookies win; a preset
  // active in several sources counts where it is strongest.
  const presets = dedupeKeepLast(layers.slice().reverse().flatMap((layer) => layer.presets));
  const headers = new Map<string, string>();
  const cookies = new Map<string, string>();
  for (const preset of presets) {
    for (const [name, value] of Object.entries(preset.headers ?? {})) {
      if (!HEADER_NAME.test(name) || typeof value !== 'string' || /[\r\n\0]/.test(value)) {
        warn(`preset '${preset.name}' in ${describeFile(preset.from)}: header '${name}' is not a valid HTTP header; it is not sent`);
        continue;
      }
      headers.set(name.toLowerCase(), value);
    }
    for (const [name, value] of Object.entries(preset.cookies ?? {})) {
      if (!HEADER_NAME.test(name) || typeof value !== 'string') {
        warn(`preset '${preset.name}' in ${describeFile(preset.from)}: cookie '${name}' is not a valid cookie name; it is not sent`);
        continue;
      }
      cookies.set(name, value);
    }
  }

  return {
    modes,
    sources,
    browserPairs: new Map((query.modes !== undefined ? layers[0] : layers[2]).explicit),
    presets,
    headers: Object.fromEntries(headers),
    cookies: Object.fromEntries(cookies),
    warnings,
    setCookies,
    upstreamUrl: query.url,
    upstreamCookieHeader: upstreamCookies(cookieHeader, cookies),
  };
}

/** A layer from the query, a header or a cookie: parse, then keep what names the config knows. */
function requestLayer(
  config: ResolvedConfig,
  source: 'query' | 'header' | 'cookie',
  raw: RawSource,
  warn: (line: string) => void,
): Layer {
  const where = {
    query: [`the ${MODES_PARAM} query parameter`, `the ${PRESETS_PARAM} query parameter`],
    header: [`the ${MODES_HEADER} header`, `the ${PRESETS_HEADER} header`],
    cookie: [`the ${MODES_PARAM} cookie`, `the ${PRESETS_PARAM} cookie`],
  }[source];
  let pairs: ModePair[] = [];
  let presetNames: string[] = [];
  if (raw.modes !== undefined) {
    const parsed = parseModePairs(raw.modes, where[0]);
    parsed.problems.forEach(warn);
    pairs = parsed.pairs;
  }
  if (raw.presets !== undefined) {
    const parsed = parsePresetNames(raw.presets, where[1]);
    parsed.problems.forEach(warn);
    presetNames = parsed.names;
  }
  return buildLayer(config, source, pairs, presetNames, where[0], where[1], warn);
}

/** A layer from the command line or the config file. */
function configLayer(
  config: ResolvedConfig,
  source: 'cli' | 'config',
  layer: ModeLayer | undefined,
  warn: (line: string) => void,
): Layer {
  const where = source === 'cli' ? 'the command line' : `the config (${config.configFile ?? 'inline'})`;
  return buildLayer(config, source, layerPairs(layer), layer?.presets ?? [], where, where, warn);
}

function buildLayer(
  config: ResolvedConfig,
  source: Layer['source'],
  pairs: ModePair[],
  presetNames: string[],
  pairsWhere: string,
  presetsWhere: string,
  warn: (line: string) => void,
): Layer {
  const explicit = new Map<string, FragmentMode>();
  for (const { name, mode } of pairs) {
    if (config.fragments.has(name)) explicit.set(name, mode);
    else warn(`ignored unknown fragment '${name}' in ${pairsWhere}${meant(name, config.fragments)}; ${known('fragments', config.fragments)}`);
  }
  const presets: ResolvedPreset[] = [];
  for (const name of presetNames) {
    const preset = config.presets.get(name);
    if (preset) presets.push(preset);
    else warn(`ignored unknown preset '${name}' in ${presetsWhere}${meant(name, config.presets)}; ${known('presets', config.presets)}`);
  }
  return { source, explicit, presets };
}

/**
 * The explicit modes of a config-side layer or a preset. A name listed under several modes:
 * applied prod, then shadow, then local, so the mode that asks for more wins.
 */
function layerPairs(layer: (Partial<Pick<ModeLayer, 'prod' | 'local' | 'shadow'>> & { preview?: Record<string, string> }) | undefined): ModePair[] {
  const pairs: ModePair[] = [];
  for (const mode of ['prod', 'shadow'] as const) {
    for (const name of layer?.[mode] ?? []) pairs.push({ name, mode });
  }
  // A preset's previews (validated ids) rank with `local`: they, too, ask for another target.
  for (const [name, id] of Object.entries(layer?.preview ?? {})) pairs.push({ name, mode: `preview:${id}` });
  for (const name of layer?.local ?? []) pairs.push({ name, mode: 'local' });
  return pairs;
}

function modeInLayer(layer: Layer, fragment: string): FragmentMode | undefined {
  const explicit = layer.explicit.get(fragment);
  if (explicit !== undefined) return explicit;
  let mode: FragmentMode | undefined;
  for (const preset of layer.presets) {
    for (const pair of layerPairs(preset)) if (pair.name === fragment) mode = pair.mode;
  }
  return mode;
}

function checkPresetFragments(config: ResolvedConfig, preset: ResolvedPreset, warn: (line: string) => void): void {
  for (const { name } of layerPairs(preset)) {
    if (!config.fragments.has(name)) {
      warn(`preset '${preset.name}' in ${describeFile(preset.from)} names unknown fragment '${name}'; it is ignored. ${known('fragments', config.fragments)}`);
    }
  }
}

function noTargetFor(fragment: ResolvedFragment, mode: FragmentMode): string {
  const file = describeFile(fragment.from);
  const name = fragment.name;
  if (previewIdOf(mode) !== undefined) {
    return `fragment '${name}' has no \`previews\` URL in ${file}, which ${mode} needs; it stays prod. Add fragments.${name}.previews (a URL with {id}) to the config.`;
  }
  return mode === 'local'
    ? `fragment '${name}' has no \`local\` URL in ${file}; it stays prod. Add fragments.${name}.local to the config.`
    : `fragment '${name}' has no \`local\` URL in ${file}, which ${mode} mode needs; it stays prod. Add fragments.${name}.local to the config.`;
}

function describeFile(from: ResolvedFragment['from'] | undefined): string {
  if (!from) return 'the config';
  return from.package ? `${from.file} (package ${from.package})` : from.file;
}

/** ` (did you mean 'header'?)` for a near miss, as the command line says it for flags. */
function meant(name: string, names: Map<string, unknown>): string {
  const suggestion = closest(name, names.keys());
  return suggestion === undefined ? '' : ` (did you mean '${suggestion}'?)`;
}

function known(what: 'fragments' | 'presets', names: Map<string, unknown>): string {
  if (names.size === 0) return `no ${what} are configured`;
  return `configured ${what}: ${[...names.keys()].join(', ')}`;
}

function dedupeKeepLast(presets: ResolvedPreset[]): ResolvedPreset[] {
  const kept: ResolvedPreset[] = [];
  presets.forEach((preset, index) => {
    if (!presets.slice(index + 1).some((later) => later.name === preset.name)) kept.push(preset);
  });
  return kept;
}

/** A header's value as one string: repeated headers joined with `separator`. */
function headerValue(headers: IncomingHttpHeaders, name: string, separator: string): string | undefined {
  const value = headers?.[name];
  if (Array.isArray(value)) return value.join(separator);
  return typeof value === 'string' ? value : undefined;
}

/**
 * The Cookie header for upstream and fragment requests: the browser's cookies in their order
 * and spelling, minus `mfe-dev` / `mfe-dev-preset` and any cookie a preset replaces, then the
 * preset cookies. Untouched when there is nothing to change.
 */
export function upstreamCookies(header: string | undefined, presetCookies: ReadonlyMap<string, string> = new Map()): string | undefined {
  const parts: string[] = [];
  let changed = presetCookies.size > 0;
  for (const piece of (header ?? '').split(';')) {
    const part = piece.trim();
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).trim();
    if (name === MODES_PARAM || name === PRESETS_PARAM || presetCookies.has(name)) changed = true;
    else parts.push(part);
  }
  if (!changed) return header === undefined || header.trim() === '' ? undefined : header;
  for (const [name, value] of presetCookies) {
    parts.push(`${name}=${COOKIE_VALUE.test(value) ? value : encodeURIComponent(value)}`);
  }
  return parts.length === 0 ? undefined : parts.join('; ');
}
