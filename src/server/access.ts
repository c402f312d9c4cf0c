import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BlockList } from 'node:net';
import { parseAddressRange } from '../config/schema.js';
import type { ResolvedServeAuth } from '../config/types.js';
import { DEV_PREFIX } from '../http/routes.js';

/**
 * Who may use `mfe-dev serve` (contract, "Access"). Checked first, before a request can reach
 * production, a fragment service or a local service: a request without access gets 401 here.
 *
 * - tokens: `Authorization: Bearer TOKEN`, or the `mfe-dev-auth` cookie that
 *   `/__mfe-dev/login?token=TOKEN&next=/path` sets. The cookie holds an HMAC of the token, not the
 *   token, so it proves the token without carrying it; any replica checks it (stateless). Tokens
 *   are compared in constant time (SHA-256 of both sides, `timingSafeEqual`), all of them every time.
 * - trusted header: the header counts only when the connection comes from `trustedProxies`.
 * - none (`auth: false`): access is enforced in front of the gateway.
 *
 * What lets a request in is taken off before it goes on: the bearer token and the cookie never
 * reach production or a fragment service.
 */

export const AUTH_COOKIE = 'mfe-dev-auth';
export const LOGIN_PATH = `${DEV_PREFIX}/login`;
/** How long the login cookie lasts (a token removed from the config ends it at once anyway). */
const COOKIE_MAX_AGE_S = 7 * 24 * 3600;

export interface AccessCheck {
  /** Lets the request in (stripping what let it in), or answers it (401, the login redirect) and returns false. */
  (req: IncomingMessage, res: ServerResponse): boolean;
  /** For websocket upgrades: in (true, credentials stripped) or not. */
  allows(req: IncomingMessage): boolean;
}

const digest = (value: string) => createHash('sha256').update(value).digest();
const cookieValueOf = (token: string) => createHmac('sha256', token).update('mfe-dev-auth v1').digest('base64url');

/** Does `candidate` equal one of `digests`? Constant time per comparison; every one is compared. */
function matchesAny(candidate: string, digests: readonly Buffer[]): boolean {
  const mine = digest(candidate);
  let found = false;
  for (const known of digests) found = timingSafeEqual(mine, known) || found;
  return found;
}

export function createAccessCheck(auth: ResolvedServeAuth, options: { secure: boolean }): AccessCheck {
  if (auth.kind === 'none') return Object.assign(() => true, { allows: () => true });
  if (auth.kind === 'trusted-header') return trustedHeaderCheck(auth.header, auth.proxies);

  const tokenDigests = auth.tokens.map(digest);
  const cookieDigests = auth.tokens.map((token) => digest(cookieValueOf(token)));

  const allows = (req: IncomingMessage): boolean => {
    const bearer = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(headerText(req.headers.authorization))?.[1];
    if (bearer !== undefined && matchesAny(bearer, tokenDigests)) {
      delete req.headers.authorization;
      stripAuthCookie(req);
      return true;
    }
    const cookie = authCookie(req.headers.cookie);
    if (cookie !== undefined && matchesAny(cookie, cookieDigests)) {
      stripAuthCookie(req);
      return true;
    }
    return false;
  };

  const check = (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === LOGIN_PATH) {
      login(req, res, tokenDigests, auth.tokens, options.secure);
      return false;
    }
    if (allows(req)) return true;
    unauthorized(req, res);
    return false;
  };
  return Object.assign(check, { allows });
}

function trustedHeaderCheck(header: string, proxies: readonly string[]): AccessCheck {
  const trusted = new BlockList();
  for (const range of proxies) {
    const parsed = parseAddressRange(range)!;
    trusted.addSubnet(parsed.address, parsed.prefix, parsed.family);
  }
  const fromProxy = (req: IncomingMessage) => {
    const address = req.socket.remoteAddress ?? '';
    // An IPv4 client on a dual-stack socket shows as ::ffff:10.0.0.1.
    const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    return v4 ? trusted.check(v4, 'ipv4') : address.includes(':') ? trusted.check(address, 'ipv6') : trusted.check(address, 'ipv4');
  };
  const allows = (req: IncomingMessage) => headerText(req.headers[header]).trim() !== '' && fromProxy(req);
  const check = (req: IncomingMessage, res: ServerResponse) => {
    if (allows(req)) return true;
    unauthorized(req, res);
    return false;
  };
  return Object.assign(check, { allows });
}

/** `/__mfe-dev/login?token=TOKEN&next=/path`: sets the cookie and goes to `next` (a path on the gateway), or 401. */
function login(req: IncomingMessage, res: ServerResponse, tokenDigests: readonly Buffer[], tokens: readonly string[], secure: boolean): void {
  const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
  const token = query.get('token') ?? '';
  const mine = digest(token);
  let matched: string | undefined;
  // Every token is compared, each in constant time.
  tokenDigests.forEach((known, i) => {
    if (timingSafeEqual(mine, known)) matched = tokens[i];
  });
  if (matched === undefined) return unauthorized(req, res, 'the token in this login link is not valid (ask for a new link).');
  const https = secure || headerText(req.headers['x-forwarded-proto']).split(',')[0].trim() === 'https';
  const cookie = `${AUTH_COOKIE}=${cookieValueOf(matched)}; Path=/; Max-Age=${COOKIE_MAX_AGE_S}; HttpOnly; SameSite=Lax${https ? '; Secure' : ''}`;
  res.writeHead(303, { location: safeNext(query.get('next')), 'set-cookie': cookie, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'content-length': '0' });
  res.end();
}

/**
 * Where the login goes next: a path on the gateway, never another site. `//evil`, `/\evil`,
 * `https://evil`, control characters and anything that does not start with `/` become `/`.
 */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || /[\u0000-\u001f\u007f\\]/.test(next)) return '/';
  try {
    const url = new URL(next, 'http://gateway.invalid');
    if (url.origin !== 'http://gateway.invalid') return '/';
    return url.pathname + url.search + url.hash;
  } catch {
    return '/';
  }
}

function unauthorized(req: IncomingMessage, res: ServerResponse, reason = 'this gateway needs a token.'): void {
  const html = /text\/html/.test(headerText(req.headers.accept));
  const body = html
    ? `<!doctype html><meta charset="utf-8"><title>mfe-dev: sign in</title><h1>mfe-dev: not signed in</h1><p>${reason} Open the login link you were given (<code>${LOGIN_PATH}?token=…</code>), or send <code>Authorization: Bearer TOKEN</code>.</p>\n`
    : `mfe-dev: 401 ${reason} Send Authorization: Bearer TOKEN, or open ${LOGIN_PATH}?token=TOKEN&next=/path in a browser.\n`;
  res.writeHead(401, {
    'content-type': html ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8',
    'www-authenticate': 'Bearer realm="mfe-dev"',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function headerText(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
}

function authCookie(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === AUTH_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The browser's Cookie header without `mfe-dev-auth` (removed when it is the only one). */
function stripAuthCookie(req: IncomingMessage): void {
  const header = req.headers.cookie;
  if (!header || !header.includes(AUTH_COOKIE)) return;
  const kept = header.split(';').filter((part) => part.split('=')[0].trim() !== AUTH_COOKIE).map((part) => part.trim()).filter(Boolean);
  if (kept.length) req.headers.cookie = kept.join('; ');
  else delete req.headers.cookie;
}
