import zlib from 'node:zlib';
import { expect } from 'vitest';
import { nginxTable, type DocrootEntry, type NginxCase } from './nginx-docroot.js';

/**
 * nginx's own SSI tests (github.com/nginx/nginx-tests, `ssi*.t` and the other `*ssi*.t`), case
 * by case: each row cites the script and the test's name, the request, and nginx's expectation
 * (its `like`/`unlike` regular expression, kept as nginx wrote it). The files each script writes
 * are served by a docroot origin; a real mfe-dev gateway in front plays nginx's `ssi on`.
 * Cases that only mean something for an nginx-only feature are listed as skipped, with why.
 */

const ADD_HEADER = 'uses nginx add_header with $date_gmt in a response header; mfe-dev adds no headers from config';
const OWN_404_STUB =
  "nginx uses the stub when its own subrequest fails (a missing local file: nginx's 404, no body sent); mfe-dev's fragments come from an origin, whose non-empty 404 body nginx includes instead (the stub only for an empty answer), as test/differential checks against the real nginx";
const ERROR_PAGE = "mfe-dev's contract prints nginx's errmsg for a failed include (and names the reason), where nginx outputs the subrequest's own 404 page";

// ---------------------------------------------------------------------------------------------
// ssi.t
// ---------------------------------------------------------------------------------------------

const ssiFiles: Record<string, DocrootEntry> = {
  'test1.html': 'X<!--#echo var="arg_test" -->X',
  'test2.html': 'X<!--#include virtual="/test1.html?test=test" -->X',
  'test3.html': 'X<!--#set var="blah" value="test" --><!--#echo var="blah" -->X',
  'test4-echo-none.html': 'X<!--#set var="blah" value="<test>" --><!--#echo var="blah" encoding="none" -->X',
  'test5-echo-url.html': 'X<!--#set var="blah" value="<test>" --><!--#echo var="blah" encoding="url" -->X',
  'test6-echo-entity.html': 'X<!--#set var="blah" value="<test>" --><!--#echo var="blah" encoding="entity" -->X',
  'test-args-rewrite.html': 'X<!--#include virtual="/check?found" -->X',
  'test-empty1.html': 'X<!--#include virtual="/empty.html" -->X',
  'test-empty2.html': 'X<!--#include virtual="/local/empty.html" -->X',
  'test-empty3.html': 'X<!--#include virtual="/cache/empty.html" -->X',
  'test-empty-postpone.html': 'X<!--#include virtual="/proxy/empty.html" -->X',
  'empty.html': '',
  'unescape.html?': 'SEE-THIS',
  'unescape1.html': 'X<!--#include virtual="/tes%741.html?test=test" -->X',
  'unescape2.html': 'X<!--#include virtual="/unescape.html%3f" -->X',
  'unescape3.html': 'X<!--#include virtual="/test1.html%3ftest=test" -->X',
  'var_format.html':
    'x<!--#if expr="$arg_custom" -->' +
    '<!--#config timefmt="%A, %H:%M:%S" --><!--#set var="v" value="$date_gmt" --><!--#echo var="v" -->' +
    '<!--#else -->' +
    '<!--#set var="v" value="$date_gmt" --><!--#echo var="v" -->' +
    '<!--#endif -->x',
};

const ok200 = (response: { status: number }) => expect(response.status).toBe(200);

