import { httpGet } from './http/client.js';

/**
 * Is anything answering HTTP at `url`? Any HTTP response counts (a 404 still means the service
 * runs); a refused connection, a TLS failure or silence past `timeoutMs` does not. Used by
 * `mfe-dev check` and the dev page's health column. Asked with the product's one client
 * (http/client.ts) on a connection of its own, closed once the status is in.
 */
export type ProbeResult = { ok: true; status: number } | { ok: false; reason: string };

export function probeHttp(url: string, timeoutMs: number): Promise<ProbeResult> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve({ ok: false, reason: `not a URL: ${url}` });
  }
  return httpGet({ url: target, headers: {}, timeoutMs, maxBytes: 0, headOnly: true, acceptStatus: () => true }).then(
    (answer): ProbeResult => ({ ok: true, status: answer.status }),
    (error: Error & { reason?: string }): ProbeResult => ({ ok: false, reason: error.reason ?? error.message }),
  );
}
