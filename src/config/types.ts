import type { LogLevel, LogSink } from '../logger.js';
/**
 * The shape of `mfe-dev.config.ts` (what users write) and of the resolved config (what the
 * gateway runs on). The user-facing types carry the documentation: editors show it on hover.
 */

/** A branch build of a fragment, named by the fragment's `previews` template: `preview:482`. */
export type PreviewMode = `preview:${string}`;

/** How a fragment is served for one request. */
export type FragmentMode = 'prod' | 'local' | 'shadow' | PreviewMode;

/** The fixed modes (a preview's mode is `preview:ID`, see {@link PREVIEW_ID}). */
export const FRAGMENT_MODES: readonly FragmentMode[] = ['prod', 'local', 'shadow'];

/** What `ID` in `preview:ID` may be: a name, never a URL. */
export const PREVIEW_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** The id of a `preview:ID` mode, or undefined for any other mode. */
export function previewIdOf(mode: FragmentMode | undefined): string | undefined {
  return mode !== undefined && mode.startsWith('preview:') ? mode.slice('preview:'.length) : undefined;
}

/** The production edge whose composition rules mfe-dev follows where edges differ. */
export type Edge = 'nginx' | 'varnish' | 'akamai' | 'fastly' | 'tailor';

export const EDGES: readonly Edge[] = ['nginx', 'varnish', 'akamai', 'fastly', 'tailor'];

/** One fragment (micro-frontend) of the production site. */
export interface FragmentConfig {
  /**
   * The fragment's path in production. Include markers (SSI, ESI, Tailor) whose `src` path is
   * this path or lies under it (whole path segments: `/fragments/header/x` and
   * `/fragments/header?q` match, `/fragments/headerx` does not), relative or absolute on
   * `upstream`, belong to this fragment.
   * @example '/fragments/header'
   */
  src: string;
  /**
   * Where the fragment sits in pages that production already composed. In `local` mode the
   * element this CSS selector matches, tags included, is replaced by what the local service
   * returns for `src` (with the page's query).
   * @example 'header[data-fragment="header"]'
   */
  selector?: string;
  /**
   * The developer's service for this fragment: an absolute http(s) URL. A local request keeps
   * the include's path and query, prefixed by this URL's own path if it has one.
   * @example 'http://127.0.0.1:3001'
   */
  local?: string;
  /**
   * URL prefixes of the fragment's own client-side files (scripts, styles, modules). In `local`
   * mode requests for them are served by the local service, and absolute URLs with these
   * prefixes in the page are rewritten to reach it through the gateway.
   * @example ['/assets/header/', 'https://cdn.example.com/header/']
   */
  assets?: string[];
  /**
   * How long to wait for this fragment, in milliseconds. When unset, the include marker's own
   * `timeout` attribute applies, else 3000.
   * @default 3000
   */
  timeout?: number;
  /**
   * How shadow mode compares this fragment's local answer with production's: what to ignore,
   * how many comparisons may run at once, whether the local service gets the browser's cookies.
   * @default { ignore: {}, maxInFlight: 4, cookies: false }
   * @example { ignore: { selectors: ['.ad-slot'], attributes: ['data-request-id'], text: ['\\d{2}:\\d{2}'] } }
   */
  compare?: CompareConfig;
  /**
   * Where branch builds of this fragment run: an absolute http(s) URL with `{id}` in it. A
   * request picks one with the mode `preview:ID` (`?mfe-dev=header=preview:482`); `ID` matches
   * `[a-z0-9][a-z0-9-]{0,39}`. As for `local`, the include's path and query are kept (prefixed
   * by this URL's own path, if it has one).
   * @example 'http://header-pr-{id}.previews.svc.cluster.local:8080'
   */
  previews?: string;
}

