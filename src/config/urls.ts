/**
 * URL rules of the config: which strings are acceptable for `upstream`, `local`, `src` and
 * `assets`, what to suggest when they are not, and how they are normalised.
 */

/** A problem with a value: what it must be, and the value that was probably meant. */
export interface ValueProblem {
  /** Completes "`key` …", e.g. `must be an http(s) URL`. */
  message: string;
  suggestion?: string;
  /** Extra sentence appended after the suggestion. */
  hint?: string;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|0\.0\.0\.0)(:\d+)?(\/|$)/i;

function parse(value: string, base?: string): URL | undefined {
  try {
    return new URL(value, base);
  } catch {
    return undefined;
  }
}

function isHttp(url: URL | undefined): url is URL {
  return url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:') && url.host !== '';
}

/**
 * What the user probably meant by a URL written without its scheme: `localhost:3001` →
 * `http://localhost:3001`, `www.example.com` → `https://www.example.com` (loopback hosts get
 * `http`, others `preferred`).
 */
export function suggestHttpUrl(value: string, preferred: 'http' | 'https'): string | undefined {
  const trimmed = value.trim().replace(/^\/\//, '');
  if (trimmed === '' || SCHEME.test(trimmed)) return undefined;
  const scheme = LOOPBACK.test(trimmed) ? 'http' : preferred;
  const candidate = `${scheme}://${trimmed}`;
  return isHttp(parse(candidate)) ? candidate : undefined;
}

/** Checks a value that must be an absolute http(s) URL (`local`). */
export function checkHttpUrl(value: string, preferred: 'http' | 'https' = 'http'): ValueProblem | undefined {
  if (isHttp(parse(value))) return undefined;
  return { message: 'must be an http(s) URL', suggestion: suggestHttpUrl(value, preferred) };
}

/** Checks `upstream`: an absolute http(s) URL with nothing after the origin. */
export function checkOrigin(value: string): ValueProblem | undefined {
  const url = parse(value);
  if (!isHttp(url)) {
    const suggestion = suggestHttpUrl(value, 'https');
    return { message: 'must be an http(s) URL', suggestion: suggestion && new URL(suggestion).origin };
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '') {
    return {
      message: 'must be an origin (scheme, host and port, no path)',
      suggestion: url.origin,
      hint: 'Paths of the site belong in `fragments.<name>.src`.',
    };
  }
  return undefined;
}

/** Checks a fragment's `src`: a path starting with `/` or an absolute http(s) URL. */
export function checkSrc(value: string): ValueProblem | undefined {
  if (value.startsWith('/') || isHttp(parse(value))) return undefined;
  const message = "must be a path starting with '/' or an absolute URL on `upstream`";
  if (SCHEME.test(value)) return { message };
  return { message, suggestion: `/${value.replace(/^\.\//, '')}` };
}

/** Checks one `assets` entry: a path prefix starting with `/` or an absolute http(s) URL. */
export function checkAssetPrefix(value: string): ValueProblem | undefined {
  if (value.startsWith('/') || isHttp(parse(value))) return undefined;
  const message = "must be a path starting with '/' or an absolute http(s) URL";
  if (SCHEME.test(value)) return { message };
  return { message, suggestion: `/${value.replace(/^\.\//, '')}` };
}

/** `https://www.example.com/` → `https://www.example.com`. Assumes `checkOrigin` passed. */
export function normalizeOrigin(value: string): string {
  return new URL(value).origin;
}

/** A `local` URL without a trailing slash on its path (and no fragment). */
export function normalizeLocal(value: string): string {
  const url = new URL(value);
  return url.origin + url.pathname.replace(/\/+$/, '') + url.search;
}

/**
 * A fragment's `src` as a path on upstream: `https://www.example.com/fragments/header/` with
 * upstream `https://www.example.com` → `/fragments/header`. Relative srcs resolve against
 * `origins[0]`; an absolute src must be on one of `origins`, else its origin is returned.
 */
export function normalizeSrc(src: string, origins: readonly string[]): { path: string } | { foreignOrigin: string } {
  const url = new URL(src, origins[0]);
  if (!origins.includes(url.origin)) return { foreignOrigin: url.origin };
  const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
  return { path: path + url.search };
}

/** The placeholder of a fragment's `previews` URL. */
export const PREVIEW_PLACEHOLDER = '{id}';

/**
 * Checks a fragment's `previews`: an absolute http(s) URL with `{id}` in its host or path (no
 * query, no user info), e.g. `http://header-pr-{id}.previews.svc.cluster.local:8080`.
 */
export function checkPreviewTemplate(value: string): ValueProblem | undefined {
  const example = "For example: 'http://header-pr-{id}.previews.svc.cluster.local:8080' or 'https://previews.example.com/header/{id}'.";
  if (!value.includes(PREVIEW_PLACEHOLDER)) {
    return { message: 'must be a URL with {id} in it (where the preview id goes)', hint: example };
  }
  const sample = parse(value.split(PREVIEW_PLACEHOLDER).join('x0'));
  if (!isHttp(sample)) return { message: 'must be an http(s) URL with {id} in it', suggestion: suggestHttpUrl(value, 'http'), hint: example };
  const withoutPath = value.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  if (sample.search !== '' || sample.hash !== '' || sample.username !== '' || withoutPath.includes('?')) {
    return { message: 'must be a URL with {id} in its host or path, and no query or user info', hint: example };
  }
  return undefined;
}

/** A `previews` template without a trailing slash on its path. Assumes `checkPreviewTemplate` passed. */
export function normalizePreviewTemplate(value: string): string {
  return value.replace(/\/+$/, '');
}
