/**
 * The HTML of Nordwind Outdoor. Pages are templates with include markers, the way the
 * production edge receives them: the home page uses nginx SSI, product pages ESI, the checkout
 * Tailor. `/about` is the odd one out: production already composed it, so the header's HTML is
 * inside the page. Fragments are the small HTML pieces those markers point at.
 */

/** @typedef {{ sku: string, name: string, price: string, blurb: string }} Product */

/** @type {Product[]} */
export const PRODUCTS = [
  { sku: 'tent-2p', name: 'Fjellstue 2P Tent', price: '€349', blurb: 'A two-person, three-season tent that pitches in four minutes.' },
  { sku: 'sleeping-bag', name: 'Polarnatt Sleeping Bag', price: '€229', blurb: 'Down fill, comfortable down to −7 °C.' },
  { sku: 'stove', name: 'Bål Camping Stove', price: '€79', blurb: 'Boils a litre in three minutes and folds to the size of a fist.' },
];

/** @param {string} sku */
export function findProduct(sku) {
  return PRODUCTS.find((product) => product.sku === sku);
}

/** @param {string} value */
export function escapeHtml(value) {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/**
 * @param {string} title
 * @param {string} body
 */
function layout(title, body) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Nordwind Outdoor</title>
<link rel="stylesheet" href="/assets/site.css">
<link rel="icon" href="/assets/logo.png">
</head>
<body>
${body}
</body>
</html>
`;
}

/** @param {Product} product */
function productCard(product) {
  return `<li><a href="/products/${product.sku}"><strong>${escapeHtml(product.name)}</strong></a><br>${product.price}</li>`;
}

// ---------------------------------------------------------------------------------------------
// Pages

/** `/`: nginx SSI. */
export function homePage() {
  return layout('Gear for the long way round', `<!--#include virtual="/fragments/header" -->
<main>
  <section class="hero">
    <h1>Gear for the long way round</h1>
    <p>Tents, sleeping bags and stoves tested on the coast of Norway since 1987.</p>
  </section>
  <!--#include virtual="/fragments/search" -->
  <section>
    <h2>Bestsellers</h2>
    <ul class="grid">
      ${PRODUCTS.map(productCard).join('\n      ')}
    </ul>
  </section>
</main>
<!--#include virtual="/fragments/footer" -->`);
}

/**
 * `/products/SKU`: ESI, with the cart falling back to a static box and edge-only markup.
 * @param {Product} product
 */
export function productPage(product) {
  return layout(product.name, `<esi:include src="/fragments/header"/>
<main class="product">
  <h1>${escapeHtml(product.name)}</h1>
  <p class="price">${product.price}</p>
  <p>${escapeHtml(product.blurb)}</p>
  <esi:include src="/fragments/cart?sku=${product.sku}" alt="/fragments/cart-fallback" onerror="continue"/>
  <esi:remove><p class="no-edge">The cart appears here when the page goes through the edge. <a href="/checkout">Go to checkout</a></p></esi:remove>
  <!--esi <p class="delivery">Delivered in 2–3 working days.</p> -->
</main>
<esi:include src="/fragments/footer"/>`);
}

/**
 * `/checkout`: Tailor. The cart is the primary fragment: if it fails, so does the page.
 * @param {{ newCheckout: boolean }} options `newCheckout` from the `toguru` feature-toggle cookie
 */
export function checkoutPage({ newCheckout }) {
  const beta = newCheckout ? '\n  <p class="beta" data-toggle="new-checkout">You are seeing the new checkout.</p>' : '';
  return layout('Checkout', `<fragment src="/fragments/header"></fragment>
<main class="checkout${newCheckout ? ' checkout--new' : ''}">
  <h1>Checkout</h1>${beta}
  <fragment src="/fragments/cart" primary></fragment>
  <p><button type="button" disabled>Place order (this is a demo)</button></p>
</main>
<fragment src="/fragments/footer" timeout="2000"></fragment>`);
}

/**
 * `/about`: already composed by production, so no include markers: the fragments' HTML is in
 * the page, each on its element with `data-fragment`.
 * @param {{ user?: string }} session
 */
export function aboutPage(session) {
  return layout('About us', `${headerFragment(session)}
<main>
  <h1>About Nordwind Outdoor</h1>
  <p>We started as a two-person workshop in Tromsø, repairing tents for fishermen. Today we make
  the gear we wished we had back then, and we still repair it, for free, for as long as you own it.</p>
</main>
${footerFragment()}`);
}

