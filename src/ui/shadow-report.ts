import { escapeHtml as e } from '../html/escape-html.js';
import type { FragmentShadowJson, LatencyJson, ShadowRecord, ShadowReportJson } from '../shadow/stats.js';
import { renderSideBySide, SIDE_BY_SIDE_CSS, type WordBudget } from './side-by-side.js';

/**
 * The shadow report as one standalone HTML file (no scripts, no external resources): the
 * per-fragment figures, then each recent difference, expandable, production beside local with
 * the changed lines highlighted (ui/side-by-side.ts). Meant
 * to be attached to a pull request; the same markup is the dev page's shadow section.
 */
export function renderShadowReportHtml(report: ShadowReportJson): string {
  const title = `mfe-dev shadow report · ${report.upstream}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${e(title)}</title><meta name="viewport" content="width=device-width">
<style>${SHADOW_REPORT_CSS}
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:80rem;padding:0 1rem;color:#1d1d1f}</style></head><body>
<h1>Shadow report</h1>
<p>Production <code>${e(report.upstream)}</code> · ${report.source === 'replay' ? 'replayed traffic' : 'live traffic through the gateway'} · ${e(report.generatedAt)}</p>
${renderShadowSection(report)}
</body></html>
`;
}

/** Styles of the shadow section (the report and the dev page share them). */
export const SHADOW_REPORT_CSS = `
table.shadow{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}.shadow td,.shadow th{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #e5e5e5;vertical-align:top}
.shadow td.n,.shadow th.n{text-align:right;font-variant-numeric:tabular-nums}code,pre{font:13px ui-monospace,monospace}
.same{color:#0a7}.differs{color:#c22}.failed{color:#a60}.hint{background:#fff8e1;border-left:3px solid #e0a000;padding:.2rem .6rem;margin:.3rem 0}
details.diff{border:1px solid #e5e5e5;border-radius:6px;margin:.5rem 0;padding:.3rem .7rem}details.diff summary{cursor:pointer}
table.sbs{border-collapse:collapse;width:100%;table-layout:fixed;margin:.4rem 0}table.sbs td,table.sbs th{vertical-align:top;padding:.2rem .5rem;border:1px solid #eee}
td.prod{background:#fff0f0}td.local{background:#effbf3}
${SIDE_BY_SIDE_CSS}`;

/** Figures and recent differences, without page chrome. */
export function renderShadowSection(report: ShadowReportJson): string {
  if (report.fragments.length === 0) return '<p>No shadow comparisons yet: set a fragment to shadow and load a page.</p>';
  const rows = report.fragments.map(renderFragmentRow).join('');
  // Word-level marking is shared out over the whole section (the newest records first).
  const budget: WordBudget = { pairs: 200 };
  const recent = report.recent.map((r, i) => renderRecord(r, i, budget)).join('');
  return `<table class="shadow"><tr><th>fragment</th><th class="n">compared</th><th class="n">identical</th><th class="n">different</th><th class="n">failed</th><th class="n">skipped</th><th class="n">production p50 / p95</th><th class="n">local p50 / p95</th><th class="n">noise learned</th></tr>${rows}</table>
<h3>Recent differences</h3>${recent || '<p class="same">None: every comparison so far matched production.</p>'}`;
}

function renderFragmentRow(f: FragmentShadowJson): string {
  const skipped = f.skipped ? `${f.skipped}<br><small>${f.skippedBy['in-flight']} over the in-flight limit, ${f.skippedBy.method} unsafe method${f.skippedBy.busy ? `, ${f.skippedBy.busy} with the comparison worker busy` : ''}</small>` : '0';
  return `<tr><td><code>${e(f.name)}</code></td><td class="n">${f.compared}</td><td class="n same">${f.identical}</td><td class="n ${f.different ? 'differs' : ''}">${f.different}</td><td class="n ${f.failed ? 'failed' : ''}">${f.failed}</td><td class="n">${skipped}</td><td class="n">${latency(f.latency.prod)}</td><td class="n">${latency(f.latency.local)}</td><td class="n">${f.noise}</td></tr>`;
}

const ms = (value: number | null) => (value === null ? '–' : `${value} ms`);
const latency = (l: LatencyJson) => `${ms(l.p50)} / ${ms(l.p95)}`;

function renderRecord(r: ShadowRecord, index: number, budget: WordBudget): string {
  const open = index === 0;
  const what = r.outcome === 'failed' ? `<span class="failed">failed</span>: ${e(r.error ?? '')}` : `<span class="differs">${r.fields.length + r.diff.hunks.length} difference(s)</span>`;
  const fields = r.fields.length
    ? `<table class="sbs"><tr><th>field</th><th>production</th><th>local</th></tr>${r.fields.map((f) => `<tr><td><code>${e(f.field)}</code></td><td class="prod"><code>${e(f.prod)}</code></td><td class="local"><code>${e(f.local)}</code></td></tr>`).join('')}</table>`
    : '';
  const hunks = renderSideBySide(r.diff, budget);
  return `<details class="diff"${open ? ' open' : ''}><summary><code>${e(r.fragment)}</code> <code>${e(new URL(r.prodUrl).pathname + new URL(r.prodUrl).search)}</code>${r.page ? ` on <code>${e(r.page)}</code>` : ''}: ${what} · production ${ms(r.prodMs)}, local ${ms(r.localMs)} · <small>${e(r.at)}</small></summary>
<p><small>production <code>${e(r.prodUrl)}</code> · local <code>${e(r.localUrl)}</code></small></p>${r.hint ? `<p class="hint" data-shadow-hint>Note: ${e(r.hint)}</p>` : ''}${fields}${hunks}</details>`;
}
