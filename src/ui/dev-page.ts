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
      return send(res, 200, 'text/html; charset=utf-8', renderDevPage(state, shadowReport()), context.selection.setCookies);
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

function renderDevPage(state: DevStateJson, shadow: ShadowReportJson): string {
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
      const health = f.healthy === null ? '—' : f.healthy ? '<span class="ok">up</span>' : '<span class="bad">down</span>';
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
  const pages = state.recentPages
    .map((p) => `<li><a href="${e(gatewayHref(p.url))}"><code>${e(p.url)}</code></a> ${p.status} · ${p.durationMs} ms · ${p.fragments.map((f) => `${e(f.name ?? '?')} <span class="mode ${f.mode}">${f.mode}</span> ${f.durationMs} ms${f.failed ? ' <span class="bad">failed</span>' : ''}`).join(' · ')}</li>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mfe-dev</title><meta name="viewport" content="width=device-width">
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1d1d1f}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}td,th{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #e5e5e5;vertical-align:top}
code{font:13px ui-monospace,monospace}.mode.local{color:#0a7}.mode.shadow{color:#a60}.ok{color:#0a7}.bad{color:#c22}.off{color:#aaa}
.error{background:#fdecec;border:1px solid #e08080;padding:.5rem 1rem;border-radius:6px;margin-bottom:1rem}.error h2{margin:.2rem 0;color:#c22}
.warn{background:#fff8e6;border:1px solid #f0c36d;padding:.5rem 1rem;border-radius:6px}pre{background:#f6f6f6;padding:.5rem;overflow:auto}
${SHADOW_REPORT_CSS}</style></head><body>
<h1>mfe-dev</h1>
<p>Upstream <code>${e(state.upstream)}</code> · <a href="?mfe-dev=&amp;mfe-dev-preset=">reset this browser to the defaults</a> · <a href="${e(state.shareLink)}">share link for this selection</a></p>
${configError}${warnings}
<h2>Fragments</h2>
<table><tr><th>name</th><th>mode (this browser)</th><th>from</th><th>src</th><th>local</th><th>service</th><th>defined in</th></tr>${fragmentRows}</table>
<h2>Presets</h2>
${presetRows ? `<table><tr><th>name</th><th>description</th><th>sets</th><th></th><th>defined in</th></tr>${presetRows}</table>` : '<p>No presets configured.</p>'}
<h2>Shadow comparisons</h2>
<p><a href="${SHADOW_REPORT_PATH}" download>Download the report (HTML)</a> · <a href="${SHADOW_API_PATH}?download" download>JSON</a> · <a href="${SHADOW_API_PATH}">${SHADOW_API_PATH}</a></p>
${renderShadowSection(shadow)}
<h2>Recent pages</h2>${pages ? `<ul>${pages}</ul>` : '<p>No page composed yet.</p>'}
<script src="${DEV_PAGE_SCRIPT_PATH}" defer></script>
</body></html>
`;
}
