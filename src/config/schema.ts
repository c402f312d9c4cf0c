/**
 * The shape of a config file, checked with zod, and error messages written for a person: every
 * problem names the file, the key path in backticks, the bad value and, where it can, the fix.
 */
import { compile as compileCss } from 'css-select';
import { z } from 'zod';
import { compileSelectors } from '../html/element-matcher.js';
import { MfeDevError } from '../errors.js';
import { EDGES, type UserConfig } from './types.js';
import { closest, didYouMean, formatList, formatValue } from './suggest.js';
import { checkAssetPrefix, checkHttpUrl, checkOrigin, checkSrc, type ValueProblem } from './urls.js';

/** One problem in one config source (a file, or the inline config). */
export interface ConfigProblem {
  /** Absolute path of the file, or a description such as `the inline config`. */
  source: string;
  /** A sentence about one key, e.g. "`port` must be an integer from 0 to 65535, got 70000." */
  message: string;
}

/** A string checked by one of the URL rules; the rule's suggestion travels in `params`. */
function checked(check: (value: string) => ValueProblem | undefined) {
  return z.string({ error: 'must be a string' }).superRefine((value, ctx) => {
    const problem = check(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem.message, params: { ...problem } });
  });
}

/** Names end up in `?mfe-dev=header=local|footer=prod` and `--local header`. */
const NAME = /^[^\s=|,;]+$/;
const nameKey = z.string().regex(NAME);
const names = (what: string) =>
  z.array(z.string({ error: `must be a ${what} name` }), { error: `must be a list of ${what} names` });
const stringMap = (what: string) =>
  z.record(z.string(), z.string({ error: 'must be a string' }), { error: `must be an object of ${what}` });

/** An HTTP header or cookie name (RFC 9110 token). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Control characters but tab: a header value with one is refused by Node, or splits the header. */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;
/**
 * Headers a preset may not set: the message's framing, the connection's own headers and the
 * target host. The gateway writes these itself for each hop; a preset's `content-length` would
 * leave every page waiting for bytes that never come.
 */
export const PRESET_FORBIDDEN_HEADERS = [
  'content-length',
  'transfer-encoding',
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'http2-settings',
] as const;
const FORBIDDEN_HEADER_SET = new Set<string>(PRESET_FORBIDDEN_HEADERS);

/**
 * A preset's `headers` or `cookies`: names must be tokens (and, for headers, none the gateway
 * owns), values free of control characters (and `;` for cookies). Messages never quote a value:
 * preset values are often credentials.
 */
const presetValues = (kind: 'header' | 'cookie') =>
  stringMap(`${kind} values by name`).superRefine((values, ctx) => {
    for (const [name, value] of Object.entries(values)) {
      const issue = (message: string, hint?: string) => ctx.addIssue({ code: 'custom', path: [name], message, params: { hideValue: true, hint } });
      if (!TOKEN.test(name)) issue(`is not a valid ${kind} name (letters, digits and !#$%&'*+.^_\`|~- only)`);
      else if (kind === 'header' && FORBIDDEN_HEADER_SET.has(name.toLowerCase())) {
        issue(
          'may not be set by a preset: the gateway sets the framing and connection headers and the Host of each request itself',
          `Remove it. Headers a preset may not set: ${PRESET_FORBIDDEN_HEADERS.join(', ')}.`,
        );
      } else if (CONTROL.test(value)) issue('must not contain control characters such as line breaks');
      else if (kind === 'cookie' && value.includes(';')) issue("must not contain ';' (it would start another cookie)", 'Set each cookie under its own name.');
    }
  });

/** A list of strings, each checked by `check` (which returns the reason it is unusable). */
const checkedList = (what: string, check: (value: string) => string | undefined, hint: string) =>
  z.array(
    z.string({ error: `must be ${what}` }).superRefine((value, ctx) => {
      const reason = check(value);
      if (reason) ctx.addIssue({ code: 'custom', message: `must be ${what} (${reason})`, params: { hint } });
    }),
    { error: `must be a list of ${what}s` },
  );

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

