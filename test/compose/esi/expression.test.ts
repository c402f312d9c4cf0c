import { describe, expect, it } from 'vitest';
import { EsiSyntaxError, evaluateExpression, evaluateTest, interpolate } from '../../../src/compose/esi/expression.js';
import { esiRequest, lookupVariable } from '../../../src/compose/esi/variables.js';

const request = esiRequest(new URL('https://www.example.com/p?first_name=Dan&q=a+b&empty=&n=10&enc=%C3%A9'), {
  cookie: 'id=571; visits=42; UserInfo=UserId=5',
  'accept-language': 'da, en-gb;q=0.8, en;q=0.7',
  'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15',
  referer: 'https://www.google.com/',
  'x-custom': 'yes',
});

describe('ESI variables', () => {
  it.each([
    ['HTTP_COOKIE', 'visits', '42'],
    ['HTTP_COOKIE', 'UserInfo', 'UserId=5'],
    ['HTTP_COOKIE', 'missing', undefined],
    ['HTTP_COOKIE', undefined, 'id=571; visits=42; UserInfo=UserId=5'],
    ['HTTP_ACCEPT_LANGUAGE', 'en-gb', true],
    ['HTTP_ACCEPT_LANGUAGE', 'EN', true],
    ['HTTP_ACCEPT_LANGUAGE', 'fr', false],
    ['HTTP_HOST', undefined, 'www.example.com'],
    ['HTTP_REFERER', undefined, 'https://www.google.com/'],
    ['HTTP_USER_AGENT', 'browser', 'MOZILLA'],
    ['HTTP_USER_AGENT', 'os', 'MAC'],
    ['HTTP_USER_AGENT', 'version', '5.0'],
    ['QUERY_STRING', 'first_name', 'Dan'],
    ['QUERY_STRING', 'q', 'a b'],
    ['QUERY_STRING', 'empty', ''],
    ['QUERY_STRING', 'enc', 'é'],
    ['QUERY_STRING', undefined, 'first_name=Dan&q=a+b&empty=&n=10&enc=%C3%A9'],
    ['HTTP_HEADER', 'X-Custom', 'yes'],
    ['NOT_A_VARIABLE', undefined, undefined],
  ])('$(%s{%s}) is %j', (name, key, expected) => {
    expect(lookupVariable(request, name, key)).toBe(expected);
  });
});

describe('ESI test expressions', () => {
  it.each([
    ['1==1', true],
    ['!(1==1)', false],
    ["!('a'<='c')", false],
    ["(1==1)|('abc'=='def')", true],
    ['(4!=5)&(4==5)', false],
    ['10 > 9', true],
    ["'10' > '9'", true], // both numeric: compared as numbers
    ["'abc' > 'b'", false],
    ['$(QUERY_STRING{n}) >= 10', true],
    ["$(HTTP_COOKIE{visits}) == '42'", true],
    ["$(HTTP_COOKIE{missing}) != 'x'", false], // an empty operand makes a comparison false
    ['$(HTTP_ACCEPT_LANGUAGE{en-gb})', true],
    ['!$(HTTP_COOKIE{missing})', true],
    ["$(HTTP_COOKIE{'UserInfo'}) matches '''UserId=[0-9]'''", true],
    ["$(HTTP_USER_AGENT{os}) matches_i 'mac'", true],
    ["'Hello World' has 'World'", true],
    ["'Hello World' has 'world'", false],
    ["'Hello World' has_i 'world'", true],
    ["$exists($(HTTP_COOKIE{id}))", true],
    ["$is_empty($(QUERY_STRING{empty}))", true],
    ["$lower('ABC') == 'abc'", true],
    ["$(HTTP_COOKIE{missing}|'fallback') == 'fallback'", true],
    ['1==1 | 1==2 & 1==2', true], // & binds tighter than |
    ['true & !false', true],
  ])('%s → %s', (test, expected) => {
    expect(evaluateTest(test, request)).toBe(expected);
  });

  it('compares the empty string when asked (Fastly)', () => {
    expect(evaluateTest("$(HTTP_COOKIE{missing}) != 'x'", request, false)).toBe(true);
  });

  it.each(["$(HTTP_COOKIE{a}) == ", "'unterminated", '1 ==', '(1==1', 'bareword', "$nope('x')", "'a' matches '('"])('%s is a syntax error', (test) => {
    expect(() => evaluateTest(test, request)).toThrow(EsiSyntaxError);
  });
});

describe('assign values', () => {
  it.each([
    ["'John'", 'John'],
    ['42', 42],
    ['', ''],
    ['!$(QUERY_STRING{missing})', true],
    ["$(HTTP_COOKIE{visits}) == '42'", true],
    ["'''raw 'quoted' text'''", "raw 'quoted' text"],
  ])('%s → %j', (expression, expected) => {
    expect(evaluateExpression(expression, request)).toBe(expected);
  });

  it('assigned variables are read by name, after the request variables', () => {
    const page = esiRequest(new URL('https://www.example.com/'), {});
    page.assigned.set('greeting', 'hi');
    page.assigned.set('HTTP_HOST', 'not me');
    expect(interpolate('$(greeting) from $(HTTP_HOST)', page)).toBe('hi from www.example.com');
  });
});

describe('interpolation', () => {
  it.each([
    ['Hello, $(QUERY_STRING{first_name})!', 'Hello, Dan!'],
    ["$(HTTP_COOKIE{none}|'new user')", 'new user'],
    ['$(HTTP_COOKIE{none}|default)', 'default'],
    ['$(HTTP_COOKIE{none}|42)', '42'],
    ['/$(HTTP_COOKIE{none}|$(HTTP_COOKIE{visits})).html', '/42.html'],
    ['no variables', 'no variables'],
    ['$(broken and $(HTTP_COOKIE{id})', '$(broken and 571'],
    ['price: $5 and $(', 'price: $5 and $('],
    ['$lower($(QUERY_STRING{first_name}))-$upper(\'x\')', 'dan-X'],
    ['$lower(bareword) stays', '$lower(bareword) stays'],
  ])('%s → %s', (source, expected) => {
    expect(interpolate(source, request)).toBe(expected);
  });
});
