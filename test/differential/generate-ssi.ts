/** Generated nginx SSI cases (see generate.ts). Only what nginx answers deterministically. */
import type { Doc } from './origin.js';
import { browserHeaders, fragment, htmlPage, type CaseBody, type Rng } from './generate.js';

export const SSI_FEATURES = ['include', 'status', 'stub', 'content-type', 'chunks', 'context', 'malformed', 'nesting', 'variables', 'headers'] as const;

const TYPES = ['text/html', 'text/html; charset=utf-8', undefined, 'text/plain', 'application/json', 'text/css', 'application/xhtml+xml'];
const ECHO = ['<!--# echo var="uri" -->', '<!--# echo var="arg_q" default="none" -->', '<!--# echo var="args" -->', '<!--#echo var="request_method"-->'];

function include(name: string, extra = ''): string {
  return `<!--# include virtual="{{P}}${name}"${extra} -->`;
}

/** The furniture of a page: text, elements, sometimes a plain comment. */
function filler(rng: Rng): string {
  return rng.pick(['<p>text</p>', '<div class="x">a &amp; b</div>', '<!-- a comment -->', '<ul><li>1</li></ul>', 'plain']);
}

const MALFORMED = [
  '<!--#-->',
  '<!--# echo var=uri -->',
  '<!--# ECHO var="uri" -->',
  '<!--# echo var="uri" --!>',
  '<!--#config errmsg="<!-- x -->" --><!--# nosuch -->',
  '<!-<!--# echo var="uri" -->',
  '<!--# include -->',
  '<!--# nosuch -->',
  '<!--#header-->',
  '<!--# echo -->',
  '<!--# echo var="uri" default -->',
  "<!--# echo var='uri' -->",
  '<!--# echo var="uri"-->',
  '<!--#  echo  var="uri"  -->',
  '<!--# if expr="$arg_q" -->y<!--# endif -->',
  '<!--# endif -->',
  '<!--# else -->',
  '<!--# config errmsg="E" --><!--# nosuch -->',
  '<!--# echo var="uri" -- >',
  '<!--# block name="b" -->never closed',
];

export function ssiCase(rng: Rng, feature: string): CaseBody {
  const docs: Record<string, Doc> = {};
  const snippets: string[] = [filler(rng)];
  const headers = browserHeaders(rng);
  let query = rng.chance(0.5) ? `q=${rng.pick(['v1', 'abc', 'a%20b', 'x&y=2'])}` : '';
  const count = rng.int(1, 3);
  for (let i = 1; i <= count; i++) {
    const name = `f${i}`;
    switch (feature) {
      case 'include':
        docs[name] = fragment(rng, `<b>${name}</b>${rng.chance(0.3) ? '\n' : ''}`);
        snippets.push(include(name, rng.chance(0.2) ? ' wait="yes"' : ''));
        break;
      case 'status': {
        const status = rng.pick([200, 404, 500, 503]);
        const body = rng.pick(['', `<i>${status} page</i>`, `<i>${name}</i><!--# echo var="uri" -->`]);
        docs[name] = fragment(rng, body, { status, chunked: body === '' ? false : undefined });
        snippets.push(include(name));
        break;
      }
      case 'stub': {
        const status = rng.pick([200, 404, 500]);
        const body = rng.pick(['', '<i>body</i>']);
        // An empty answer is sent without Content-Length: with `Content-Length: 0`, nginx 1.22
        // prints the stub's block unprocessed, and some times twice (not deterministic).
        docs[name] = fragment(rng, body, { status, chunked: body === '' || rng.chance(0.3) });
        snippets.push(`<!--# block name="s${i}" -->stub ${i}<!--# echo var="uri" --><!--# endblock -->${include(name, ` stub="s${i}"`)}`);
        break;
      }
      case 'content-type':
        docs[name] = fragment(rng, `[${name} ${rng.pick(ECHO)}]`, { type: rng.pick(TYPES) });
        snippets.push(include(name));
        break;
      case 'chunks':
        docs[name] = fragment(rng, `<b>${name}</b>${rng.pick(ECHO)}`, { chunked: true });
        snippets.push(include(name), rng.pick(ECHO));
        break;
      case 'context': {
        const echo = rng.pick(ECHO);
        docs[name] = fragment(rng, `${name}`);
        snippets.push(
          rng.pick([
            `<a href="${echo}">link</a>`,
            `<img alt='${echo}'>`,
            `<script>var u = "${echo}";</script>`,
            `<style>/* ${echo} */</style>`,
            `<!-- ${echo} -->`,
            `<textarea>${echo}</textarea>`,
            `<div data-x="${include(name).replace(/"/g, "'")}"></div>`,
            `<script>${include(name)}</script>`,
          ]),
        );
        break;
      }
      case 'malformed':
        snippets.push(rng.pick(MALFORMED));
        break;
      case 'nesting': {
        const depth = rng.int(1, 4);
        for (let d = 1; d <= depth; d++) {
          const here = `${name}d${d}`;
          docs[here] = fragment(rng, d < depth ? `<${d}>${include(`${name}d${d + 1}`)}</${d}>` : `<leaf ${here}>`);
        }
        snippets.push(include(`${name}d1`));
        break;
      }
      case 'variables':
        snippets.push(
          rng.pick([
            '<!--# set var="a" value="x$arg_q" --><!--# echo var="a" -->',
            '<!--# if expr="$arg_q = /^v(\\d)/" -->m<!--# echo var="1" --><!--# elif expr="$arg_q" -->q<!--# else -->n<!--# endif -->',
            '<!--# echo var="request_uri" -->',
            '<!--# echo var="query_string" default="-" encoding="url" -->',
            '<!--# echo var="http_x_device" default="none" -->',
            '<!--# echo var="cookie_toggle" default="off" -->',
            '<!--# set var="v" value="<b>&" --><!--# echo var="v" encoding="none" --><!--# echo var="v" -->',
            '<!--# echo var="server_protocol" -->',
            '<!--# echo var="is_args" --><!--# echo var="document_uri" -->',
            '<!--# if expr="$http_x_ab = b" -->B<!--# else -->A<!--# endif -->',
          ]),
        );
        if (i === 1) {
          docs[name] = fragment(rng, '[<!--# echo var="uri" -->|<!--# echo var="args" default="" -->|<!--# echo var="arg_q" default="" -->]');
          snippets.push(include(`${name}?q=in${i}`));
        }
        break;
      case 'headers':
        docs[name] = fragment(rng, `[${rng.pick(['{{h:x-device}}', '{{h:x-ab}}', '{{h:accept-language}}', '{{h:user-agent}}', '{{h:cookie}}', '{{h:referer}}'])}]`);
        snippets.push(include(name));
        break;
    }
    if (rng.chance(0.5)) snippets.push(filler(rng));
  }
  if (feature === 'variables' && !query) query = 'q=v7';
  return { docs: { page: htmlPage(rng, snippets, { chunked: feature === 'chunks' ? true : undefined }), ...docs }, query, headers };
}