const compareIgnoreSchema = z.strictObject(
  {
    selectors: checkedList(
      'a CSS selector',
      (value) => {
        if (!value.trim()) return 'it is empty';
        try {
          compileCss(value);
          return undefined;
        } catch (error) {
          return errorText(error);
        }
      },
      "For example: '.ad-slot' or 'footer [data-build]'.",
    ).optional(),
    attributes: checkedList(
      'an attribute name',
      (value) => (/^[^\s"'>/=*]+\*?$/.test(value) ? undefined : 'names have no spaces, quotes or =; a trailing * matches a prefix'),
      "For example: 'data-request-id' or 'data-track-*'.",
    ).optional(),
    text: checkedList(
      'a regular expression',
      (value) => {
        if (!value) return 'it is empty and would match everywhere';
        try {
          return new RegExp(value, 'g').test('') ? 'it matches the empty string, so it would match everywhere' : undefined;
        } catch (error) {
          return errorText(error);
        }
      },
      String.raw`Write it as a string without slashes, e.g. '\d{2}:\d{2}' for a time.`,
    ).optional(),
    headers: checkedList(
      'a response header name',
      (value) => (/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(value) ? undefined : 'header names are tokens: letters, digits and !#$%&\'*+-.^_`|~'),
      "For example: 'cache-control' or 'set-cookie'.",
    ).optional(),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? "must be an object like { selectors: ['.ad-slot'] }" : undefined) },
);

const compareSchema = z.strictObject(
  {
    ignore: compareIgnoreSchema.optional(),
    maxInFlight: z
      .number({ error: 'must be a whole number from 1 up' })
      .int({ error: 'must be a whole number from 1 up' })
      .min(1, { error: 'must be a whole number from 1 up' })
      .optional(),
    cookies: z.boolean({ error: 'must be true or false' }).optional(),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'must be an object like { maxInFlight: 4 }' : undefined) },
);

const fragmentSchema = z.strictObject(
  {
    src: checked(checkSrc),
    selector: z
      .string({ error: 'must be a CSS selector' })
      .min(1, { error: 'must be a CSS selector' })
      .superRefine((value, ctx) => {
        try {
          compileSelectors([value]);
        } catch (error) {
          const reason = ((error as Error).cause as Error | undefined)?.message ?? (error as Error).message;
          ctx.addIssue({
            code: 'custom',
            message: `must be a CSS selector mfe-dev can match (${reason})`,
            params: { hint: `For example: 'header[data-fragment="header"]'.` },
          });
        }
      })
      .optional(),
    local: checked((value) => checkHttpUrl(value, 'http')).optional(),
    assets: z.array(checked(checkAssetPrefix), { error: 'must be a list of URL prefixes' }).optional(),
    timeout: z
      .number({ error: 'must be a number of milliseconds' })
      .positive({ error: 'must be a positive number of milliseconds' })
      .optional(),
    compare: compareSchema.optional(),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? "must be an object like { src: '/fragments/header' }" : undefined) },
);

const presetSchema = z.strictObject(
  {
    description: z.string({ error: 'must be a string' }).optional(),
    local: names('fragment').optional(),
    prod: names('fragment').optional(),
    shadow: names('fragment').optional(),
    headers: presetValues('header').optional(),
    cookies: presetValues('cookie').optional(),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? "must be an object like { local: ['header'] }" : undefined) },
);

const portSchema = z
  .number({ error: 'must be an integer from 0 to 65535' })
  .int({ error: 'must be an integer from 0 to 65535' })
  .min(0, { error: 'must be an integer from 0 to 65535' })
  .max(65535, { error: 'must be an integer from 0 to 65535' });

