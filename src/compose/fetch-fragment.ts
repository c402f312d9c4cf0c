import type http from 'node:http';
import type { Agents } from '../http/agents.js';
import type { BodyStore } from '../http/capped-body.js';
import { HttpFailure, httpGet, type HttpAnswer } from '../http/client.js';
import { charsetFromContentType } from '../html/charset.js';

/**
 * One fragment request: GET with the page's forwarded headers, a deadline for the whole
 * exchange, and the body decompressed, through the product's one client (http/client.ts).
 * Failures are `FragmentFetchError`s (the client's `HttpFailure`) whose `reason` is written for
 * the developer ("connection refused", "timed out after 3000 ms", "HTTP 503").
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
  /** Where the body is read into (the page's arena), if anywhere. */
  store?: BodyStore;
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

/** A fragment request's failure: the product's one HTTP failure type (http/client.ts). */
export { HttpFailure as FragmentFetchError } from '../http/client.js';

export function fetchFragment(options: FetchFragmentOptions): Promise<FetchedFragment> {
  // (The options are the client's own, handed on as they are; the two steps after are made once.)
  return httpGet(options).then(toFetched, explainTooLarge);
}

function toFetched({ status, headers, body }: HttpAnswer): FetchedFragment {
  const contentType = headers['content-type'];
  return { status, body, charset: charsetFromContentType(contentType), contentType, headers };
}

/** Past the cap, the developer is told which setting raises it. */
function explainTooLarge(error: unknown): never {
  if (error instanceof HttpFailure && error.kind === 'too-large') {
    throw new HttpFailure(`${error.reason} (raise \`maxFragmentSize\` in the mfe-dev config if it really is that big)`, error.status, 'too-large');
  }
  throw error;
}
