import http from 'node:http';
import https from 'node:https';
import type { Agents } from '../http/agents.js';
import { BACKEND_REQUEST_OPTIONS } from '../http/backend-parser.js';
import { bufferDecoder } from '../http/encodings.js';
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
}

export interface FetchedFragment {
  status: number;
  body: Buffer;
  /** Canonical charset from the response's Content-Type, if it declared one. */
  charset: string | undefined;
  contentType: string | undefined;
}

export class FragmentFetchError extends Error {
  constructor(
    readonly reason: string,
    readonly status?: number,
  ) {
    super(reason);
    this.name = 'FragmentFetchError';
  }
}

export function fetchFragment({ url, headers, timeoutMs, agents }: FetchFragmentOptions): Promise<FetchedFragment> {
  return new Promise((resolve, reject) => {
    const isHttps = url.protocol === 'https:';
    const request = (isHttps ? https : http).request(url, {
      method: 'GET',
      headers,
      agent: isHttps ? agents.https : agents.http,
      ...BACKEND_REQUEST_OPTIONS,
    });
    const timer = setTimeout(() => {
      request.destroy(new FragmentFetchError(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    const fail = (error: unknown) => {
      clearTimeout(timer);
      reject(error instanceof FragmentFetchError ? error : new FragmentFetchError(describeNetworkError(error)));
    };
    request.on('error', fail);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', fail);
      response.on('end', () => {
        clearTimeout(timer);
        const status = response.statusCode ?? 0;
        if (status >= 400 || status < 200 || (status >= 300 && status < 400)) {
          const location = response.headers.location ? ` (redirect to ${response.headers.location})` : '';
          reject(new FragmentFetchError(`HTTP ${status}${location}`, status));
          return;
        }
        const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
        const encoding = response.headers['content-encoding']?.trim().toLowerCase();
        const decode = bufferDecoder(encoding);
        if (decode === undefined) {
          reject(new FragmentFetchError(`unsupported content-encoding '${encoding}'`, status));
          return;
        }
        const contentType = response.headers['content-type'];
        (decode ? decode(raw) : Promise.resolve(raw)).then(
          (body) => resolve({ status, body, charset: charsetFromContentType(contentType), contentType }),
          (error: unknown) => reject(new FragmentFetchError(`could not decompress ${encoding} body: ${describeNetworkError(error)}`)),
        );
      });
    });
    request.end();
  });
}