const HTTPS_SHAPE = "must be true, false, or { cert: './localhost.pem', key: './localhost-key.pem' }";
const httpsFilesSchema = z.strictObject({
  cert: z.string({ error: "must be the path of your certificate's PEM file" }).min(1, { error: 'must not be empty' }),
  key: z.string({ error: "must be the path of your private key's PEM file" }).min(1, { error: 'must not be empty' }),
});

/**
 * `https`: a boolean, or own files. Checked in two steps so that a mistake inside the object
 * (`{ cert }` without `key`) is reported on its own key, not as "not a boolean".
 */
function httpsSchema() {
  return z
    .unknown()
    .superRefine((value, ctx) => {
      if (value === undefined || typeof value === 'boolean') return;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        ctx.addIssue({ code: 'custom', message: HTTPS_SHAPE });
        return;
      }
      const result = httpsFilesSchema.safeParse(value);
      if (!result.success) for (const issue of result.error.issues) ctx.addIssue(issue as Parameters<typeof ctx.addIssue>[0]);
    })
    .optional();
}

/** The zod schema of {@link UserConfig}: strict objects, URL rules on `upstream`, `src`, `local`, `assets`. */
export const userConfigSchema = z.strictObject({
  upstream: checked(checkOrigin).optional(),
  port: portSchema.optional(),
  host: z.string({ error: 'must be a host name or IP address' }).min(1, { error: 'must not be empty' }).optional(),
  fragments: z.record(nameKey, fragmentSchema, { error: 'must be an object of fragments by name' }).optional(),
  local: names('fragment').optional(),
  shadow: names('fragment').optional(),
  presets: z.record(nameKey, presetSchema, { error: 'must be an object of presets by name' }).optional(),
  extends: z
    .union([z.string(), z.array(z.string())], { error: 'must be a file path or package name, or a list of them' })
    .optional(),
  overlay: z.boolean({ error: 'must be true or false' }).optional(),
  edge: z.enum(EDGES, { error: `must be one of ${EDGES.map((e) => `'${e}'`).join(', ')}` }).optional(),
  diagnostics: z.boolean({ error: 'must be true or false' }).optional(),
  record: z.string({ error: 'must be a file path' }).min(1, { error: 'must be a file path' }).optional(),
  allowedHosts: z
    .union([z.literal(true), z.array(z.string().min(1, { error: 'must not be empty' }))], {
      error: "must be a list of host names (e.g. ['local.example.com']) or true",
    })
    .optional(),
  includeHosts: z.array(checked(checkOrigin), { error: "must be a list of origins, e.g. ['https://cdn.example.com']" }).optional(),
  pageTimeout: z
    .number({ error: 'must be a positive number of milliseconds' })
    .positive({ error: 'must be a positive number of milliseconds' })
    .optional(),
  maxFragmentSize: z
    .number({ error: 'must be a positive number of bytes' })
    .int({ error: 'must be a positive number of bytes' })
    .positive({ error: 'must be a positive number of bytes' })
    .optional(),
  maxMarkerSize: z
    .number({ error: 'must be a positive number of bytes' })
    .int({ error: 'must be a positive number of bytes' })
    .positive({ error: 'must be a positive number of bytes' })
    .optional(),
  https: httpsSchema(),
});

const TOP_KEYS = Object.keys(userConfigSchema.shape);
const FRAGMENT_KEYS = Object.keys(fragmentSchema.shape);
const PRESET_KEYS = Object.keys(presetSchema.shape);
const COMPARE_KEYS = Object.keys(compareSchema.shape);
const COMPARE_IGNORE_KEYS = Object.keys(compareIgnoreSchema.shape);

const REQUIRED_HINTS: Record<string, string> = {
  src: ": the fragment's path in production, e.g. src: '/fragments/header'",
  cert: ": the path of your certificate's PEM file, e.g. cert: './localhost.pem'",
  key: ": the path of your private key's PEM file, e.g. key: './localhost-key.pem'",
};