/**
 * `/search?q=`: SSI, served gzip-compressed by the server when the browser accepts it.
 * @param {string} query
 */
export function searchPage(query) {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const hits = PRODUCTS.filter((p) => words.some((word) => `${p.name} ${p.blurb}`.toLowerCase().includes(word)));
  const results = hits.length
    ? `<ul class="grid">\n    ${hits.map(productCard).join('\n    ')}\n  </ul>`
    : `<p>Nothing found for “${escapeHtml(query)}”.</p>`;
  return layout(`Search: ${query}`, `<!--#include virtual="/fragments/header" -->
<main>
  <!--#include virtual="/fragments/search?q=${encodeURIComponent(query)}" -->
  <h1>${hits.length} results for “${escapeHtml(query)}”</h1>
  ${results}
</main>
<!--#include virtual="/fragments/footer" -->`);
}

/** `/login`: the form that posts to `POST /login`. @param {string} [error] */
export function loginPage(error) {
  const message = error ? `\n    <p role="alert">${escapeHtml(error)}</p>` : '';
  return layout('Sign in', `<!--#include virtual="/fragments/header" -->
<main>
  <h1>Sign in</h1>
  <form method="post" action="/login">${message}
    <label>Name <input name="user" autocomplete="username" required></label>
    <button>Sign in</button>
  </form>
</main>
<!--#include virtual="/fragments/footer" -->`);
}

/** `/account`. @param {{ user?: string }} session */
export function accountPage({ user }) {
  const body = user
    ? `<p>Signed in as <strong data-user>${escapeHtml(user)}</strong>.</p>\n  <p><a href="/logout">Sign out</a></p>`
    : `<p>You are not signed in. <a href="/login">Sign in</a></p>`;
  return layout('Your account', `<!--#include virtual="/fragments/header" -->
<main>
  <h1>Your account</h1>
  ${body}
</main>
<!--#include virtual="/fragments/footer" -->`);
}

/** Any unknown path. @param {string} path */
export function notFoundPage(path) {
  return layout('Not found', `<!--#include virtual="/fragments/header" -->
<main>
  <h1>We lost the trail</h1>
  <p>There is nothing at <code>${escapeHtml(path)}</code>. <a href="/">Back to the shop</a></p>
</main>
<!--#include virtual="/fragments/footer" -->`);
}

// ---------------------------------------------------------------------------------------------
// Fragments

/** The current production header. @param {{ user?: string }} session */
export function headerFragment({ user }) {
  const account = user
    ? `Hi, <span data-user>${escapeHtml(user)}</span> · <a href="/logout">Sign out</a>`
    : `<a href="/login">Sign in</a>`;
  return `<header data-fragment="header" class="site-header">
  <a class="logo" href="/"><img src="/assets/logo.png" alt="" width="32" height="32"> Nordwind Outdoor</a>
  <nav><a href="/">Home</a> <a href="/products/tent-2p">Tents</a> <a href="/about">About</a> <a href="/checkout">Checkout</a></nav>
  <div class="account">${account}</div>
  <script type="module" src="/assets/header/header.js"></script>
</header>`;
}

/** @param {string} [query] */
export function searchFragment(query = '') {
  return `<form class="search" data-fragment="search" role="search" action="/search" method="get">
  <input type="search" name="q" value="${escapeHtml(query)}" placeholder="Search tents, sleeping bags, stoves…">
  <button>Search</button>
</form>`;
}

/**
 * The cart box; with `sku`, it offers that product. With a session it shows the user's cart.
 * @param {{ user?: string }} session
 * @param {Product} [product]
 */
export function cartFragment({ user }, product) {
  const owner = user ? `${escapeHtml(user)}’s cart` : 'Your cart';
  const items = user ? '2 items · €428' : 'empty — sign in to keep your cart';
  const offer = product ? `\n  <p>${escapeHtml(product.name)}, ${product.price} <button type="button">Add to cart</button></p>` : '';
  return `<aside class="cart" data-fragment="cart"${product ? ` data-sku="${product.sku}"` : ''}>
  <h2>${owner}</h2>
  <p>${items}</p>${offer}
</aside>`;
}

export function cartFallbackFragment() {
  return `<aside class="cart cart--fallback" data-fragment="cart">
  <p>Your cart is taking a short break. It will be back in a moment.</p>
</aside>`;
}

export function footerFragment() {
  return `<footer data-fragment="footer" class="site-footer">
  <p>© Nordwind Outdoor · Free repairs for life · <a href="/about">About us</a></p>
</footer>`;
}
