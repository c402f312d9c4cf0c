import { DEV_PAGE_PATH, LIVE_RELOAD_PATH, STATE_API_PATH } from '../http/routes.js';

/**
 * The dev overlay: a small badge in the page's corner that says which fragments are not from
 * production, and links to the dev page. It lives in a shadow root so the page's styles and the
 * badge's never meet, and it does nothing else to the page but reload it when the gateway says
 * the page's local fragment HTML or the config changed (see live-reload.ts).
 */
export const OVERLAY_SCRIPT = `(() => {
  if (window.__mfeDevOverlay) return;
  window.__mfeDevOverlay = true;
  const host = document.createElement('mfe-dev-overlay');
  host.style.cssText = 'position:fixed;right:12px;bottom:12px;z-index:2147483647';
  const root = host.attachShadow({ mode: 'open' });
  // A constructed stylesheet, not a <style> element: production's CSP (style-src) would block
  // an inline one, and the overlay must not need the policy loosened.
  const sheet = new CSSStyleSheet();
  sheet.replaceSync('a{all:initial;display:block;font:12px/1.4 system-ui,sans-serif;background:#111;color:#fff;padding:6px 10px;border-radius:6px;box-shadow:0 2px 8px #0004;cursor:pointer}b{font-weight:700;color:#5fd}i{color:#fc6;font-style:normal}');
  root.adoptedStyleSheets = [sheet];
  root.innerHTML = '<a href="${DEV_PAGE_PATH}" title="mfe-dev: open the dev page">mfe-dev</a>';
  document.body.appendChild(host);
  // Live reload: the gateway says when this page's local fragment HTML or the config changed.
  if (window.EventSource) {
    const events = new EventSource('${LIVE_RELOAD_PATH}?page=' + encodeURIComponent(location.pathname + location.search));
    events.addEventListener('ready', () => { host.dataset.live = 'on'; });
    events.addEventListener('reload', () => { events.close(); location.reload(); });
  }
  fetch('${STATE_API_PATH}', { credentials: 'same-origin' })
    .then((r) => r.json())
    .then((state) => {
      const parts = state.fragments
        .filter((f) => f.mode !== 'prod')
        .map((f) => (f.mode === 'local' ? '<b>' : '<i>') + f.name + ' ' + f.mode + (f.healthy === false ? ' (down)' : '') + (f.mode === 'local' ? '</b>' : '</i>'));
      const warnings = state.warnings.length ? ' · ' + state.warnings.length + ' warning(s)' : '';
      root.querySelector('a').innerHTML = 'mfe-dev · ' + (parts.join(' · ') || 'all prod') + warnings;
    })
    .catch(() => {});
})();
`;
