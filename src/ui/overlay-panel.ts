import { DEV_PAGE_PATH } from '../http/routes.js';

/**
 * The overlay's panel: what the badge opens, in the overlay's shadow root. For each fragment,
 * its mode in this browser and links to the others (the current page with `?mfe-dev=` carrying
 * this browser's other choices, so a click changes one fragment only); the presets, active
 * ones marked, with links to apply or drop them; the config reload error and the warnings.
 * Hovering a fragment's row outlines its element on the page: the error box that replaced it
 * (`[data-mfe-dev-error=NAME]`), else the element its `selector` finds.
 *
 * CSP-safe like the badge: elements built with the DOM (no markup from data, no inline styles
 * or handlers, no eval), styles in a constructed stylesheet, positions set through the CSSOM.
 * This is a piece of the overlay script's body (overlay-script.ts), not a module of its own:
 * it defines `renderPanel(state)`, `hideOutline()` and uses `root` and `h` from there.
 */
export const OVERLAY_CSS = [
  '.badge{all:initial;display:block;font:12px/1.4 system-ui,sans-serif;background:#111;color:#fff;padding:6px 10px;border-radius:6px;box-shadow:0 2px 8px #0004;cursor:pointer}',
  '.badge.error{background:#c22}.badge b{font-weight:700;color:#5fd}.badge i{color:#fc6;font-style:normal}.badge.error b,.badge.error i{color:#fff}',
  '.panel{all:initial;position:absolute;right:0;bottom:calc(100% + 8px);width:min(30rem,calc(100vw - 24px));max-height:70vh;overflow:auto;box-sizing:border-box;',
  'font:13px/1.45 system-ui,sans-serif;color:#1d1d1f;background:#fff;border:1px solid #ccc;border-radius:8px;box-shadow:0 4px 18px #0005;padding:10px 12px}',
  '.panel[hidden],.outline[hidden]{display:none}.panel h3{font-size:12px;margin:10px 0 4px;text-transform:uppercase;letter-spacing:.04em;color:#666}',
  '.panel table{border-collapse:collapse;width:100%}.panel td{padding:3px 4px;border-bottom:1px solid #eee;vertical-align:top}',
  '.panel a{color:#06c;text-decoration:none;margin-right:6px}.panel a:hover{text-decoration:underline}.panel strong{margin-right:6px}',
  '.panel .local{color:#0a7}.panel .shadow{color:#a60}.panel .off{color:#aaa;margin-right:6px}.panel .bad{color:#c22}.panel .note{color:#666;font-size:12px}',
  '.panel .top{display:flex;justify-content:space-between;align-items:center;gap:8px}.panel button{font:inherit;cursor:pointer;border:0;background:none;font-size:16px}',
  '.panel .config-error{background:#fdecec;border:1px solid #e08080;border-radius:6px;padding:6px 8px;margin-top:8px}',
  '.panel pre{white-space:pre-wrap;font:11px ui-monospace,monospace;margin:4px 0 0}.panel tr:hover{background:#f3f7ff}',
  '.outline{position:fixed;pointer-events:none;outline:2px solid #0a7;outline-offset:2px;background:#0a71;border-radius:2px}',
].join('');

