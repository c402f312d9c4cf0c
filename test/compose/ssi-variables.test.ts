import { describe, expect, it } from 'vitest';
import { strftime } from '../../src/compose/ssi/strftime.js';
import { argument, encodeEcho, evaluateString, SsiEvaluationError, SsiPageState, type VariableScope } from '../../src/compose/ssi/variables.js';

const page = new SsiPageState({ method: 'GET', protocol: 'HTTP/1.1', requestUri: '/dir/page?a=1', headers: { cookie: 'x=1; Theme=dark' }, host: 'www.example.com', scheme: 'https', remoteAddr: '127.0.0.1' });
page.variables.set('name', 'Ada');
const scope: VariableScope = { page, doc: { uri: '/dir/page', args: 'a=1&B=2', main: true }, timefmt: '%Y' };

describe('evaluateString (ngx_http_ssi_evaluate_string)', () => {
  it.each([
    ['plain', 'plain'],
    ['$name!', 'Ada!'],
    ['${name}x', 'Adax'],
    ['$NAME', 'Ada'],
    ['$unknown|', '|'],
    ['\\$name \\\\ \\" \\x', '$name \\ " \\x'],
    ['$arg_b-$cookie_theme-$host-$scheme', '2-dark-www.example.com-https'],
  ])('%j → %j', (text, expected) => {
    expect(evaluateString(scope, text)).toBe(expected);
  });

  it('makes a relative include URI relative to the document', () => {
    expect(evaluateString(scope, 'frag?$args', true)).toBe('/dir/frag?a=1&B=2');
    expect(evaluateString(scope, '/abs', true)).toBe('/abs');
  });

  it.each(['${name', '$', 'a$-b'])('%j is an error', (text) => {
    expect(() => evaluateString(scope, text)).toThrow(SsiEvaluationError);
  });
});

describe('argument (ngx_http_arg)', () => {
  it.each([
    ['a=1&b=2', 'b', '2'],
    ['atest=a&test=t', 'test', 't'],
    ['TEST=x', 'test', 'x'],
    ['test', 'test', undefined],
    ['test=', 'test', ''],
    [undefined, 'test', undefined],
  ])('%j %j → %j', (args, name, expected) => {
    expect(argument(args, name)).toBe(expected);
  });
});

describe('echo encodings and strftime', () => {
  it('encodes as nginx', () => {
    expect(encodeEcho('<a href="x">&</a>', 'entity')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
    expect(encodeEcho('a b<>"#%?&é', 'url')).toBe('a%20b%3C%3E%22%23%25?&%E9');
    expect(encodeEcho('<x>', 'none')).toBe('<x>');
  });

  it('formats dates as C strftime does', () => {
    const date = new Date(Date.UTC(2026, 10, 26, 9, 5, 7));
    expect(strftime('%A, %d-%b-%Y %H:%M:%S %Z', date, true)).toBe('Thursday, 26-Nov-2026 09:05:07 GMT');
    expect(strftime('%a %e %j %I%p %y %%', date, true)).toBe('Thu 26 330 09AM 26 %');
    expect(strftime('%s', date, true)).toBe(String(date.getTime() / 1000));
  });
});
