import type http from 'node:http';
import type { Agents } from '../http/agents.js';
import { HttpFailure, httpGet } from '../http/client.js';
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

/** A side that gave no answer: the product's one HTTP failure type (http/client.ts). */
export { HttpFailure as SideFailure } from '../http/client.js';

const DEFAULT_MAX_BYTES = 1024 * 1024;

export function fetchSide({ url, headers, timeoutMs, agents, maxBytes = DEFAULT_MAX_BYTES }: SideRequest): Promise<SideResponse> {
  const started = performance.now();
  return httpGet({ url, headers, timeoutMs, agents, maxBytes, acceptStatus: () => true }).then(
    (answer) => ({
      status: answer.status,
      headers: answer.headers,
      body: new TextDecoder(charsetOf(answer.headers['content-type'])).decode(answer.body),
      durationMs: performance.now() - started,
    }),
    (error: unknown) => {
      if (!(error instanceof HttpFailure)) throw error;
      if (error.kind === 'timeout') throw new HttpFailure(`no answer within ${timeoutMs} ms`, undefined, 'timeout');
      if (error.kind === 'too-large') throw new HttpFailure(`body larger than ${maxBytes} bytes; not compared`, error.status, 'too-large');
      throw error;
    },
  );
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
