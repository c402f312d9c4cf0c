import { describe, expect, it } from 'vitest';
import { parseEsiElements, type EsiElement } from '../../../src/html/esi-elements.js';

/** name(content) trees, for short expectations. */
function shape(text: string, elements: EsiElement[]): string[] {
  return elements.map((e) => `${e.name}${e.selfClosing ? '/' : ''}[${text.slice(e.contentStart, e.contentEnd)}]${e.children.length ? `{${shape(text, e.children).join(',')}}` : ''}`);
}

describe('parseEsiElements', () => {
  it.each([
    ['<esi:choose><esi:when test="a">A</esi:when><esi:otherwise>O</esi:otherwise></esi:choose>', ['choose[<esi:when test="a">A</esi:when><esi:otherwise>O</esi:otherwise>]{when[A],otherwise[O]}']],
    ['<esi:try><esi:attempt><esi:try><esi:attempt>x</esi:attempt></esi:try></esi:attempt></esi:try>', ['try[<esi:attempt><esi:try><esi:attempt>x</esi:attempt></esi:try></esi:attempt>]{attempt[<esi:try><esi:attempt>x</esi:attempt></esi:try>]{try[<esi:attempt>x</esi:attempt>]{attempt[x]}}}']],
    ['<esi:when test="a > b">x</esi:when>', ['when[x]']],
    ['<!-- <esi:when>hidden</esi:when> --><esi:otherwise>o</esi:otherwise>', ['otherwise[o]']],
    ['<!--esi <esi:include src="/x"/> -->', ['include/[]']],
    ['<ESI:WHEN>upper</ESI:when>', ['when[upper]']],
    ['<esi:choose><esi:when>never closed</esi:choose>', ['choose[<esi:when>never closed]{when[]}']],
    ['</esi:when>stray close', []],
  ])('%s', (text, expected) => {
    expect(shape(text, parseEsiElements(text))).toEqual(expected);
  });

  it('keeps attribute values as written', () => {
    const [element] = parseEsiElements(`<esi:when test="$(HTTP_COOKIE{a})=='&amp;'" x='1' y=2 z>`);
    expect(element.attributes).toEqual({ test: "$(HTTP_COOKIE{a})=='&amp;'", x: '1', y: '2', z: '' });
  });
});