export const OVERLAY_PANEL_CODE = String.raw`
  const MODES = ['prod', 'local', 'shadow'];
  /** The current page with the mfe-dev query parameters set (null deletes nothing, '' clears). */
  const pageWith = (params) => {
    const url = new URL(location.href);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return url.pathname + url.search + url.hash;
  };
  const pairsWith = (pairs, name, mode) =>
    Object.entries({ ...pairs, [name]: mode }).map(([n, m]) => n + '=' + m).join('|');
  const findFragment = (f) => {
    const box = document.querySelector('[data-mfe-dev-error="' + CSS.escape(f.name) + '"]');
    if (box) return box;
    try {
      return f.selector ? document.querySelector(f.selector) : null;
    } catch {
      return null;
    }
  };
  const outline = h('div', { class: 'outline', hidden: '' });
  root.append(outline);
  const showOutline = (element) => {
    const rect = element.getBoundingClientRect();
    outline.style.top = rect.top + 'px';
    outline.style.left = rect.left + 'px';
    outline.style.width = rect.width + 'px';
    outline.style.height = rect.height + 'px';
    outline.hidden = false;
  };
  const hideOutline = () => { outline.hidden = true; };
  const panel = h('div', { class: 'panel', hidden: '', role: 'dialog', 'aria-label': 'mfe-dev' });
  root.append(panel);

  const renderPanel = (state) => {
    const rows = state.fragments.map((f) => {
      const modes = MODES.map((mode) =>
        mode === f.mode
          ? h('strong', { class: mode }, mode)
          : mode !== 'prod' && !f.local
            ? h('span', { class: 'off', title: 'no local URL configured' }, mode)
            : h('a', { href: pageWith({ 'mfe-dev': pairsWith(state.browserPairs, f.name, mode) }), 'data-mode': mode }, mode),
      );
      const element = findFragment(f);
      const notes = [];
      if (document.querySelector('[data-mfe-dev-error="' + CSS.escape(f.name) + '"]')) notes.push(h('span', { class: 'bad' }, 'failed on this page'));
      if (f.healthy === false) notes.push(h('span', { class: 'bad' }, ' service down'));
      if (f.mode !== 'prod' && !element) notes.push(h('span', { class: 'note' }, f.selector ? ' not found on this page' : ' included (no selector to outline)'));
      const row = h('tr', { 'data-fragment': f.name }, h('td', {}, h('code', {}, f.name)), h('td', {}, ...modes), h('td', {}, ...notes));
      row.addEventListener('mouseenter', () => {
        const target = findFragment(f);
        if (target) showOutline(target);
      });
      row.addEventListener('mouseleave', hideOutline);
      return row;
    });
    const active = state.presets.filter((p) => p.active).map((p) => p.name);
    const presets = state.presets.map((p) =>
      h('tr', { 'data-preset': p.name },
        h('td', {}, h('code', {}, p.name)),
        h('td', {}, p.active
          ? h('a', { href: pageWith({ 'mfe-dev-preset': active.filter((n) => n !== p.name).join(',') }), 'data-action': 'drop' }, 'active · drop')
          : h('a', { href: pageWith({ 'mfe-dev-preset': [...active, p.name].join(',') }), 'data-action': 'apply' }, 'apply')),
        h('td', { class: 'note' }, p.description || '')),
    );
    const error = state.configError
      ? h('div', { class: 'config-error', 'data-config-error': '' },
          h('strong', { class: 'bad' }, 'Config reload failed'),
          h('span', { class: 'note' }, state.configError.file ? ' in ' + state.configError.file : ''),
          h('pre', {}, state.configError.message),
          h('span', { class: 'note' }, 'Still serving the last good config.'))
      : null;
    const close = h('button', { type: 'button', title: 'close', 'aria-label': 'close' }, '×');
    close.addEventListener('click', () => togglePanel(false));
    panel.replaceChildren(
      h('div', { class: 'top' },
        h('strong', {}, 'mfe-dev'),
        h('span', {}, h('a', { href: '${DEV_PAGE_PATH}' }, 'dev page'), h('a', { href: pageWith({ 'mfe-dev': '', 'mfe-dev-preset': '' }), 'data-action': 'reset' }, 'reset'), close)),
      ...(error ? [error] : []),
      h('h3', {}, 'Fragments'),
      h('table', {}, ...rows),
      h('h3', {}, 'Presets' + (active.length ? ' (active: ' + active.join(', ') + ')' : '')),
      presets.length ? h('table', {}, ...presets) : h('p', { class: 'note' }, 'No presets configured.'),
      ...(state.warnings.length
        ? [h('h3', {}, 'Warnings (' + state.warnings.length + ')'), h('ul', {}, ...state.warnings.slice(-5).map((w) => h('li', { class: 'note' }, w)))]
        : []),
    );
  };
`;
