import http from 'node:http';
import https from 'node:https';
import type { Agents } from '../http/agents.js';
import { BodyDecodeError, BodyTooLargeError, readCappedBody } from '../http/capped-body.js';
import { BACKEND_REQUEST_OPTIONS } from '../http/backend-parser.js';
import { requestHeaderList } from '../http/raw-headers.js';
import { canDecode } from '../http/encodings.js';
import { describeNetworkError } from '../http/network-error.js';
import { charsetFromContentType } from '../html/charset.js';

/**
 * One fragment request: GET with the page's forwarded headers, a deadline for the whole
 * exchange, and the body decompressed. Failures are `FragmentFetchError`s whose `reason` is
 * written for the developer ("connection refused", "timed out after 3000 ms", "HTTP 503").
 */
export interface FetchFragmentOptions {
  url: URL;
  headers: http.OutgoingHttpHeaders;
  timeoutMs: number;
  agents: Agents;
  /** Decompressed bytes the body may have; past it the request is closed (`maxFragmentSize`). */
  maxBytes: number;
  /** Aborted when the page's browser went away: the request is cancelled and its socket closed. */
  signal?: AbortSignal;
  /**
   * Which statuses count as the fragment (its body is used). By default 2xx; Tailor uses any
   * status below 500, so a primary fragment's redirect or 404 reaches the page.
   */
  acceptStatus?: (status: number) => boolean;
}

export interface FetchedFragment {
  status: number;
  body: Buffer;
  /** Canonical charset from the response's Content-Type, if it declared one. */
  charset: string | undefined;
  contentType: string | undefined;
  /** The response's headers (Tailor's primary fragment gives the page its Location and Set-Cookie). */
  headers: http.IncomingHttpHeaders;
}

/** A fragment's deadline when its config sets none. */
export const DEFAULT_FRAGMENT_TIMEOUT_MS = 3000;

export class FragmentFetchError extends Error {
  constructor(
    readonly reason: string,
    readonly status?: number,
    /** The start of the error body a service sent with a refused status (at most `ERROR_BODY_BYTES`), for the developer's error box. */
    readonly body?: string,
  ) {
    super(reason);
    this.name = 'FragmentFetchError';
  }
}

const isSuccess = (status: number) => status >= 200 && status < 300;

export function fetchFragment({ url, headers, timeoutMs, agents, maxBytes, signal, acceptStatus = isSuccess }: FetchFragmentOptions): Promise<FetchedFragment> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new FragmentFetchError(CANCELLED));
    const isHttps = url.protocol === 'https:';
    const agent = isHttps ? agents.https : agents.http;
    // Ten fragments per page: the options are given as Node uses them (no URL to convert, the
    // headers as a flat list), about 10 µs less per request. A URL with user info keeps the
    // URL form, which turns it into an Authorization header.
    const request =
      url.username || url.password
        ? (isHttps ? https : http).request(url, { method: 'GET', headers, agent, ...BACKEND_REQUEST_OPTIONS })
        : (isHttps ? https : http).request({
            hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
            port: url.port || undefined,
            path: url.pathname + url.search,
            method: 'GET',
            headers: requestHeaderList(headers, url.host),
            agent,
            ...BACKEND_REQUEST_OPTIONS,
          });
    let settled = false;
    const settle = (then: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      then();
    };
    const fail = (error: unknown) =>
      settle(() => reject(error instanceof FragmentFetchError ? error : new FragmentFetchError(describeNetworkError(error))));
    // Whatever ends the exchange early closes its connection: nothing keeps a socket open for a
    // page nobody waits for.
    const stop = (reason: string) => {
      fail(new FragmentFetchError(reason));
      request.destroy();
    };
    const timer = setTimeout(() => stop(`timed out after ${timeoutMs} ms`), timeoutMs);
    const onAbort = () => stop(CANCELLED);
    signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', fail);
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      const encoding = response.headers['content-encoding'];
      if (!acceptStatus(status)) {
        const location = response.headers.location ? ` (redirect to ${response.headers.location})` : '';
        // Read a bounded error body (so the connection can be reused, and its start tells the
        // developer what broke); never follow a redirect.
        void readCappedBody(response, canDecode(encoding) ? encoding : undefined, maxBytes).then(
          (body) => fail(new FragmentFetchError(`HTTP ${status}${location}`, status, canDecode(encoding) ? body.subarray(0, ERROR_BODY_BYTES).toString('utf8') : undefined)),
          () => fail(new FragmentFetchError(`HTTP ${status}${location}`, status)),
        );
        return;
      }
      if (!canDecode(encoding)) {
        response.destroy();
        return fail(new FragmentFetchError(`unsupported content-encoding '${encoding?.trim()}'`, status));
      }
      const contentType = response.headers['content-type'];
      readCappedBody(response, encoding, maxBytes).then(
        (body) => settle(() => resolve({ status, body, charset: charsetFromContentType(contentType), contentType, headers: response.headers })),
        (error: unknown) => {
          if (error instanceof BodyTooLargeError) {
            fail(new FragmentFetchError(`larger than ${maxBytes} bytes once decompressed; not read further (raise \`maxFragmentSize\` in the mfe-dev config if it really is that big)`, status));
          } else if (error instanceof BodyDecodeError) {
            fail(new FragmentFetchError(error.message, status));
          } else fail(error);
        },
      );
    });
    request.end();
  });
}

/** How much of an error body is kept for the error box. */
export const ERROR_BODY_BYTES = 64 * 1024;

/** Why a fragment request was given up when its page's browser went away. */
const CANCELLED = 'cancelled: the browser went away';
