/**
 * Static files of the simulated shop: its stylesheet, its logo (a real PNG, built in memory so
 * the repository holds no binary file) and the production header's script.
 */
import { crc32, deflateSync } from 'node:zlib';

export const SITE_CSS = `:root { --ink: #1d2b33; --fjord: #1f4e5f; --snow: #f4f7f8; --moss: #4f7a3a; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: var(--ink); background: var(--snow); }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem; }
a { color: var(--fjord); }
.site-header { display: flex; gap: 1.5rem; align-items: center; padding: .75rem 1.5rem; background: var(--fjord); color: #fff; }
.site-header a { color: #fff; text-decoration: none; }
.site-header .logo { display: flex; gap: .5rem; align-items: center; font-weight: 700; }
.site-header nav { display: flex; gap: 1rem; flex: 1; }
.search { display: flex; gap: .5rem; margin: 1rem 0; }
.search input { flex: 1; padding: .5rem; }
.hero { padding: 2rem 0; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: 1rem; padding: 0; list-style: none; }
.grid li, .cart { padding: 1rem; background: #fff; border-radius: .5rem; }
.price { font-size: 1.5rem; color: var(--moss); }
.cart--fallback { color: #666; font-style: italic; }
.beta { padding: .5rem 1rem; background: #fff3c4; border-radius: .5rem; }
.site-footer { padding: 1.5rem; text-align: center; color: #667; }
`;

export const HEADER_JS = `// Production header: marks itself as hydrated and highlights the current page.
const header = document.querySelector('header[data-fragment="header"]');
if (header) {
  header.dataset.hydrated = 'prod';
  for (const link of header.querySelectorAll('nav a')) {
    if (link.getAttribute('href') === location.pathname) link.setAttribute('aria-current', 'page');
  }
}
`;

/** The shop's 32×32 logo: a snowy mountain on a fjord-blue square. */
export const LOGO_PNG = png(32, 32, (x, y) => {
  const slope = 8 + Math.abs(x - 16) * 1.4;
  if (y < slope || y > 27) return [0x1f, 0x4e, 0x5f];
  return y < 14 ? [0xff, 0xff, 0xff] : [0x8f, 0xa9, 0xb3];
});

/**
 * Encodes an RGB image as a PNG: signature, IHDR, one IDAT, IEND. Same pixels, same bytes.
 * @param {number} width
 * @param {number} height
 * @param {(x: number, y: number) => number[]} pixel RGB of one pixel, each 0–255
 * @returns {Buffer}
 */
function png(width, height, pixel) {
  const rows = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + width * 3); // each row starts with its filter type: 0, none
    for (let x = 0; x < width; x++) rows.set(pixel(x, y), row + 1 + x * 3);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type 2 (RGB), deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * @param {string} type
 * @param {Buffer} data
 */
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
