/**
 * The bench's content: one "production" page in every include dialect, the page as production's
 * edge would have composed it, and the fragments. Every fragment body carries a token unique to
 * the fragment, its variant (prod or local) and this run, so a response that lacks a fragment,
 * or serves a stale one, is caught.
 *
 * Sizes follow the reference: the page as production sends it is ~30 KB (markup plus the include
 * markers); its 10 fragments are 2–6 KB each, so a composed page is ~64 KB.
 */

/** @typedef {'ssi' | 'esi' | 'tailor' | 'precomposed'} Dialect */

export const PAGE_BYTES = 30 * 1024;
export const DIALECTS = /** @type {const} */ (['ssi', 'esi', 'tailor', 'precomposed']);

const WORDS =
  'trail tent stove lantern compass ridge summit valley river canyon forest meadow boots jacket sleeping bag map route cabin glacier harbour'.split(
    ' ',
  );

/** Deterministic filler text. */
function words(seed, count) {
  let out = '';
  let x = seed * 2654435761;
  for (let i = 0; i < count; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out += (i ? ' ' : '') + WORDS[x % WORDS.length];
  }
  return out;
}

/** The token a fragment's body carries (`-END` keeps f1's token from being a prefix of f10's). */
export function fragmentToken(run, variant, i) {
  return `MFEBENCH-${run}-${variant}-f${i}-END`;
}

/** Size of fragment `i`: 2–6 KB, different per fragment. */
export function fragmentSize(i) {
  return 2048 + ((i * 1231) % 4097);
}

/**
 * A fragment body of exactly `fragmentSize(i)` bytes (ASCII).
 * @param {string} run @param {'prod' | 'local'} variant @param {number} i
 */
export function fragmentBody(run, variant, i) {
  const size = fragmentSize(i);
  const open = `<section class="fragment fragment-f${i}" data-fragment="f${i}" data-token="${fragmentToken(run, variant, i)}">\n<h2>Fragment f${i} (${variant})</h2>\n`;
  const close = `\n</section>\n`;
  let inner = '';
  let n = 0;
  while (open.length + inner.length + close.length < size) {
    inner += `<p class="line-${n}"><a href="/c/${i}/${n}">${words(i * 100 + n, 8)}</a> ${words(i * 77 + n, 12)}</p>\n`;
    n++;
  }
  const body = open + inner + close;
  // Trim the last paragraph's text to land on the exact size, keeping the markup closed.
  const excess = body.length - size;
  if (excess <= 0) return Buffer.from(body, 'latin1');
  const cut = inner.lastIndexOf('</p>');
  const trimmed = inner.slice(0, cut - excess) + inner.slice(cut);
  return Buffer.from(open + trimmed + close, 'latin1');
}

/** @param {Dialect} dialect @param {string} src */
export function marker(dialect, src) {
  switch (dialect) {
    case 'ssi':
      return `<!--#include virtual="${src}" -->`;
    case 'esi':
      return `<esi:include src="${src}"/>`;
    case 'tailor':
      return `<fragment src="${src}"/>`;
    default:
      throw new Error(`no marker for ${dialect}`);
  }
}

/**
 * The page as a list of literal strings and fragment slots, ~`PAGE_BYTES` of markup (slots count
 * as their SSI marker's length). Slots are spread evenly through the body.
 * @param {number} fragments
 * @returns {(string | { fragment: number })[]}
 */
export function pageTemplate(fragments, pageBytes = PAGE_BYTES) {
  const head =
    '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Nordwind Outdoor – bench page</title>\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    '<link rel="stylesheet" href="/assets/site.css">\n<link rel="modulepreload" href="/assets/app.js">\n' +
    '<style>body{font-family:sans-serif;margin:0}.fragment{border:1px solid #ddd;padding:8px}</style>\n' +
    '<script>window.dataLayer=window.dataLayer||[];if (1 < 2) dataLayer.push({page:"bench"});</script>\n' +
    '</head>\n<body class="page">\n<nav class="top"><a href="/">Home</a> <a href="/tents">Tents</a> <a href="/stoves">Stoves</a></nav>\n<main>\n';
  const tail = '</main>\n<footer class="site-footer"><p>© Nordwind Outdoor</p></footer>\n<script type="module" src="/assets/app.js"></script>\n</body>\n</html>\n';
  const slotBytes = fragments * marker('ssi', '/fragments/f00').length;
  const fillerBytes = Math.max(0, pageBytes - head.length - tail.length - slotBytes);
  const perGap = Math.floor(fillerBytes / (fragments + 1));
  /** @type {(string | { fragment: number })[]} */
  const parts = [head];
  let item = 0;
  const filler = (bytes) => {
    let out = '';
    while (out.length < bytes) {
      out += `<article class="product" id="p${item}"><a href="/products/${item}"><img src="/img/${item}.jpg" alt="${words(item, 3)}" loading="lazy"></a><h3>${words(item + 9, 3)}</h3><p>${words(item + 5, 14)}</p></article>\n`;
      item++;
    }
    return out;
  };
  for (let i = 0; i < fragments; i++) {
    parts.push(filler(perGap) + '<div class="slot">');
    parts.push({ fragment: i });
    parts.push('</div>\n');
  }
  parts.push(filler(perGap) + tail);
  return parts;
}

