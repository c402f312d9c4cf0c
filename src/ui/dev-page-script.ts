import { DEV_PAGE_PATH, LIVE_RELOAD_PATH } from '../http/routes.js';

/**
 * The dev page's script (served from the gateway's own origin, at `/__mfe-dev/dev-page.js`):
 * it keeps the page current without a manual reload. It listens to the event stream
 * (`/__mfe-dev/events`); on `state` (a page ended, the config reloaded or failed to, a warning
 * appeared; see state-events.ts) or `reload` it fetches the dev page again and replaces the
 * sections whose HTML changed, so one renderer (dev-page.ts) draws the page on the server and
 * the sections that did not change keep their DOM (an expanded diff stays expanded). Without
 * JavaScript the page is the same, current as of its load.
 *
 * Sections are the top-level runs of `<main>` (the body on older pages) that start at an `<h2>`
 * or a `<section>`.
 */
export const DEV_PAGE_SCRIPT = `(() => {
  if (!window.EventSource || !window.DOMParser) return;
  const root = document.documentElement;
  const container = (doc) => doc.querySelector('main') || doc.body;
  const sections = (body) => {
    const groups = [];
    for (const node of container(body.ownerDocument || document).children) {
      if (node.tagName === 'SCRIPT') continue;
      if (groups.length === 0 || node.tagName === 'H2' || node.tagName === 'SECTION') groups.push({ key: '', nodes: [] });
      const group = groups[groups.length - 1];
      if (group.nodes.length === 0) group.key = node.tagName + ':' + (node.tagName === 'SECTION' ? node.className : node.textContent);
      group.nodes.push(node);
    }
    for (const group of groups) group.html = group.nodes.map((n) => n.outerHTML).join('');
    return groups;
  };
  let last = sections(document.body).map((g) => g.html);
  let running = false;
  let again = false;
  const refresh = async () => {
    if (running) return void (again = true);
    running = true;
    try {
      // The path alone: the cookie already holds what a ?mfe-dev= in the address set.
      const response = await fetch('${DEV_PAGE_PATH}', { credentials: 'same-origin', cache: 'no-store' });
      if (!response.ok) return;
      // Without its <style>: parsed here, it would be checked against this page's policy, whose
      // nonce is not the one the new copy was rendered with (and its rules are here already).
      const html = (await response.text()).replace(/<style\\b[\\s\\S]*?<\\/style>/gi, '');
      const next = sections(new DOMParser().parseFromString(html, 'text/html').body);
      const current = sections(document.body);
      const openDetails = new Set([...document.querySelectorAll('details[open] > summary')].map((s) => s.textContent));
      const sameShape = current.length === next.length && current.every((g, i) => g.key === next[i].key);
      if (sameShape) {
        next.forEach((group, i) => {
          if (group.html === last[i]) return;
          const anchor = current[i].nodes[0];
          for (const node of group.nodes) anchor.before(document.adoptNode(node));
          for (const node of current[i].nodes) node.remove();
        });
      } else {
        const into = container(document);
        const script = into.querySelector(':scope > script');
        for (const group of current) for (const node of group.nodes) node.remove();
        for (const group of next) for (const node of group.nodes) into.insertBefore(document.adoptNode(node), script);
      }
      for (const summary of document.querySelectorAll('details > summary')) {
        if (openDetails.has(summary.textContent)) summary.parentElement.open = true;
      }
      last = next.map((g) => g.html);
      root.dataset.mfeDevRenders = String(Number(root.dataset.mfeDevRenders || 0) + 1);
    } catch {
      // The gateway stopped or restarts: the stream reconnects, and the next event refreshes.
    } finally {
      running = false;
      if (again) {
        again = false;
        void refresh();
      }
    }
  };
  const events = new EventSource('${LIVE_RELOAD_PATH}?page=' + encodeURIComponent('${DEV_PAGE_PATH}'));
  let connectedBefore = false;
  events.addEventListener('ready', () => {
    root.dataset.mfeDevLive = 'on';
    // After a lost connection (a gateway restart), whatever changed meanwhile.
    if (connectedBefore) void refresh();
    connectedBefore = true;
  });
  events.addEventListener('state', () => void refresh());
  events.addEventListener('reload', () => void refresh());
})();
`;