const ssiCases: NginxCase[] = [
  { source: "ssi.t: 'echo no argument'", request: '/test1.html', like: /^X\(none\)X$/m },
  { source: "ssi.t: 'empty argument'", request: '/test1.html?test=', like: /^XX$/m },
  { source: "ssi.t: 'argument'", request: '/test1.html?test=test', like: /^XtestX$/m },
  { source: "ssi.t: 'argument 2'", request: '/test1.html?test=test&a=b', like: /^XtestX$/m },
  { source: "ssi.t: 'argument 3'", request: '/test1.html?a=b&test=test', like: /^XtestX$/m },
  { source: "ssi.t: 'argument 4'", request: '/test1.html?a=b&test=test&d=c', like: /^XtestX$/m },
  { source: "ssi.t: 'argument 5'", request: '/test1.html?atest=a&testb=b&ctestc=c&test=test', like: /^XtestX$/m },
  { source: "ssi.t: 'argument via include'", request: '/test2.html', like: /^XXtestXX$/m },
  { source: "ssi.t: 'set'", request: '/test3.html', like: /^XtestX$/m },
  { source: "ssi.t: 'echo encoding none'", request: '/test4-echo-none.html', like: /^X<test>X$/m },
  { source: "ssi.t: 'echo encoding url'", request: '/test5-echo-url.html', like: /^X%3Ctest%3EX$/m },
  { source: "ssi.t: 'echo encoding entity'", request: '/test6-echo-entity.html', like: /^X&lt;test&gt;X$/m },
  { source: "ssi.t: 'args only subrequest'", request: '/test-args-rewrite.html', like: /^XX$/m },
  { source: "ssi.t: 'args was in main request'", request: '/test-args-rewrite.html?wasargs', like: /^XX$/m },
  { source: "ssi.t: 'cleared headers'", request: '/test1.html', unlike: /Last-Modified|Accept-Ranges/im },
  { source: "ssi.t: 'cleared headers from proxy'", request: '/proxy/test1.html', unlike: /Last-Modified|Accept-Ranges/im },
  { source: "ssi.t: 'empty with ssi'", request: '/test-empty1.html', check: ok200 },
  { source: "ssi.t: 'empty without ssi'", request: '/test-empty2.html', check: ok200 },
  { source: "ssi.t: 'empty with proxy'", request: '/test-empty3.html', check: ok200 },
  { source: "ssi.t: 'empty with proxy cached'", request: '/test-empty3.html', check: ok200 },
  { source: "ssi.t: 'empty with postpone_output 0'", request: '/test-empty-postpone.html', like: /^XX$/m },
  { source: "ssi.t: 'escaped in path'", request: '/unescape1.html', like: /^XXtestXX$/m },
  { source: "ssi.t: 'escaped question in path'", request: '/unescape2.html', like: /^XSEE-THISX$/m },
  { source: "ssi.t: 'escaped query separator'", request: '/unescape3.html', like: /404 Not Found/, skip: ERROR_PAGE },
  { source: "ssi.t: 'no ssi'", request: '/var_nossi.html', skip: ADD_HEADER },
  { source: "ssi.t: 'no format'", request: '/var_noformat.html', skip: ADD_HEADER },
  { source: "ssi.t: 'custom header'", request: '/var_format.html?custom=1', skip: ADD_HEADER },
  { source: "ssi.t: 'default header'", request: '/var_format.html', skip: ADD_HEADER },
  { source: "ssi.t: 'custom ssi'", request: '/var_format.html?custom=1', like: /x.+, \d\d:\d\d:\d\dx/ },
  { source: "ssi.t: 'default ssi'", request: '/var_format.html', like: /x.+, \d\d-.+-\d{4} \d\d:\d\d:\d\d .+x/ },
];

