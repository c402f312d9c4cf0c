import type { ServerResponse } from 'node:http';
import { escapeHtml } from '../html/escape-html.js';

/**
 * The page shown when production cannot be reached (502) or does not answer in time (504):
 * which URL, why, and what to try. The gateway keeps running; the next request tries again.
 */
export function sendUpstreamErrorPage(res: ServerResponse, url: string, reason: string, status: 502 | 504 = 502): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${status} · ${status === 504 ? 'upstream did not answer in time' : 'mfe-dev could not reach upstream'}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:3rem auto;max-width:46rem;padding:0 1rem;color:#222}
code{background:#f3f3f3;padding:.1em .3em;border-radius:3px}h1{color:#b00;font-size:1.4rem}</style></head>
<body><h1>${status === 504 ? 'The upstream did not answer in time' : 'mfe-dev could not reach the upstream'}</h1>
<p>Requested <code>${escapeHtml(url)}</code></p>
<p>Cause: <strong>${escapeHtml(reason)}</strong></p>
<p>Check that <code>upstream</code> in your mfe-dev config is right and reachable from this machine
(VPN, proxy, certificate), then reload. mfe-dev keeps running.</p>
</body></html>
`;
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}
