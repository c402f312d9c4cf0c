import http from 'node:http';
import https from 'node:https';
import type { Agents } from '../http/agents.js';
import { BodyTooLargeError, readCappedBody } from '../http/capped-body.js';
import { canDecode } from '../http/encodings.js';
import { describeNetworkError } from '../http/network-error.js';
import type { SideResponse } from './compare.js';

/**
 * One side of a shadow comparison: a GET whose status and headers are kept whatever they are
 * (a 500 from the local service is a difference to report, not a failure), with a deadline for
 * the whole exchange and a cap on the body. Only no answer at all (refused, reset, timed out,
 * too large) rejects, with a reason written for the developer.
 */
export interface SideRequest {
  url: URL;
  headers: http.OutgoingHttpHeaders;
  timeoutMs: number;
  agents: Agents;
  /**
   * Bodies larger than this are not compared: parsing and diffing run on the gateway's event
   * loop, between the pages it serves. @default 1 MiB
   */
  maxBytes?: number;
}

export class SideFailure extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'SideFailure';
  }
}

const DEFAULT_MAX_BYTES = 1024 * 1024;

export function fetchSide({ url, headers, timeoutMs, agents, maxBytes = DEFAULT_MAX_BYTES }: SideRequest): Promise<SideResponse> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const isHttps = url.protocol === 'https:';
    const request = (isHttps ? https : http).request(url, { method: 'GET', headers, agent: isHttps ? agents.https : agents.http });
    const timer = setTimeout(() => request.destroy(new SideFailure(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: unknown) => {
      clearTimeout(timer);
      reject(error instanceof SideFailure ? error : new SideFailure(describeNetworkError(error)));
    };
    request.on('error', fail);
    request.on('response', (response) => {
      const encoding = response.headers['content-encoding'];
      if (!canDecode(encoding)) {
        response.destroy();
        return fail(new SideFailure(`unsupported content-encoding '${encoding}'`));
      }
      readCappedBody(response, encoding, maxBytes).then(
        (body) => {
          clearTimeout(timer);
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: new TextDecoder(charsetOf(response.headers['content-type'])).decode(body),
            durationMs: performance.now() - started,
          });
        },
        (error: unknown) => fail(error instanceof BodyTooLargeError ? new SideFailure(`body larger than ${maxBytes} bytes; not compared`) : error),
      );
    });
    request.end();
  });
}

/** The declared charset if TextDecoder knows it, else UTF-8. */
function charsetOf(contentType: string | undefined): string {
  const declared = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1];
  if (!declared) return 'utf-8';
  try {
    return new TextDecoder(declared).encoding;
  } catch {
    return 'utf-8';
  }
}
