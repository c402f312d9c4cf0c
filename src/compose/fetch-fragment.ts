import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import { charsetFromContentType } from './charset.js';

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

export interface Agents {
  http: http.Agent;
  https: https.Agent;
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

/** Keep-alive agents shared by every fragment request of a gateway. */
export function createAgents(): Agents {
  const options = { keepAlive: true, maxSockets: 256, maxFreeSockets: 64, scheduling: 'lifo' as const };
  return { http: new http.Agent(options), https: new https.Agent(options) };
}

const decoders: Record<string, (buf: Buffer) => Promise<Buffer>> = {
  gzip: promisify(zlib.gunzip),
  'x-gzip': promisify(zlib.gunzip),
  deflate: promisify(zlib.inflate),
  br: promisify(zlib.brotliDecompress),
};

export function fetchFragment({ url, headers, timeoutMs, agents }: FetchFragmentOptions): Promise<FetchedFragment> {
  return new Promise((resolve, reject) => {
    const isHttps = url.protocol === 'https:';
    const request = (isHttps ? https : http).request(url, {
      method: 'GET',
      headers,
      agent: isHttps ? agents.https : agents.http,
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
        const decode = encoding && encoding !== 'identity' ? decoders[encoding] : undefined;
        if (encoding && encoding !== 'identity' && !decode) {
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

/** Network errors in words a developer recognises. */
export function describeNetworkError(error: unknown): string {
  const err = error as NodeJS.ErrnoException | undefined;
  switch (err?.code) {
    case 'ECONNREFUSED':
      return 'connection refused (is the service running?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host not found (${err.message})`;
    case 'ECONNRESET':
      return 'connection reset';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'EPROTO':
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      return `TLS error: ${err.message}`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS certificate error: ${err.message}`;
    default:
      return err?.message ?? String(error);
  }
}
