import { DEV_PAGE_PATH, LIVE_RELOAD_PATH, STATE_API_PATH } from '../http/routes.js';
import { OVERLAY_CSS, OVERLAY_PANEL_CODE } from './overlay-panel.js';

/**
 * The dev overlay: a small badge in the page's corner that says which fragments are not from
 * production, the warning count, and turns red when a config reload failed. Clicking it opens
 * the panel (overlay-panel.ts) to switch modes and presets; a modified click opens the dev page.
 * It lives in a shadow root so the page's styles and the overlay's never meet. It reloads the
 * page when the gateway says the page's local fragment HTML or the config changed
 * (live-reload.ts), and re-fetches the state when the gateway says it changed (state-events.ts).
 */
export const OVERLAY_SCRIPT = `(() => {
  if (window.__mfeDevOverlay) return;
  window.__mfeDevOverlay = true;
  // Each fragment's timing as a User Timing measure (\`mfe-NAME\`, DevTools' Performance panel
  // shows them): the gateway's figures, placed from the page's first byte.
  try {
    const tag = document.querySelector('script[data-mfe-dev-overlay][data-timings]');
    const timings = tag ? JSON.parse(tag.dataset.timings) : [];
    const navigation = performance.getEntriesByType('navigation')[0];
    const origin = navigation ? navigation.responseStart : 0;
    for (const t of Array.isArray(timings) ? timings : []) {
      performance.measure('mfe-' + t.name, {
        start: origin + t.startMs,
        duration: t.durationMs,
        detail: { fragment: t.name, mode: t.mode, status: t.status, failed: t.failed, source: 'mfe-dev gateway' },
      });
    }
  } catch {}
  const host = document.createElement('mfe-dev-overlay');
  host.style.cssText = 'position:fixed;right:12px;bottom:12px;z-index:2147483647';
  const root = host.attachShadow({ mode: 'open' });
  // A constructed stylesheet, not a <style> element: production's CSP (style-src) would block
  // an inline one, and the overlay must not need the policy loosened.
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(${JSON.stringify(OVERLAY_CSS)});
  root.adoptedStyleSheets = [sheet];
  /** An element with attributes and children (strings become text): never markup from data. */
  const h = (tag, attributes, ...children) => {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
    element.append(...children.filter((child) => child !== null && child !== undefined));
    return element;
  };
  const badge = h('a', { class: 'badge', href: '${DEV_PAGE_PATH}', title: 'mfe-dev: click for this page\\'s fragments, presets and errors', role: 'button', 'aria-expanded': 'false' }, 'mfe-dev');
  root.append(badge);
  document.body.appendChild(host);
  let state = null;
${OVERLAY_PANEL_CODE}
  const togglePanel = (open) => {
    panel.hidden = !open;
    badge.setAttribute('aria-expanded', String(open));
    if (open && state) renderPanel(state);
    if (!open) hideOutline();
  };
  badge.addEventListener('click', (event) => {
    // Ctrl/Cmd/Shift/middle click: the dev page, as a link.
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    togglePanel(panel.hidden);
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !panel.hidden) togglePanel(false);
  });
  const renderBadge = () => {
    const parts = state.fragments
      .filter((f) => f.mode !== 'prod')
      .map((f) => h(f.mode === 'local' ? 'b' : 'i', {}, f.name + ' ' + f.mode + (f.healthy === false ? ' (down)' : '')));
    const pieces = ['mfe-dev'];
    if (state.configError) pieces.push('config error');
    const active = state.presets.filter((p) => p.active).map((p) => p.name);
    if (active.length) pieces.push('preset ' + active.join(', '));
    badge.replaceChildren();
    badge.append(pieces.join(' · ') + ' · ');
    if (parts.length) parts.forEach((part, i) => badge.append(...(i ? [' · ', part] : [part])));
    else badge.append('all prod');
    if (state.warnings.length) badge.append(' · ' + state.warnings.length + ' warning(s)');
    badge.classList.toggle('error', Boolean(state.configError));
    host.dataset.state = state.configError ? 'config-error' : 'ok';
  };
  // One fetch at a time; a change announced during one is fetched right after it.
  let fetching = false;
  let again = false;
  const refresh = () => {
    if (fetching) return void (again = true);
    fetching = true;
    fetch('${STATE_API_PATH}', { credentials: 'same-origin', cache: 'no-store' })
      .then((r) => r.json())
      .then((next) => {
        state = next;
        renderBadge();
        if (!panel.hidden) renderPanel(state);
      })
      .catch(() => {})
      .finally(() => {
        fetching = false;
        if (again) {
          again = false;
          refresh();
        }
      });
  };
  // The gateway says when this page's local fragment HTML or the config changed (reload), and
  // when what the badge shows may have (state: a config error, a new warning).
  if (window.EventSource) {
    // The fragments this page shows an error box for: it reloads when their service is back.
    const errors = [...new Set([...document.querySelectorAll('[data-mfe-dev-error]')].map((box) => box.getAttribute('data-mfe-dev-error')))];
    // When the page was asked for: a local fragment that changed since then reloads it at once.
    const askedAt = document.querySelector('script[data-mfe-dev-overlay][data-asked-at]')?.dataset.askedAt;
    const events = new EventSource('${LIVE_RELOAD_PATH}?page=' + encodeURIComponent(location.pathname + location.search) + (errors.length ? '&errors=' + encodeURIComponent(errors.join(',')) : '') + (askedAt ? '&at=' + encodeURIComponent(askedAt) : ''));
    events.addEventListener('ready', () => { host.dataset.live = 'on'; });
    events.addEventListener('reload', () => { events.close(); location.reload(); });
    events.addEventListener('state', refresh);
  }
  refresh();
})();
`;