/** Shadow-mode settings of one fragment (`fragments.NAME.compare`). */
export interface CompareConfig {
  /**
   * Parts of the fragment that never count as a difference, on both sides. Differences that
   * production makes between two of its own answers (tokens, timestamps) are learned by
   * themselves; list here what calibration cannot see (e.g. a value that differs only between
   * environments).
   * @default {}
   * @example { selectors: ['.ad-slot'], attributes: ['data-track-*'] }
   */
  ignore?: CompareIgnoreConfig;
  /**
   * Comparisons of this fragment allowed in flight at once; more are skipped and counted as
   * `skipped` in the shadow report, so a burst of pages never piles requests onto the local
   * service or production.
   * @default 4
   * @example 16
   */
  maxInFlight?: number;
  /**
   * Send the browser's cookies (and presets' cookies) to the local service in shadow requests.
   * Off by default: the local service is not production and should not see production sessions.
   * Production's two shadow requests always carry them, as production's fragment request does.
   * @default false
   * @example true
   */
  cookies?: boolean;
}

/** What shadow mode leaves out when comparing a fragment (`fragments.NAME.compare.ignore`). */
export interface CompareIgnoreConfig {
  /**
   * CSS selectors of elements left out, with everything inside them.
   * @default []
   * @example ['.ad-slot', 'footer [data-build]']
   */
  selectors?: string[];
  /**
   * Attribute names left out everywhere; a trailing `*` matches a prefix.
   * @default []
   * @example ['data-request-id', 'data-track-*']
   */
  attributes?: string[];
  /**
   * Regular expressions (JavaScript syntax, without slashes): their matches in text and
   * attribute values are replaced by `…` on both sides before comparing.
   * @default []
   * @example ['\\d{4}-\\d{2}-\\d{2}', 'build [0-9a-f]{7}']
   */
  text?: string[];
  /**
   * Response headers left out of the comparison (of those compared: `content-type`,
   * `cache-control`, `set-cookie`), case-insensitive. A dev server's "do not cache" is never a
   * difference anyway.
   * @default []
   * @example ['cache-control']
   */
  headers?: string[];
}

/** A named, shareable set of overrides: which fragments run where, plus toggles to force. */
export interface PresetConfig {
  /** One line that says what the preset is for; shown by `mfe-dev presets` and the dev page. */
  description?: string;
  /** Fragments served by their local service while the preset is active. */
  local?: string[];
  /** Fragments forced to production while the preset is active. */
  prod?: string[];
  /** Fragments shadowed (production served, local compared) while the preset is active. */
  shadow?: string[];
  /**
   * Fragments shown from a preview (their `previews` URL with this id) while the preset is
   * active: `{ header: '482' }` is the mode `preview:482` for `header`.
   * @example { header: '482' }
   */
  preview?: Record<string, string>;
  /**
   * Headers sent with the upstream request and every fragment request while the preset is
   * active (e.g. a feature-toggle override).
   * @example { 'x-toguru': 'new-checkout=true' }
   */
  headers?: Record<string, string>;
  /**
   * Cookies merged into the `Cookie` header of the upstream request and every fragment request
   * while the preset is active.
   * @example { toguru: 'new-checkout=true' }
   */
  cookies?: Record<string, string>;
}

