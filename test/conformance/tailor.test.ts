/**
 * Zalando Tailor's tests (github.com/zalando/tailor, `tests/*.js`) as a table. Templates are the
 * tests' own, with `https://fragment/x` fragment URLs as `/x` on the test's origin (nock stood in
 * for that origin). Rows run with `diagnostics: false` and without `edge` (see below).
 *
 * Tailor is a page server: it wraps every fragment in its client-side pipe scripts
 * (`<script data-pipe>p.start(0)</script>…p.end(0)`), re-serialises the template through parse5
 * (adding `<html><head></head><body>`), and renders `async` fragments at the end of the body.
 * mfe-dev streams production's bytes and puts fragments in place bare, so for those tests the
 * row that compares Tailor's whole body is kept as skipped, and a row beside it checks what
 * carries over: the fragments' content, in document order, in place of their tags.
 */
import { conformance, type ConformanceCase } from './harness.js';

// Tailor's composition rules are the Tailor dialect's without `edge` too; `edge: 'tailor'` adds
// Tailor's page runtime around every fragment (compared with node-tailor itself by
// test/differential/), which these rows, about the fragments' content, leave out.
const edge = undefined;
const T = 'tests/tailor.js: ';
const PIPE = "Tailor's client pipe scripts (p.start/p.end) and parse5 re-serialisation of the template, which a gateway composing production's page does not add";

