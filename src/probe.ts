import http from 'node:http';
import https from 'node:https';
import { BACKEND_REQUEST_OPTIONS } from './http/backend-parser.js';
import { describeNetworkError } from './http/network-error.js';

/**
 * Is anything answering HTTP at `url`? Any HTTP response counts (a 404 still means the service
 * runs); a refused connection, a TLS failure or silence past `timeoutMs` does not. Used by
 * `mfe-dev check` and the dev page's health column.
 */
export type ProbeResult = { ok: true; status: number } | { ok: false; reason: string };

export function probeHttp(url: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const client = url.startsWith('https:') ? https : http;
    const request = client.get(url, { timeout: timeoutMs, agent: false, ...BACKEND_REQUEST_OPTIONS }, (response) => {
      response.resume();
      resolve({ ok: true, status: response.statusCode ?? 0 });
    });
    request.on('timeout', () => request.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    request.on('error', (error) => resolve({ ok: false, reason: describeNetworkError(error) }));
  });
}
