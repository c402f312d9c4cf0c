import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERROR_BOX_CSS } from '../compose/error-box.js';
import { DEV_PAGE_PATH, DEV_PAGE_SCRIPT_PATH, DEV_PREFIX, ERROR_BOX_CSS_PATH, OVERLAY_SCRIPT_PATH, SHADOW_API_PATH, SHADOW_REPORT_PATH, STATE_API_PATH } from '../http/routes.js';
import { escapeHtml } from '../html/escape-html.js';
import type { RequestContext } from '../server/request-context.js';
import { renderShadowReportHtml, renderShadowSection, SHADOW_REPORT_CSS } from './shadow-report.js';
import type { ShadowReportJson } from '../shadow/stats.js';
import type { DevStateJson, DevStateStore } from './dev-state.js';
import { DEV_PAGE_SCRIPT } from './dev-page-script.js';
import { OVERLAY_SCRIPT } from './overlay-script.js';
import { renderWaterfall, WATERFALL_CSS } from './waterfall.js';

/**
 * The gateway's own pages under `/__mfe-dev` (see http/routes.ts for the paths): the dev page,
 * its JSON state, the overlay script and the error box's stylesheet. Anything else there is a 404.
 * The caller hands over what it decided about the request (modes, presets, cookies to set).
 */
export function createDevPageHandler(store: DevStateStore, shadowReport: () => ShadowReportJson) {
  return async function devPage(req: IncomingMessage, res: ServerResponse, context: RequestContext): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, 405, 'text/plain; charset=utf-8', `${req.method} is not supported on ${path}\n`, context.selection.setCookies);
    }
    if (path === OVERLAY_SCRIPT_PATH) {
      return send(res, 200, 'text/javascript; charset=utf-8', OVERLAY_SCRIPT, context.selection.setCookies);
    }
    if (path === DEV_PAGE_SCRIPT_PATH) {
      return send(res, 200, 'text/javascript; charset=utf-8', DEV_PAGE_SCRIPT, context.selection.setCookies);
    }
    if (path === ERROR_BOX_CSS_PATH) {
      return send(res, 200, 'text/css; charset=utf-8', ERROR_BOX_CSS, context.selection.setCookies);
    }
    if (path === STATE_API_PATH) {
      const state = await store.snapshot(context.state, context.selection, context.gatewayOrigin);
      return send(res, 200, 'application/json; charset=utf-8', JSON.stringify(state, null, 2), context.selection.setCookies);
    }
    if (path === SHADOW_API_PATH) {
      const download = /[?&]download(=|&|$)/.test(req.url ?? '');
      return send(res, 200, 'application/json; charset=utf-8', JSON.stringify(shadowReport(), null, 2) + '\n', context.selection.setCookies, download ? attachment('json') : {});
    }
    if (path === SHADOW_REPORT_PATH) {
      return send(res, 200, 'text/html; charset=utf-8', renderShadowReportHtml(shadowReport()), context.selection.setCookies, attachment('html'));
    }
    if (path === DEV_PREFIX || path === DEV_PAGE_PATH) {
      const state = await store.snapshot(context.state, context.selection, context.gatewayOrigin);
      // Its own strict policy: its one stylesheet by nonce, its script from the gateway, nothing inline.
      const nonce = randomBytes(16).toString('base64');
      return send(res, 200, 'text/html; charset=utf-8', renderDevPage(state, shadowReport(), nonce), context.selection.setCookies, { 'content-security-policy': devPagePolicy(nonce) });
    }
    send(res, 404, 'text/plain; charset=utf-8', `mfe-dev has no page at ${path}. The dev page is ${DEV_PAGE_PATH}\n`, context.selection.setCookies);
  };
}

/** A report to save, named by the time it was made: `mfe-dev-shadow-report-2026-11-26T13-50-00.html`. */
function attachment(extension: 'json' | 'html'): Record<string, string> {
  const stamp = new Date().toISOString().slice(0, 19).replace(/:/g, '-');
  return { 'content-disposition': `attachment; filename="mfe-dev-shadow-report-${stamp}.${extension}"` };
}

function send(res: ServerResponse, status: number, type: string, body: string, setCookies: readonly string[], extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    ...extra,
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...(setCookies.length ? { 'set-cookie': [...setCookies] } : {}),
  });
  res.end(body);
}