/** `mfe-dev.config.ts`: what `defineConfig` accepts. */
export interface UserConfig {
  /**
   * The production origin whose pages are composed and whose other requests are passed through.
   * Required (here or in a file listed in `extends`).
   * @example 'https://www.example.com'
   */
  upstream?: string;
  /**
   * Port the gateway listens on; `0` picks a free one.
   * @default 4400
   */
  port?: number;
  /**
   * Host the gateway listens on. Keep the default unless you know why: anything else exposes
   * production sessions to your network.
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * Host names, besides localhost, `*.localhost` and IP addresses, that the gateway answers to,
   * e.g. a name mapped to 127.0.0.1 in /etc/hosts so production's cookie domain applies. A name
   * starting with `.` allows it and its subdomains; `true` allows any (not recommended: another
   * site could then use the gateway, and your production session, through DNS rebinding).
   * @default []
   * @example ['local.example.com', '.dev.example.com']
   */
  allowedHosts?: string[] | true;
  /** The site's fragments, by name. */
  fragments?: Record<string, FragmentConfig>;
  /** Fragments served by their local service by default. */
  local?: string[];
  /** Fragments shadowed by default: production served, local also requested and compared. */
  shadow?: string[];
  /** Named override presets; see {@link PresetConfig}. */
  presets?: Record<string, PresetConfig>;
  /**
   * Files (relative to this config) or npm packages (resolved from this config's folder) that
   * add fragments and presets. This file wins over what it extends.
   * @example ['./team/mfe-presets.json', '@acme/mfe-presets']
   */
  extends?: string | string[];
  /**
   * Inject the dev overlay before `</body>` on pages where some fragment is `local` or `shadow`.
   * @default true
   */
  overlay?: boolean;
  /**
   * Origins production's includes may be fetched from, besides `upstream` and the configured
   * local services. An include (or ESI `alt`, Tailor `fallback-src`, nested include) pointing
   * anywhere else is not fetched: production's markup never chooses where the gateway connects.
   * These hosts are asked without the browser's cookies, as a browser would never send
   * production's cookies to another site.
   * @default []
   * @example ['https://cdn.example.com']
   */
  includeHosts?: string[];
  /**
   * How long production may take to start answering a page or file, in milliseconds. Past it the
   * request is cancelled and the browser gets a 504 page naming the URL.
   * @default 30000
   */
  pageTimeout?: number;
  /**
   * The most bytes one fragment may have once decompressed. A larger (or endless) fragment, from
   * production or a local service, stops being read and is handled as a failed include (the
   * error box or comment), so a gzip bomb cannot fill the gateway's memory.
   * @default 10485760 (10 MiB)
   * @example 50 * 1024 * 1024
   */
  maxFragmentSize?: number;
  /**
   * The most bytes of a page held back while a marker in it is still open (an unclosed quote in
   * a tag, `<div ` without `>`, an unclosed `<esi:remove>`, `<fragment>` or `<!--esi`, a fragment's
   * `selector` element not yet closed). Past it the held bytes are sent on as the text they are
   * and the page keeps streaming, so a stray quote never holds the rest of a page in memory or
   * keeps it from the browser. A `selector` element larger than this is left as production's (a
   * warning names the fragment): raise it for fragments whose element is that big.
   * @default 1048576 (1 MiB)
   */
  maxMarkerSize?: number;
  /**
   * The production edge that assembles your pages, where edges differ: nginx (SSI), Varnish,
   * Akamai or Fastly (ESI), or Tailor. Unset, each dialect follows its usual edge: SSI as
   * nginx's SSI module, ESI as the W3C ESI 1.0 language (Akamai), Tailor markup as Tailor.
   * `'varnish'`: only `include`/`remove`/`comment`/`<!--esi`, includes with an invalid `src`
   * dropped, bodies that do not start with `<` left unprocessed. `'fastly'`: a comparison with an
   * empty operand compares the empty string. `'nginx'`: composed pages lose `Last-Modified`,
   * `ETag` and `Accept-Ranges`, and unknown SSI commands are errors.
   * @default undefined
   * @example 'nginx'
   */
  edge?: Edge;
  /**
   * Add mfe-dev's own HTML comments that name a failed include and the reason
   * (`<!-- mfe-dev: include /x failed: HTTP 503 -->`). With `false` the page carries none of
   * them, so it is byte for byte what the edge would send.
   * @default true
   * @example false
   */
  diagnostics?: boolean;
  /**
   * Serve the gateway over https. `true` uses a certificate from mfe-dev's own local certificate
   * authority, made on first use in your user folder (`~/.config/mfe-dev`, never in the project)
   * for localhost, 127.0.0.1, ::1 and every `allowedHosts` name, and renewed before it expires;
   * run `mfe-dev trust` once so browsers trust it. `{ cert, key }` serves your own PEM files
   * instead (paths relative to this config), e.g. from mkcert. Over https production's cookies
   * keep `Secure`, `SameSite=None` and their `__Host-`/`__Secure-` names; the command-line flag
   * is `--https`.
   * @default false
   * @example true
   * @example { cert: './certs/local.example.com.pem', key: './certs/local.example.com-key.pem' }
   */
  https?: boolean | HttpsFiles;
  /**
   * Append every HTML page request the gateway receives (GET/HEAD, as JSON lines: method, path
   * and query, the headers a fragment request forwards; never cookies) to this file, for
   * `mfe-dev replay FILE` to play again later against production and the local services.
   * Relative to the config file that sets it. Also `mfe-dev --record FILE` (relative to the
   * working directory).
   * @default undefined (nothing is recorded)
   * @example './mfe-dev-requests.jsonl'
   */
  record?: string;
  /**
   * Settings of `mfe-dev serve`, the team preview gateway: who may use it (`auth`, required
   * there) and how it shuts down.
   * @example { auth: { tokens: ['…'] } }
   * @example { auth: { trustedHeader: 'x-forwarded-email', trustedProxies: ['10.0.0.0/8'] } }
   */
  serve?: ServeConfig;
}