/** `['fragments', 'header', 'assets', 1]` → `fragments.header.assets[1]`. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`)).join('');
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function knownKeysAt(path: readonly PropertyKey[]): { keys: string[]; what: string } {
  if (path.length === 2 && path[0] === 'fragments') return { keys: FRAGMENT_KEYS, what: 'a fragment' };
  if (path.length === 2 && path[0] === 'presets') return { keys: PRESET_KEYS, what: 'a preset' };
  if (path.length === 1 && path[0] === 'https') return { keys: Object.keys(httpsFilesSchema.shape), what: '`https`' };
  if (path.length === 3 && path[0] === 'fragments' && path[2] === 'compare') return { keys: COMPARE_KEYS, what: '`compare`' };
  if (path.length === 4 && path[0] === 'fragments' && path[3] === 'ignore') return { keys: COMPARE_IGNORE_KEYS, what: '`compare.ignore`' };
  return { keys: TOP_KEYS, what: 'the config' };
}

function describeIssue(issue: z.core.$ZodIssue, data: unknown): string[] {
  const value = valueAt(data, issue.path);
  const key = formatKeyPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const { keys, what } = knownKeysAt(issue.path);
    return issue.keys.map((unknown) => {
      const where = formatKeyPath([...issue.path, unknown]);
      return `\`${where}\` is not an option of ${what}.${didYouMean(closest(unknown, keys), '`')} Known options: ${formatList(keys)}.`;
    });
  }
  if (issue.code === 'invalid_key') {
    const name = issue.path[issue.path.length - 1];
    return [
      `\`${formatKeyPath(issue.path.slice(0, -1))}\` has a name that can't be used, got ${formatValue(name)}: ` +
        "names must not contain spaces, '=', '|', ',' or ';' (they separate names in ?mfe-dev=header=local|footer=prod).",
    ];
  }
  if (issue.path.length === 0) {
    return [`the config must be an object (export default defineConfig({ upstream: 'https://…' })), got ${formatValue(data)}.`];
  }
  if (issue.code === 'invalid_type' && value === undefined) {
    const last = String(issue.path[issue.path.length - 1]);
    return [`\`${key}\` is required${REQUIRED_HINTS[last] ?? ''}.`];
  }
  const params = (issue.code === 'custom' ? issue.params : undefined) as (ValueProblem & { hideValue?: boolean }) | undefined;
  const hint = params?.hint ? ` ${params.hint}` : '';
  if (params?.hideValue) return [`\`${key}\` ${issue.message}.${hint}`];
  return [`\`${key}\` ${issue.message}, got ${formatValue(value)}.${didYouMean(params?.suggestion)}${hint}`];
}

/** Problems listed in one error (a generated or hostile config can have thousands). */
const MAX_LISTED_PROBLEMS = 30;

/** Builds the `MFE_CONFIG_INVALID` error for one or more problems. */
export function invalidConfigError(problems: ConfigProblem[], file?: string): MfeDevError {
  const lines = problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => `${p.source}: ${p.message}`);
  const more = problems.length > MAX_LISTED_PROBLEMS ? `\n  … and ${problems.length - MAX_LISTED_PROBLEMS} more` : '';
  const message =
    problems.length === 1 ? lines[0] : `${problems.length} problems in the mfe-dev config:\n${lines.map((l) => `  - ${l}`).join('\n')}${more}`;
  return new MfeDevError('MFE_CONFIG_INVALID', message, { file });
}

/**
 * Checks what one config source exported against {@link userConfigSchema}.
 * @param source how messages name the source: the file's absolute path, or `the inline config`
 * @param file the file, when there is one (becomes the error's `file`)
 * @throws MfeDevError `MFE_CONFIG_INVALID` listing every problem
 */
export function validateUserConfig(data: unknown, source: string, file?: string): UserConfig {
  const result = userConfigSchema.safeParse(data);
  if (result.success) return result.data as UserConfig;
  const messages = result.error.issues.flatMap((issue) => describeIssue(issue, data));
  throw invalidConfigError(
    messages.map((message) => ({ source, message })),
    file,
  );
}
