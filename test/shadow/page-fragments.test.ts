import { describe, expect, it } from 'vitest';
import { extractElement, findPageFragments } from '../../src/shadow/page-fragments.js';

/** What `mfe-dev replay` finds in a production page: include srcs in every dialect, and composed elements. */
describe('findPageFragments', () => {
  it('finds includes of every dialect, in document order, inside ESI blocks and comments too', () => {
    const page = Buffer.from(
      [
        '<!--#include virtual="/fragments/header?x=1" -->',
        '<esi:include src="/fragments/search"/>',
        '<esi:try><esi:attempt><esi:include src="/fragments/cart"/></esi:attempt><esi:except>Cart unavailable</esi:except></esi:try>',
        '<!--esi <esi:include src="/fragments/promo"/> -->',
        '<fragment src="/fragments/footer"></fragment>',
        '<!--#include virtual="/fragments/$lang/nav" -->',
        '<script>"<!--#include virtual=\\"/not/an/include\\" -->"</script>',
      ].join('\n'),
    );
    expect(findPageFragments(page).includes).toEqual(['/fragments/header?x=1', '/fragments/search', '/fragments/cart', '/fragments/promo', '/fragments/footer']);
  });

  it('cuts out the element a selector matches (a page production composed already)', () => {
    const page = '<body><header class="site"><nav><a href="/">Home</a></nav></header><main>x</main></body>';
    expect(extractElement(page, 'header.site')).toBe('<header class="site"><nav><a href="/">Home</a></nav></header>');
    expect(extractElement(page, 'footer')).toBeUndefined();
  });
});