/**
 * Who may use `mfe-dev serve`: bearer tokens (and a login cookie for browsers), a header set by
 * an authenticating proxy (accepted only from its addresses), or `false` (access is enforced in
 * front of the gateway).
 */
export type ServeAuthConfig =
  | {
      /**
       * Tokens that let a request in (`Authorization: Bearer TOKEN`, or the `mfe-dev-auth` cookie
       * `/__mfe-dev/login?token=TOKEN&next=/path` sets). The environment variable
       * `MFE_DEV_TOKENS` (comma-separated, e.g. from a Kubernetes Secret) adds more. At least 16
       * characters each.
       */
      tokens: string[];
    }
  | {
      /** The header an authenticating proxy sets for a signed-in user, e.g. `x-forwarded-email`. */
      trustedHeader: string;
      /** Addresses (IPs or CIDR ranges) of that proxy: the header counts only from them. */
      trustedProxies: string[];
    }
  | false;

/** Settings of `mfe-dev serve` (the team preview gateway). */
export interface ServeConfig {
  /** Required by `mfe-dev serve`: see {@link ServeAuthConfig}. */
  auth?: ServeAuthConfig;
  /**
   * After SIGTERM, how long the gateway keeps serving (readiness already 503) while load
   * balancers stop sending it requests, in ms.
   * @default 5000
   */
  drainDelay?: number;
  /** Then how long in-flight requests may take to finish before the process exits, in ms. @default 30000 */
  drainTimeout?: number;
}

/** `serve` with defaults filled in. */
export interface ResolvedServe {
  /** Undefined when the config sets no `serve.auth` (then `mfe-dev serve` refuses to start). */
  auth: ResolvedServeAuth | undefined;
  drainDelay: number;
  drainTimeout: number;
}

export type ResolvedServeAuth =
  | { kind: 'tokens'; tokens: string[] }
  | { kind: 'trusted-header'; header: string; proxies: string[] }
  | { kind: 'none' };

/** Your own certificate for `https`: PEM files, relative to the config that names them. */
export interface HttpsFiles {
  /** The certificate (with its chain, if any). @example './certs/localhost.pem' */
  cert: string;
  /** Its private key, unencrypted. @example './certs/localhost-key.pem' */
  key: string;
}

/** Where a fragment or preset was defined: the config file, an extended file, or a package. */
export interface Provenance {
  /** Absolute path of the file that defined it (`the inline config` for inline options). */
  file: string;
  /** The npm package it came from, when it came through `extends: ['@scope/pkg']`. */
  package?: string;
}

export interface ResolvedFragment {
  name: string;
  /** `src` normalised to a path (with no origin) on upstream. */
  src: string;
  selector?: string;
  /** Absolute URL with no trailing slash on the path, or undefined. */
  local?: string;
  assets: string[];
  timeout?: number;
  /** The `previews` URL template (with `{id}`), if any. */
  previews?: string;
  /** Shadow-mode settings with defaults filled in (always set by `resolveConfig`). */
  compare?: ResolvedCompare;
  from: Provenance;
}

export interface ResolvedCompare {
  ignore: { selectors: string[]; attributes: string[]; text: string[]; headers: string[] };
  maxInFlight: number;
  cookies: boolean;
}