const MODES = ['prod', 'local', 'shadow'] as const;

/**
 * A link to a page the gateway served, that stays on the gateway: a page requested as
 * `//evil.example/x` (or `/\\evil.example/x`) would otherwise be a protocol-relative link to
 * another site. `/.` in front keeps the very same path (the browser drops the `.` segment).
 */
export function gatewayHref(url: string): string {
  if (!url.startsWith('/')) return `/${url}`;
  return /^\/[/\\]/.test(url) ? `/.${url}` : url;
}

/** This browser's pairs with one fragment's mode changed: a click changes that fragment only. */
function pairsWith(pairs: Record<string, string>, name: string, mode: string): string {
  return Object.entries({ ...pairs, [name]: mode })
    .map(([n, m]) => `${n}=${m}`)
    .join('|');
}

/**
 * The dev page's Content-Security-Policy: it shows text that production and local services
 * wrote (diffs, URLs, reasons), all escaped; should an escape ever be missed, nothing in it can
 * run or load. Its `<style>` carries the nonce, its script and data come from the gateway.
 */
export function devPagePolicy(nonce: string): string {
  return `default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'nonce-${nonce}'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'`;
}

function renderDevPage(state: DevStateJson, shadow: ShadowReportJson, nonce: string): string {
  const e = escapeHtml;
  const fragmentRows = state.fragments
    .map((f) => {
      const links = MODES.map((mode) =>
        mode === f.mode
          ? `<strong class="mode ${mode}">${mode}</strong>`
          : mode !== 'prod' && !f.local
            ? `<span class="off" title="no local URL configured">${mode}</span>`
            : `<a href="?mfe-dev=${encodeURIComponent(pairsWith(state.browserPairs, f.name, mode))}">${mode}</a>`,
      ).join(' ');
      // Down is an alarm only where this browser uses the service; a service of a fragment in
      // prod mode (the demo's search) is just not running.
      const health = f.healthy === null ? '—' : f.healthy ? '<span class="ok">up</span>' : f.mode === 'prod' ? '<span class="off" title="not used by this browser">not running</span>' : '<span class="bad">down</span>';
      return `<tr><td><code>${e(f.name)}</code></td><td>${links}</td><td>${e(f.source)}</td><td><code>${e(f.src)}</code>${f.selector ? `<br><small>${e(f.selector)}</small>` : ''}</td><td>${f.local ? `<code>${e(f.local)}</code>` : '—'}</td><td>${health}</td><td><small>${e(f.from)}</small></td></tr>`;
    })
    .join('');
  const presetRows = state.presets
    .map((p) => {
      const sets = [
        ...(['local', 'prod', 'shadow'] as const).filter((m) => p[m].length).map((m) => `${m}: ${p[m].join(', ')}`),
        ...Object.entries(p.headers).map(([k, v]) => `header ${k}: ${v}`),
        ...Object.entries(p.cookies).map(([k, v]) => `cookie ${k}=${v}`),
      ];
      const toggle = p.active ? `<strong>active</strong>` : `<a href="?mfe-dev-preset=${encodeURIComponent(p.name)}">apply</a>`;
      return `<tr><td><code>${e(p.name)}</code></td><td>${e(p.description ?? '')}</td><td>${sets.map(e).join('<br>')}</td><td>${toggle}</td><td><small>${e(p.from)}</small></td></tr>`;
    })
    .join('');
  const configError = state.configError
    ? `<section class="error" data-mfe-dev-config-error><h2>Config reload failed</h2><p>Still serving the last good config. Fix ${state.configError.file ? `<code>${e(state.configError.file)}</code>` : 'the config'} and save: this clears once a reload succeeds.</p><pre>${e(state.configError.message)}</pre><small>at ${e(state.configError.at)}</small></section>`
    : '';
  const warnings = state.warnings.length ? `<section class="warn"><h2>Warnings</h2><ul>${state.warnings.map((w) => `<li>${e(w)}</li>`).join('')}</ul></section>` : '';
  // The newest page open; each one a waterfall of its fragments (ui/waterfall.ts).
  const pages = state.recentPages
    .map((p, i) => {
      const failed = p.fragments.filter((f) => f.failed).length;
      const summary = `<code>${e(p.url)}</code> <span class="status s${Math.floor(p.status / 100)}">${p.status}</span> <span class="muted">${p.durationMs} ms · ${p.fragments.length} fragment(s)${p.firstByteMs === null ? '' : ` · first byte ${Math.round(p.firstByteMs)} ms`}</span>${failed ? ` <span class="bad">${failed} failed</span>` : ''}`;
      return `<details class="page"${i < 3 ? ' open' : ''}><summary>${summary} <a class="open" href="${e(gatewayHref(p.url))}">open</a></summary>${renderWaterfall(p)}</details>`;
    })
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mfe-dev</title><meta name="viewport" content="width=device-width">
<style nonce="${e(nonce)}">
:root{color-scheme:light}
body{font:13px/1.45 system-ui,sans-serif;margin:0;color:#1d1d1f;background:#f5f6f8}
header.bar{display:flex;gap:1rem;align-items:baseline;flex-wrap:wrap;background:#111;color:#fff;padding:.55rem 1.2rem}
header.bar h1{font-size:15px;margin:0;color:#5fd}header.bar a{color:#fc6}header.bar code{color:#fff}
main{max-width:76rem;margin:0 auto;padding:.8rem 1.2rem 2rem}
section.card{background:#fff;border:1px solid #e2e4e8;border-radius:8px;padding:.5rem .9rem;margin:.8rem 0}
h2{font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:#555;margin:.3rem 0 .4rem}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #eee;vertical-align:top}th{font-weight:600;color:#666;font-size:12px}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}.muted{color:#666}
.mode.local{color:#0a7}.mode.shadow{color:#a60}.ok{color:#0a7}.bad{color:#c22}.off{color:#999}
.status{font:600 11px ui-monospace,monospace;padding:0 .3em;border-radius:3px;background:#e8f5ee;color:#17784a}.status.s4,.status.s5{background:#fdecec;color:#c22}.status.s3{background:#eef2fb;color:#4a6a98}
details.page{border-top:1px solid #eee;padding:.3rem 0}details.page summary{cursor:pointer;list-style-position:outside}details.page .open{font-size:12px;margin-left:.4rem}
.error{background:#fdecec;border:1px solid #e08080;padding:.5rem .9rem;border-radius:8px;margin:.8rem 0}.error h2{margin:.2rem 0;color:#c22}
.warn{background:#fff8e6;border:1px solid #f0c36d;padding:.5rem .9rem;border-radius:8px;margin:.8rem 0}.warn ul{margin:.2rem 0;padding-left:1.2rem}
pre{background:#f6f6f6;padding:.5rem;overflow:auto}
${WATERFALL_CSS}
${SHADOW_REPORT_CSS}</style></head><body>
<header class="bar"><h1>mfe-dev</h1><span>upstream <code>${e(state.upstream)}</code></span><a href="?mfe-dev=&amp;mfe-dev-preset=">reset this browser</a><a href="${e(state.shareLink)}">share link for this selection</a></header>
<main>
${configError}${warnings}
<section class="card"><h2>Fragments</h2>
<table><tr><th>name</th><th>mode (this browser)</th><th>from</th><th>src</th><th>local</th><th>service</th><th>defined in</th></tr>${fragmentRows}</table></section>
<section class="card" id="pages"><h2>Recent pages</h2>${pages || '<p class="muted">No page composed yet: open one through the gateway.</p>'}</section>
<section class="card"><h2>Shadow comparisons</h2>
<p><a href="${SHADOW_REPORT_PATH}" download>Download the report (HTML)</a> · <a href="${SHADOW_API_PATH}?download" download>JSON</a> · <a href="${SHADOW_API_PATH}">${SHADOW_API_PATH}</a></p>
${renderShadowSection(shadow)}</section>
<section class="card"><h2>Presets</h2>
${presetRows ? `<table><tr><th>name</th><th>description</th><th>sets</th><th></th><th>defined in</th></tr>${presetRows}</table>` : '<p class="muted">No presets configured.</p>'}</section>
</main>
<script src="${DEV_PAGE_SCRIPT_PATH}" defer></script>
</body></html>
`;
}