/**
 * Render a template: markers of `dialect` pointing at `/fragments/fI` (`slow` gets `?delay=`),
 * or, for 'precomposed', the fragments' bodies in place (what the edge would have produced).
 * @param {(string | { fragment: number })[]} template
 * @param {Dialect} dialect
 * @param {{ run: string, slow?: { fragment: number, delayMs: number } }} options
 */
export function renderPage(template, dialect, { run, slow }) {
  const chunks = template.map((part) => {
    if (typeof part === 'string') return Buffer.from(part, 'latin1');
    if (dialect === 'precomposed') return fragmentBody(run, 'prod', part.fragment);
    const query = slow && slow.fragment === part.fragment ? `?delay=${slow.delayMs}` : '';
    return Buffer.from(marker(dialect, `/fragments/f${part.fragment}${query}`), 'latin1');
  });
  return Buffer.concat(chunks);
}

/**
 * Every page the fixture serves, keyed by path, and what a correct composition returns.
 * @param {string} run
 */
export function buildPages(run) {
  const ten = pageTemplate(10);
  const hundred = pageTemplate(100, 100 * 1024);
  /** @type {Record<string, Buffer>} */
  const pages = {};
  for (const dialect of DIALECTS) {
    pages[`/page/${dialect}`] = renderPage(ten, dialect, { run });
    pages[`/page/${dialect}-slow`] = renderPage(ten, dialect, { run, slow: { fragment: 5, delayMs: 100 } });
    pages[`/page/${dialect}-100`] = renderPage(hundred, dialect, { run });
  }
  return pages;
}

/**
 * A 30 KB script, as a page load passes dozens of them through the gateway: never composed, its
 * bytes pass through untouched.
 * @param {string} run
 */
export function scriptAsset(run) {
  const lines = [`/* mfe-dev bench asset ${run} */`];
  for (let i = 0; lines.join('\n').length < PAGE_BYTES; i++) lines.push(`export function widget${i}(el) { el.dataset.widget = '${words(i, 4)}'; return el.querySelectorAll('.item-${i}').length; }`);
  return Buffer.from(lines.join('\n') + '\n', 'latin1');
}
export const SCRIPT_PATH = '/assets/app.js';

/** The 50 MB page: SSI includes near the start, in the middle and at the end. */
export const BIG_PAGE = {
  path: '/page/big',
  bytes: 50 * 1024 * 1024,
  fragments: [0, 1, 2],
};

/**
 * The big page, chunk by chunk.
 * Yields the pieces lazily so the fixture never holds 50 MB.
 */
export function* bigPageChunks(chunkBytes = 64 * 1024) {
  const row = Buffer.from(
    Array.from({ length: 64 }, (_, i) => `<tr><td>${i}</td><td>${words(i, 6)}</td></tr>\n`).join(''),
    'latin1',
  );
  const filler = Buffer.alloc(chunkBytes - (chunkBytes % row.length));
  for (let o = 0; o + row.length <= filler.length; o += row.length) row.copy(filler, o);
  const open = Buffer.from(`<!doctype html>\n<html><head><title>big</title></head><body>\n${marker('ssi', '/fragments/f0')}\n<table>\n`, 'latin1');
  const middle = Buffer.from(`</table>\n${marker('ssi', '/fragments/f1')}\n<table>\n`, 'latin1');
  const close = Buffer.from(`</table>\n${marker('ssi', '/fragments/f2')}\n</body></html>\n`, 'latin1');
  const fillerTotal = BIG_PAGE.bytes - open.length - middle.length - close.length;
  const half = Math.floor(fillerTotal / 2);
  yield open;
  yield* fill(half);
  yield middle;
  yield* fill(fillerTotal - half);
  yield close;

  function* fill(total) {
    let left = total;
    while (left > 0) {
      const n = Math.min(left, filler.length);
      yield n === filler.length ? filler : filler.subarray(0, n);
      left -= n;
    }
  }
}

/** Length of the big page once composed (the three markers replaced by their fragments). */
export function bigPageComposedBytes() {
  const markers = BIG_PAGE.fragments.reduce((sum, i) => sum + marker('ssi', `/fragments/f${i}`).length, 0);
  const bodies = BIG_PAGE.fragments.reduce((sum, i) => sum + fragmentSize(i), 0);
  return BIG_PAGE.bytes - markers + bodies;
}