export interface ResolvedPreset {
  name: string;
  description?: string;
  local: string[];
  prod: string[];
  shadow: string[];
  /** Fragment name → preview id (always set by `resolveConfig`). */
  preview?: Record<string, string>;
  headers: Record<string, string>;
  cookies: Record<string, string>;
  from: Provenance;
}

/** Explicit fragment modes and active presets from one source. */
export interface ModeLayer {
  local: string[];
  prod: string[];
  shadow: string[];
  presets: string[];
}

/** What `createDevServer()` takes: a config, plus what the command line adds. Inline wins over the file. */
export interface InlineConfig extends UserConfig {
  /** Path of the config file; `false` skips discovery (inline config only). */
  configFile?: string | false;
  /** Folder where config discovery starts. @default process.cwd() */
  root?: string;
  /** Modes and presets from command-line flags (`--local`, `--prod`, `--shadow`, `--preset`). */
  cli?: Partial<ModeLayer>;
  /** Watch the config files and hot-reload them. @default true */
  watch?: boolean;
  /**
   * `serve`: the team preview gateway (`mfe-dev serve`): requires `serve.auth`, listens on
   * 0.0.0.0 by default, logs requests as JSON lines, keeps no one's data on the dev page.
   * @default 'dev'
   */
  command?: 'dev' | 'serve';
  /**
   * What the gateway prints: `info` the start-up banner and a line per page (what the CLI uses),
   * `warn` warnings and errors only, `error` errors only, `silent` nothing. A library is quiet
   * unless asked, as Vite's `createServer` with `logLevel`.
   * @default 'warn'
   */
  logLevel?: LogLevel;
  /**
   * Where the lines go instead of stdout/stderr (e.g. your own logger): each line arrives
   * escaped, coloured when a TTY reads them.
   * @example { info: (line) => myLog.info(line), warn: (line) => myLog.warn(line), error: (line) => myLog.error(line) }
   */
  logger?: LogSink;
}

/** The config after `extends` merging, validation and defaults: what the gateway runs on. */
export interface ResolvedConfig {
  /** Absolute path of the root config file, if any (inline configs have none). */
  configFile?: string;
  /** Every file the config was built from (root first): what hot reload watches. */
  files: string[];
  /** Origin of production, no trailing slash, e.g. `https://www.example.com`. */
  upstream: string;
  port: number;
  host: string;
  /** Extra host names the gateway answers to (see {@link UserConfig.allowedHosts}). */
  allowedHosts: string[] | true;
  fragments: Map<string, ResolvedFragment>;
  presets: Map<string, ResolvedPreset>;
  /**
   * Default modes, one layer per source: `cli` (flags: source 4 of the contract) beats `config`
   * (the file's `local`/`shadow`: source 5). Within a layer, explicit names beat presets.
   */
  modes: { cli: ModeLayer; config: ModeLayer };
  overlay: boolean;
  /** Origins includes may also be fetched from (see {@link UserConfig.includeHosts}), no trailing slash. */
  includeHosts: string[];
  /** Milliseconds production may take to start answering (see {@link UserConfig.pageTimeout}). */
  pageTimeout: number;
  /** Decompressed bytes a fragment may have (see {@link UserConfig.maxFragmentSize}). */
  maxFragmentSize: number;
  /** Bytes held for an open marker (see {@link UserConfig.maxMarkerSize}). */
  maxMarkerSize: number;
  /** See {@link UserConfig.edge}; undefined: each dialect follows its usual edge. */
  edge?: Edge;
  /** See {@link UserConfig.diagnostics}. */
  diagnostics: boolean;
  /** `false` (plain http), `true` (mfe-dev's local CA), or your own files with absolute paths. */
  https: boolean | HttpsFiles;
  /** Absolute path of the request log (see {@link UserConfig.record}), if any. */
  record?: string;
  /** `serve` with defaults (tokens from `MFE_DEV_TOKENS` added); always set by `resolveConfig`. */
  serve?: ResolvedServe;
  /** Warnings found while resolving (e.g. a preset defined twice); printed once. */
  warnings: string[];
}
