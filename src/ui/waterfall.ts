import { escapeHtml } from '../html/escape-html.js';
import type { RecentPageJson } from './dev-state.js';

/**
 * A page's fragments as DevTools' network panel draws requests: one bar per fragment from its
 * start to its end, coloured by mode, marked when it failed; the page's first byte and end as
 * vertical lines. Server-rendered SVG (no script, no inline style attribute a CSP could block:
 * colours come from the dev page's stylesheet classes), so "why is this page slow" is answered
 * at a glance. Every bar has a `<title>` with the numbers.
 */
const WIDTH = 640;
const LABEL = 170;
const ROW = 18;
const TOP = 16;

export function renderWaterfall(page: RecentPageJson): string {
  const e = escapeHtml;
  const end = Math.max(1, page.durationMs, ...page.fragments.map((f) => f.startMs + f.durationMs));
  const span = WIDTH - LABEL - 8;
  const x = (ms: number) => LABEL + (Math.max(0, ms) / end) * span;
  const rows = page.fragments.map((f, i) => {
    const y = TOP + i * ROW;
    const name = `${f.depth > 0 ? '↳ '.padStart(2 * f.depth + 1, ' ') : ''}${f.name ?? '(not configured)'}`;
    const outcome = f.failed ? `failed${f.reason ? `: ${f.reason}` : ''}` : `HTTP ${f.status}`;
    const title = `${f.name ?? 'unconfigured include'} · ${f.mode} · starts ${fmt(f.startMs)} ms · ${fmt(f.durationMs)} ms · ${outcome}`;
    const width = Math.max(2, (f.durationMs / end) * span);
    return (
      `<g class="wf-row${f.failed ? ' wf-failed' : ''}"><title>${e(title)}</title>` +
      `<text x="4" y="${y + 12}" class="wf-label">${e(name)}</text>` +
      `<text x="${LABEL - 6}" y="${y + 12}" class="wf-mode wf-${f.mode}" text-anchor="end">${f.mode}</text>` +
      `<rect x="${x(f.startMs).toFixed(1)}" y="${y + 3}" width="${width.toFixed(1)}" height="${ROW - 6}" rx="2" class="wf-bar wf-${f.mode}"/>` +
      `<text x="${Math.min(WIDTH - 4, x(f.startMs) + width + 4).toFixed(1)}" y="${y + 12}" class="wf-ms"${x(f.startMs) + width + 50 > WIDTH ? ' text-anchor="end"' : ''}>${fmt(f.durationMs)} ms${f.failed ? ' ✗' : ''}</text></g>`
    );
  });
  const height = TOP + Math.max(1, page.fragments.length) * ROW + 6;
  const marker = (ms: number, label: string, cls: string) =>
    `<g class="${cls}"><title>${label} at ${fmt(ms)} ms</title><line x1="${x(ms).toFixed(1)}" y1="${TOP - 2}" x2="${x(ms).toFixed(1)}" y2="${height - 2}"/>` +
    `<text x="${x(ms).toFixed(1)}" y="10" text-anchor="${x(ms) > WIDTH - 60 ? 'end' : 'middle'}">${label} ${fmt(ms)}</text></g>`;
  const markers = [
    page.firstByteMs === null ? '' : marker(page.firstByteMs, 'first byte', 'wf-ttfb'),
    marker(page.durationMs, 'end', 'wf-end'),
  ].join('');
  const empty = page.fragments.length === 0 ? `<text x="${LABEL}" y="${TOP + 12}" class="wf-label">no fragments on this page</text>` : '';
  return (
    `<svg class="waterfall" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${e(`fragments of ${page.url} over ${fmt(page.durationMs)} ms`)}">` +
    `<rect x="${LABEL}" y="${TOP - 2}" width="${span}" height="${height - TOP}" class="wf-track"/>` +
    rows.join('') +
    empty +
    markers +
    `</svg>`
  );
}

/** CSS for the waterfall (classes only: the SVG carries no style attributes). */
export const WATERFALL_CSS = `
.waterfall{display:block;width:100%;max-width:900px;height:auto;margin:.2rem 0 .4rem;font:11px ui-monospace,SFMono-Regular,Menlo,monospace}
.wf-track{fill:#f6f7f9}.wf-label{fill:#1d1d1f}.wf-ms{fill:#555}.wf-mode{font-size:10px}
.wf-bar.wf-prod{fill:#8aa4c8}.wf-bar.wf-local{fill:#2fa56b}.wf-bar.wf-shadow{fill:#d9962b}
.wf-mode.wf-prod{fill:#4a6a98}.wf-mode.wf-local{fill:#17784a}.wf-mode.wf-shadow{fill:#9a6410}
.wf-failed .wf-bar{fill:#d64545}.wf-failed .wf-ms{fill:#c22}
.wf-ttfb line{stroke:#6b5bd6;stroke-dasharray:3 2}.wf-ttfb text{fill:#6b5bd6;font-size:10px}
.wf-end line{stroke:#444}.wf-end text{fill:#444;font-size:10px}
`;

function fmt(ms: number): string {
  return ms >= 100 ? String(Math.round(ms)) : String(Math.round(ms * 10) / 10);
}
