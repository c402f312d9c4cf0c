// The LOCAL cart's module, bundled by webpack. Edit NOTE while the example runs: the note in the
// page changes at once, without a page reload (the module accepts its own updates).
const NOTE = 'local cart (webpack): edit examples/cart-webpack/src/cart.js';

const cart = document.querySelector('aside[data-fragment="cart"]');
if (cart) {
  cart.dataset.hydrated = 'local-webpack';
  const note = cart.querySelector('[data-cart-note]');
  if (note) note.textContent = NOTE;
}

if (import.meta.webpackHot) import.meta.webpackHot.accept();
