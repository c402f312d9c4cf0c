import { describe, expect, it } from 'vitest';
import { parseSsiCommand } from '../../src/html/ssi-command.js';

/** The text between `<!--` and `-->`, read as nginx's `ngx_http_ssi_parse` reads it. */
describe('parseSsiCommand', () => {
  it.each([
    ['#echo var="a" ', { name: 'echo', params: [{ name: 'var', value: 'a' }] }],
    ["#include virtual='/x?a=1' wait=\"yes\"", { name: 'include', params: [{ name: 'virtual', value: '/x?a=1' }, { name: 'wait', value: 'yes' }] }],
    ['# \n\tset var = "v" value= "a b" ', { name: 'set', params: [{ name: 'var', value: 'v' }, { name: 'value', value: 'a b' }] }],
    ['#else ', { name: 'else', params: [] }],
    ['#endif', { name: 'endif', params: [] }],
    // A backslash keeps the next character, and both stay (evaluation removes the backslash).
    ['#set var="q" value="say \\"hi\\"" ', { name: 'set', params: [{ name: 'var', value: 'q' }, { name: 'value', value: 'say \\"hi\\"' }] }],
  ])('%j', (content, expected) => {
    expect(parseSsiCommand(content)).toEqual(expected);
  });

  it.each([
    ['#echo var=a ', 'unexpected "a" symbol before value of "var" parameter in "echo" SSI command'],
    ['#echo var ', 'unexpected "-" symbol after "var" parameter in "echo" SSI command'],
    ['#echo var="a"x ', 'unexpected "x" symbol after "a" value of "var" parameter in "echo" SSI command'],
    ['#echo var="a', 'the "echo" SSI command is not terminated'],
    [`#${'x'.repeat(33)} `, `the "${'x'.repeat(32)}x..." SSI command is too long`],
    [`#set var="v" value="${'v'.repeat(256)}" `, `too long "${'v'.repeat(255)}v..." value of "value" parameter in "set" SSI command`],
    ['#echo var="a" -x', 'unexpected "x" symbol in "echo" SSI command'],
  ])('%j is malformed: %s', (content, error) => {
    expect(parseSsiCommand(content).error).toBe(error);
  });
});