nginxTable('nginx-tests ssi.t', ssiFiles, ssiCases, (req, res) => {
  // `if ($args = "found") { return 204; }` at server level.
  if (new URL(req.url ?? '/', 'http://x').search === '?found') {
    res.writeHead(204);
    res.end();
    return true;
  }
  // /proxy/, /cache/ (proxied to /local/) and /local/ (an alias of the docroot).
  req.url = (req.url ?? '/').replace(/^\/(?:proxy|cache|local)\//, '/');
  return false;
});

// ---------------------------------------------------------------------------------------------
// ssi_if.t
// ---------------------------------------------------------------------------------------------

const ifElifElse = '<!--#if expr="$arg_if" -->IF<!--#elif expr="$arg_elif" -->ELIF<!--#else -->ELSE<!--#endif -->';

/** ssi_if.t's `$zig` and `$zag`: if/else nested 15 deep. */
function zigzag(): { zig: string; zag: string } {
  let zig = 'GOOD';
  let zag = 'GOOD';
  for (let i = 15; i >= 1; i--) {
    if (i % 2) {
      zig = `<!--#if expr='$arg_${i}' -->${i}<!--#else -->${zig}<!--#endif -->`;
      zag = `<!--#if expr='$arg_${i}' -->${zag}<!--#else -->${i}<!--#endif -->`;
    } else {
      zig = `<!--#if expr='$arg_${i}' -->${zig}<!--#else -->${i}<!--#endif -->`;
      zag = `<!--#if expr='$arg_${i}' -->${i}<!--#else -->${zag}<!--#endif -->`;
    }
  }
  return { zig, zag };
}
const { zig, zag } = zigzag();

const ifFiles: Record<string, DocrootEntry> = {
  'if_var.html': 'x<!--#if expr="$arg_v" -->OK<!--#endif -->x',
  'if_eq.html': 'x<!--#if expr="$arg_v = equal" -->OK<!--#endif -->x',
  'if_neq.html': 'x<!--#if expr="equal != $arg_v" -->OK<!--#endif -->x',
  'if_eq_re.html': 'x<!--#if expr="$arg_v = /re+gexp?/" -->OK<!--#endif -->x',
  'if_neq_re.html': 'x<!--#if expr="$arg_v != /re+gexp?/" -->OK<!--#endif -->x',
  'if_varvar.html': 'x<!--#if expr="$arg_v = var$arg_v2" -->OK<!--#endif -->x',
  'if_cap_re.html': 'x<!--#if expr="$arg_v = /(CAP\\d).*(CAP\\d)/" --><!--#echo var="1" -->x<!--#echo var="2" --><!--#endif -->x',
  'if_ncap_re.html': 'x<!--#if expr="$arg_v = /(?P<ncap>HERE)/" --><!--#echo var="ncap" --><!--#endif -->x',
  'if.html': 'x' + ifElifElse + 'x',
  'if_multi.html': [1, 2, 3, 4, 5].map((i) => `x<!--#if expr="$arg_${i}" -->IF${i}<!--#else -->ELSE${i}<!--#endif -->`).join('') + 'x',
  'if_in_block.html': '<!--#block name="one" -->' + ifElifElse + '<!--#endblock -->' + 'x<!--#include virtual="/404?$args" stub="one" -->x',
  'if_config_set_echo.html':
    'x<!--#if expr="$arg_if" --><!--#config timefmt="IF" --><!--#set var="v" value="$date_gmt" --><!--#echo var="v" -->' +
    '<!--#else --><!--#config timefmt="ELSE" --><!--#set var="v" value="$date_gmt" --><!--#echo var="v" --><!--#endif -->x',
  'if_include.html': 'x<!--#if expr="$arg_if" --><!--#include virtual="/if.html?if=1" --><!--#else --><!--#include virtual="/if.html" --><!--#endif -->x',
  'if_block.html':
    '<!--#if expr="$arg_if" --><!--#block name="one" -->IF<!--#endblock --><!--#else --><!--#block name="one" -->ELSE<!--#endblock --><!--#endif -->' +
    'x<!--#include virtual="/404" stub="one" -->x',
  'ifif.html':
    'x<!--#if expr="$arg__if" -->IFx' + ifElifElse + '<!--#elif expr="$arg__elif" -->ELIFx' + ifElifElse + '<!--#else -->ELSEx' + ifElifElse + '<!--#endif -->x',
  'zigzag.html': `x<!--#if expr='$arg_0' -->${zig}<!--#else -->${zag}<!--#endif -->x`,
  'zigzag_block.html': `<!--#block name="one" -->x<!--#if expr='$arg_0' -->${zig}<!--#else -->${zag}<!--#endif -->x<!--#endblock -->x<!--#include virtual="/404?$args" stub="one" -->x`,
};

const NESTED_IF = 'marked TODO in nginx-tests ("support for nested ifs"): nginx fails it itself (an if inside an if is an error), and mfe-dev does as nginx';
const even = '0=t&2=t&4=t&6=t&8=t&10=t&12=t&14=t';
const odd = '1=t&3=t&5=t&7=t&9=t&11=t&13=t&15=t';

const ifCases: NginxCase[] = [
  { source: "ssi_if.t: 'if variable exists'", request: '/if_var.html?v=1', like: /^xOKx$/m },
  { source: "ssi_if.t: 'if variable not exists'", request: '/if_var.html', like: /^xx$/m },
  { source: "ssi_if.t: 'if var = text'", request: '/if_eq.html?v=equal', like: /^xOKx$/m },
  { source: "ssi_if.t: 'if var = text (false)'", request: '/if_eq.html?v=notequal', like: /^xx$/m },
  { source: "ssi_if.t: 'if text != var'", request: '/if_neq.html?v=notequal', like: /^xOKx$/m },
  { source: "ssi_if.t: 'if text != var (false)'", request: '/if_neq.html?v=equal', like: /^xx$/m },
  { source: "ssi_if.t: 'if var = /regex/'", request: '/if_eq_re.html?v=XreeeegexX', like: /^xOKx$/m },
  { source: "ssi_if.t: 'if var = /regex/ (false)'", request: '/if_eq_re.html?v=XrgxX', like: /^xx$/m },
  { source: "ssi_if.t: 'if var != /regex/'", request: '/if_neq_re.html?v=XrgxX', like: /^xOKx$/m },
  { source: "ssi_if.t: 'if var != /regex/ (false)'", request: '/if_neq_re.html?v=XreeeegexX', like: /^xx$/m },
  { source: "ssi_if.t: 'if var = complex'", request: '/if_varvar.html?v=varHERE&v2=HERE', like: /^xOKx$/m },
  { source: "ssi_if.t: 'if regex with captures'", request: '/if_cap_re.html?v=hereCAP1andCAP2', like: /^xCAP1xCAP2x$/m },
  { source: "ssi_if.t: 'if regex with named capture'", request: '/if_ncap_re.html?v=captureHEREeee', like: /^xHEREx$/m },
  { source: "ssi_if.t: 'if'", request: '/if.html?if=1', like: /^xIFx$/m },
  { source: "ssi_if.t: 'if suppresses elif'", request: '/if.html?if=1&elif=1', like: /^xIFx$/m },
  { source: "ssi_if.t: 'elif'", request: '/if.html?elif=1', like: /^xELIFx$/m },
  { source: "ssi_if.t: 'else'", request: '/if.html', like: /^xELSEx$/m },
  { source: "ssi_if.t: 'multiple if (sequentially)'", request: '/if_multi.html?1=t&2=t&3=t&4=t&5=t', like: /^xIF1xIF2xIF3xIF4xIF5x$/m },
  { source: "ssi_if.t: 'multiple if (interlaced)'", request: '/if_multi.html?1=t&3=t&5=t', like: /^xIF1xELSE2xIF3xELSE4xIF5x$/m },
  { source: "ssi_if.t: 'multiple if (interlaced reversed)'", request: '/if_multi.html?2=t&4=t', like: /^xELSE1xIF2xELSE3xIF4xELSE5x$/m },
  { source: "ssi_if.t: 'if (in block)'", request: '/if_in_block.html?if=1', like: /^xIFx$/m, skip: OWN_404_STUB },
  { source: "ssi_if.t: 'if suppresses elif (in block)'", request: '/if_in_block.html?if=1&elif=1', like: /^xIFx$/m, skip: OWN_404_STUB },
  { source: "ssi_if.t: 'elif (in block)'", request: '/if_in_block.html?elif=1', like: /^xELIFx$/m, skip: OWN_404_STUB },
  { source: "ssi_if.t: 'else (in block)'", request: '/if_in_block.html', like: /^xELSEx$/m, skip: OWN_404_STUB },
  { source: "ssi_if.t: 'if config-set-echo'", request: '/if_config_set_echo.html?if=1', like: /^xIFx$/m },
  { source: "ssi_if.t: 'else config-set-echo'", request: '/if_config_set_echo.html', like: /^xELSEx$/m },
  { source: "ssi_if.t: 'if include'", request: '/if_include.html?if=1', like: /^xxIFxx$/m },
  { source: "ssi_if.t: 'else include'", request: '/if_include.html', like: /^xxELSExx$/m },
  { source: "ssi_if.t: 'if block'", request: '/if_block.html?if=1', like: /^xIFx$/m, skip: OWN_404_STUB },
  { source: "ssi_if.t: 'else block'", request: '/if_block.html', like: /^xELSEx$/m, skip: OWN_404_STUB },
  { source: "ssi_if.t: 'if if'", request: '/ifif.html?_if=1&if=1', like: /^xIFxIFx$/m, skip: NESTED_IF },
  { source: "ssi_if.t: 'if elif'", request: '/ifif.html?_if=1&elif=1', like: /^xIFxELIFx$/m, skip: NESTED_IF },
  { source: "ssi_if.t: 'if else'", request: '/ifif.html?_if=1', like: /^xIFxELSEx$/m, skip: NESTED_IF },
  { source: "ssi_if.t: 'elif if'", request: '/ifif.html?_elif=1&if=1', like: /^xELIFxIFx$/m, skip: NESTED_IF },
  { source: "ssi_if.t: 'elif elif'", request: '/ifif.html?_elif=1&elif=1', like: /^xELIFxELIFx$/m, skip: NESTED_IF },
  { source: "ssi_if.t: 'elif else'", request: '/ifif.html?_elif=1', like: /^xELIFxELSEx$/m, skip: NESTED_IF },
  { source: "ssi_if.t: 'else if'", request: '/ifif.html?if=1', like: /^xELSExIFx$/m, skip: NESTED_IF },
  { source: "ssi_if.t: 'else elif'", request: '/ifif.html?elif=1', like: /^xELSExELIFx$/m, skip: NESTED_IF },
  { source: "ssi_if.t: 'else else'", request: '/ifif.html', like: /^xELSExELSEx$/m, skip: NESTED_IF },
  { source: "ssi_if.t: 'zigzag'", request: `/zigzag.html?${even}`, like: /^xGOODx$/m, skip: NESTED_IF },
  { source: "ssi_if.t: 'zagzig'", request: `/zigzag.html?${odd}`, like: /^xGOODx$/m, skip: NESTED_IF },
  { source: "ssi_if.t: 'zigzag block'", request: `/zigzag_block.html?${even}`, like: /^xGOODx$/m, skip: NESTED_IF },
  { source: "ssi_if.t: 'zagzig block'", request: `/zigzag_block.html?${odd}`, like: /^xGOODx$/m, skip: NESTED_IF },
];

nginxTable('nginx-tests ssi_if.t', ifFiles, ifCases);

// ---------------------------------------------------------------------------------------------
// ssi_include_big.t, ssi_waited.t, ssi_delayed.t, gunzip_ssi.t, proxy_ssi_body.t and the rest
// ---------------------------------------------------------------------------------------------

const gzipAccepted = { 'accept-encoding': 'gzip' };
/** nginx-tests' `http_gzip_like`: the body, gunzipped when it is gzip (IO::Uncompress::Gunzip is transparent). */
function gzipLike(pattern: RegExp) {
  return (response: { headers: Record<string, unknown>; body: Buffer }) => {
    const body = response.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(response.body) : response.body;
    expect(body.toString('latin1')).toMatch(pattern);
  };
}

nginxTable(
  'nginx-tests ssi_include_big.t',
  {
    'c1.html': 'X'.repeat(1023),
    'c2.html': 'X'.repeat(1024),
    'c3.html': 'X'.repeat(1025),
    'test1.html': '<!--#include virtual="/proxy/blah" --><!--#include virtual="/c1.html" -->',
    'test2.html': '<!--#include virtual="/proxy/blah" --><!--#include virtual="/c2.html" -->',
    'test3.html': '<!--#include virtual="/proxy/blah" --><!--#include virtual="/c3.html" -->',
    'test4.html': '<!--#include virtual="/proxy/blah" -->' + 'X'.repeat(1025),
  },
  [
    { source: "ssi_include_big.t: 'small included file (less than output_buffers)'", request: '/test1.html', headers: gzipAccepted, check: ok200 },
    { source: "ssi_include_big.t: 'small included file content'", request: '/test1.html', headers: gzipAccepted, check: gzipLike(/^X{1023}$/) },
    { source: "ssi_include_big.t: 'small included file (equal to output_buffers)'", request: '/test2.html', headers: gzipAccepted, check: ok200 },
    { source: "ssi_include_big.t: 'small included file content' (c2)", request: '/test2.html', headers: gzipAccepted, check: gzipLike(/^X{1024}$/) },
    { source: "ssi_include_big.t: 'big included file (more than output_buffers)'", request: '/test3.html', headers: gzipAccepted, check: ok200 },
    { source: "ssi_include_big.t: 'big included file content'", request: '/test3.html', headers: gzipAccepted, check: gzipLike(/^X{1025}$/) },
    { source: "ssi_include_big.t: 'big ssi main file'", request: '/test4.html', headers: gzipAccepted, check: ok200 },
    { source: "ssi_include_big.t: 'big ssi main file content'", request: '/test4.html', headers: gzipAccepted, check: gzipLike(/^X{1025}$/) },
  ],
  (req, res) => {
    // `location = /local/blah { return 204; }`, reached through /proxy/.
    if (req.url === '/proxy/blah') {
      res.writeHead(204);
      res.end();
      return true;
    }
    return false;
  },
);

nginxTable(
  'nginx-tests ssi_waited.t',
  {
    'index.html': 'x<!--#include virtual="/first.html" -->x<!--#include virtual="/second.html" -->x',
    'first.html': 'FIRST',
    'second.html': '<!--#include virtual="/waited.html" wait="yes"-->xSECOND',
    'waited.html': 'WAITED',
  },
  [{ source: "ssi_waited.t: 'waited non-active'", request: '/', like: /^xFIRSTxWAITEDxSECONDx$/m }],
  (req) => {
    if (req.url === '/') req.url = '/index.html';
    return false;
  },
);

nginxTable(
  'nginx-tests ssi_delayed.t',
  {
    'delayed.html': 'x'.repeat(100) + '<!--#include virtual="/1"-->',
    // proxy_pass to a backend that answers late, with bare "\n" line endings and no length.
    '1': (req) => {
      setTimeout(() => req.socket.end(`HTTP/1.1 200 OK\nConnection: close\n\n${'y'.repeat(1024)}SEE-THIS\n`), 100);
    },
  },
  [{ source: "ssi_delayed.t: 'delayed'", request: '/delayed.html', like: /x{100}y{1024}SEE-THIS/ }],
);

const gzipped = zlib.gzipSync(Buffer.from(Array.from({ length: 100 }, (_, i) => `X${String(i).padStart(3, '0')}XXXXXX`).join('')));
nginxTable(
  'nginx-tests gunzip_ssi.t',
  {
    't.html': 'xxx <!--#include virtual="/t1" --> xxx',
    // gzip_static serves t1.gz for /t1 to a client that accepts gzip (proxy_set_header Accept-Encoding gzip).
    t1: (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip', 'content-length': gzipped.length });
      res.end(gzipped);
    },
  },
  [
    { source: "gunzip_ssi.t: 'no content encoding'", request: '/t.html', unlike: /Content-Encoding/ },
    { source: "gunzip_ssi.t: 'correct gunzipped response'", request: '/t.html', like: /^xxx (X\d\d\dXXXXXX){100} xxx$/m },
    { source: "gunzip_ssi.t: 'gzip - no content encoding'", request: '/t.html', headers: gzipAccepted, unlike: /Content-Encoding/ },
    { source: "gunzip_ssi.t: 'gzip - correct gunzipped response'", request: '/t.html', headers: gzipAccepted, check: gzipLike(/(X\d\d\dXXXXXX){100}/m) },
  ],
);

nginxTable(
  'nginx-tests proxy_ssi_body.t',
  { 'ssi.html': 'X<!--# include virtual="test.html" -->X', 'test.html': 'YY' },
  [{ source: "proxy_ssi_body.t: 'body in file in proxied subrequest'", request: '/proxy/ssi.html', body: '1234567890', like: /^XYYX$/m }],
  (req) => {
    req.url = (req.url ?? '/').replace(/^\/proxy\//, '/');
    return false;
  },
);

nginxTable(
  'nginx-tests sub_filter_ssi.t',
  { 'index.html': '<!--#include virtual="/not.html" --> truncated', 'not.html': 'response is not' },
  [
    { source: "sub_filter_ssi.t: 'subrequest partial match'", request: '/index.html', like: /not truncated/ },
    { source: "sub_filter_ssi.t: 'partial match and xslt'", request: '/xslt.html', skip: 'needs nginx xslt_stylesheet and sub_filter, nginx-only filters' },
  ],
);

nginxTable('nginx-tests (nginx-only modules)', {}, [
  { source: "perl_ssi.t: 'perl ssi response'", request: '/t1.html', skip: 'the <!--#perl --> command needs nginx embedded perl (without it nginx reports an invalid SSI command, as mfe-dev does)' },
  { source: "perl_ssi.t: 'perl ssi two args'", request: '/t2.html', skip: 'the <!--#perl --> command needs nginx embedded perl' },
  { source: "perl_ssi.t: 'perl ssi noargs'", request: '/noargs.html', skip: 'the <!--#perl --> command needs nginx embedded perl' },
  { source: "mp4_ssi.t: 'only final chunk'", request: '/', skip: "tests nginx's mp4 module inside a subrequest (chunked framing of ngx_http_mp4_module)" },
  { source: "proxy_cache_lock_ssi.t: 'cache lock ssi'", request: '/ssi.html', skip: "tests nginx's proxy_cache_lock wake-ups in subrequests" },
  { source: "proxy_cache_lock_ssi.t: 'parallel execution after lock timeout'", request: '/ssi.html', skip: "tests nginx's proxy_cache_lock timing" },
]);