const cases: ConformanceCase[] = [
  { source: T + 'should stream content from http and https fragments', name: 'whole body with pipe scripts', edge, template: '', expect: {}, skip: PIPE },
  {
    source: T + 'should stream content from http and https fragments',
    name: 'fragments in place, in order',
    edge,
    template: '<fragment id="f-1" src="/1"></fragment><fragment id="f-2" src="/2"></fragment>',
    fragments: { '/1': { body: 'hello', delay: 30 }, '/2': 'world' },
    expect: { status: 200, body: 'helloworld' },
  },
  { source: T + 'should support async fragments', name: 'async fragment rendered at the end of the body by the pipe', edge, template: '', expect: {}, skip: `${PIPE}; async fragments are moved to the end of <body> and placed by the pipe script in the browser` },
  {
    source: T + 'should support script based fragments for inserting in head',
    name: '<script type="fragment"> is replaced by the fragment',
    edge,
    template: '<html><head><script type="fragment" src="/yes"></script></head><body></body></html>',
    fragments: { '/yes': 'yes' },
    expect: { body: '<html><head>yes</head><body></body></html>' },
  },
  { source: T + 'should stream pipe definition with loader in the head', name: 'pipe definition and Link preload', edge, template: '', expect: {}, skip: PIPE },
  {
    source: T + 'should return response code and location header of the 1st primary fragment',
    name: 'status 300 and Location from the first primary',
    edge,
    template: '<fragment src="/1"></fragment><fragment src="/2" primary></fragment><fragment src="/3" primary></fragment>',
    fragments: { '/1': 'hello', '/2': { body: 'world', status: 300, headers: { location: 'https://redirect' } }, '/3': { body: '!', status: 500 } },
    expect: { status: 300, headers: { location: 'https://redirect' } },
  },
  {
    source: T + 'should return headers from primary fragment',
    name: "only the primary fragment's Set-Cookie reaches the page",
    edge,
    template: '<fragment src="/1"></fragment><fragment src="/2" primary></fragment><fragment src="/3"></fragment>',
    fragments: {
      '/1': { body: 'hello', headers: { 'set-cookie': 'wrong' } },
      '/2': { body: 'world', headers: { 'set-cookie': 'zalando.guid=6cc4da81; path=/; httponly' } },
      '/3': { body: '', status: 201 },
    },
    expect: { status: 200, headers: { 'set-cookie': ['zalando.guid=6cc4da81; path=/; httponly'] } },
  },
  {
    source: 'tests/filter-headers.js: keeps only certain headers (and tests/tailor.js: should forward headers to fragment)',
    name: 'accept-language, referer, user-agent and x-request-uri go to the fragment; cookies and other headers do not',
    edge,
    request: {
      path: '/example',
      headers: { 'please-kill-me': '0', 'accept-language': '1', referer: 'https://google.com', 'user-agent': '3', cookie: 'value=1', 'x-wrong-header': 'no' },
    },
    template: '<fragment src="/f"></fragment>',
    fragments: { '/f': 'F' },
    expect: {
      body: 'F',
      fragmentHeaders: {
        '/f': { 'accept-language': '1', referer: 'https://google.com', 'user-agent': '3', 'x-request-uri': '/example', cookie: undefined, 'please-kill-me': undefined, 'x-wrong-header': undefined },
      },
    },
  },
  {
    source: 'tests/filter-headers.js: removes headers if fragment is public',
    name: 'a public fragment gets none of them',
    edge,
    request: { path: '/example', headers: { 'accept-language': '1', referer: 'https://google.com', 'user-agent': '3', cookie: 'value=1' } },
    template: '<fragment src="/f" public></fragment>',
    fragments: { '/f': 'F' },
    expect: {
      body: 'F',
      fragmentHeaders: { '/f': { 'accept-language': undefined, referer: undefined, 'user-agent': undefined, 'x-request-uri': undefined, 'x-request-host': undefined, cookie: undefined } },
    },
  },
  { source: T + 'should disable browser cache', name: 'Cache-Control: no-cache on the page', edge, template: '', expect: {}, skip: "Tailor's own page headers: the production page (Tailor) already carries them, and mfe-dev passes production's headers" },
  ...['should preload external module loader if fragment is present', 'should not preload inlined module loader', 'should preload only primary fragment assets', 'should not send crossorigin in Link headers for same origin scripts'].map(
    (name): ConformanceCase => ({ source: T + name, name: 'Link preload headers', edge, template: '', expect: {}, skip: "Tailor's asset preloading from fragments' Link headers, part of its pipe runtime" }),
  ),
  {
    source: T + 'should set timeout for a fragment request',
    name: 'a fragment slower than its timeout leaves nothing',
    edge,
    template: '<fragment src="/1" timeout="100"></fragment>',
    fragments: { '/1': { body: 'hello', delay: 500 } },
    expect: { status: 200, body: '' },
  },
  {
    source: T + 'should return 500 in case of primary timeout',
    name: 'primary timed out: 500',
    edge,
    template: '<fragment src="/1" primary timeout="100"></fragment>',
    fragments: { '/1': { body: 'hello', delay: 500 } },
    expect: { status: 500 },
  },
  {
    source: T + 'should return 500 in case of primary error if fallback is not specified',
    name: 'primary failed, no fallback: 500',
    edge,
    template: '<fragment src="/1" primary></fragment>',
    fragments: { '/1': { body: 'panic!', status: 503 } },
    expect: { status: 500 },
  },
  {
    source: T + 'should fetch the fallback fragment when specified',
    name: 'fragment 500: fallback-src is served',
    edge,
    template: '<fragment src="/1" fallback-src="/fallback"></fragment>',
    fragments: { '/1': { body: 'Internal Server Error', status: 500 }, '/fallback': 'Fallback fragment' },
    expect: { status: 200, body: 'Fallback fragment' },
  },
  {
    source: T + 'should return 500 if both primary and fallback fragment is not reachable',
    name: 'primary and fallback failed: 500',
    edge,
    template: '<fragment src="/1" primary fallback-src="/fallback"> </fragment>',
    fragments: { '/1': { body: '', status: 502 }, '/fallback': { body: 'Internal Server Error', status: 500 } },
    expect: { status: 500 },
  },
  {
    source: 'tests/request-fragment.js: Should reject promise and respond with error for status code >500',
    name: 'a 4xx fragment is content, a 5xx is a failure',
    edge,
    template: '[<fragment src="/404"></fragment>][<fragment src="/500"></fragment>]',
    fragments: { '/404': { body: 'not found page', status: 404 }, '/500': { body: 'Internal Server Error', status: 500 } },
    expect: { body: '[not found page][]' },
  },
  ...['should insert link to css from fragment link header', 'should use loadCSS for async fragments', 'should insert link to css and require js  from fragment x-amz-meta-link header'].map(
    (name): ConformanceCase => ({ source: T + name, name: 'stylesheets and scripts from fragment Link headers', edge, template: '', expect: {}, skip: "Tailor's pipe runtime inserts fragments' Link-header assets; mfe-dev serves the fragment body" }),
  ),
  ...['should call the pipe start and end with custom pipe attributes', 'should get attributes from context and not mutate the template with the context', 'should add async fragments from handleTag'].map(
    (name): ConformanceCase => ({ source: T + name, name: 'pipe attributes, context, handleTag', edge, template: '', expect: {}, skip: "Tailor's server-side options (pipeAttributes, fetchContext, handleTag)" }),
  ),
  ...[
    'should support base templates using slots',
    'should support custom slots for shuffling the nodes',
    'should insert default slots if unnamed slot is present in parent template',
    'should insert default slots if a slot named default is present in parent template',
    'should warn if there are duplicate unnamed slots',
    'should use the fallback slot nodes if present in the template',
    'should override the fallback slot nodes with slotted nodes from child template',
    'should include the child templates after the lastchild of body',
  ].map((name): ConformanceCase => ({ source: T + name, name: 'template slots and child templates', edge, template: '', expect: {}, skip: "Tailor assembles the template from several template files (fetchTemplate); mfe-dev composes the page production sends" })),
  { source: T + 'should flatten nested fragments', name: 'whole body with pipe scripts', edge, template: '', expect: {}, skip: PIPE },
  {
    source: T + 'should flatten nested fragments',
    name: 'a fragment inside a fragment is rendered after it',
    edge,
    template: '<fragment src="/1"><fragment src="/2"></fragmemt></fragment>',
    fragments: { '/1': 'hello', '/2': 'world' },
    expect: { body: 'helloworld' },
  },
  {
    source: T + 'should return 500 even if primary fragment is nested and timed out',
    name: 'a primary nested in another fragment',
    edge,
    template: '',
    expect: {},
    skip: 'mfe-dev honours `primary` on fragments written in the page itself, not on those nested in another fragment\'s content',
  },
  { source: T + 'should unzip the fragment response if it is compressed', name: 'whole body with pipe scripts', edge, template: '', expect: {}, skip: PIPE },
  {
    source: T + 'should unzip the fragment response if it is compressed',
    name: 'a gzipped fragment is decompressed',
    edge,
    template: '<fragment src="/1"></fragment><fragment src="/2"></fragment>',
    fragments: { '/1': 'hello', '/2': { body: 'GZIPPED', encoding: 'gzip' } },
    expect: { body: 'helloGZIPPED' },
  },
  { source: T + 'should close the streams properly during unzping error', name: 'a broken gzip fragment', edge, template: '<fragment src="/1"></fragment>!', fragments: { '/1': { body: 'not gzip', headers: { 'content-encoding': 'gzip' } } }, expect: { status: 200, body: '!' } },
  ...['should handle the first fragment-script Header Link only', 'should handle the first stylesheet Header Link only', 'should handle only the first 3 fragment-script Link-rels', 'should assign correct IDs to sync and async fragments', 'should insert all 3 links to css from fragment link header', 'should use loadCSS for async fragments for all 3 styles'].map(
    (name): ConformanceCase => ({ source: T + name, name: 'maxAssetLinks', edge, template: '', expect: {}, skip: "Tailor's pipe runtime (fragment assets from Link headers)" }),
  ),
  ...['process request spans', 'template error request spans & logs', 'process request + primary fragment error spans', 'process request + fragment error & fallback spans'].map(
    (name): ConformanceCase => ({ source: T + name, name: 'OpenTracing', edge, template: '', expect: {}, skip: 'OpenTracing spans; mfe-dev reports fragments through Server-Timing and its events' }),
  ),
  {
    source: 'tests/{process-template,parse-template,fragment,handle-tag,fetch-template,serializer,transform,streams/*,tailor.events,fragment.events}.js',
    name: "Tailor's internal streams, parser, serializer and events",
    edge,
    template: '',
    expect: {},
    skip: "unit tests of Tailor's own modules; their observable results are covered by the rows above",
  },
];

conformance("Zalando Tailor (tests/*.js)", cases);
