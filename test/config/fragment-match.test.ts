/**
 * Which configured fragment an include belongs to (config/fragment-match.ts), as resolveConfig
 * hands the config to the engine.
 */
import { describe, expect, it } from 'vitest';
import { createFragmentMatcher } from '../../src/config/fragment-match.js';
import { resolveConfig } from '../../src/config/resolve-config.js';

const config = await resolveConfig({
  configFile: false,
  upstream: 'https://www.example.com',
  fragments: {
    header: { src: '/fragments/header' },
    headerNav: { src: '/fragments/header/nav/' },
    cart: { src: '/fragments/cart', local: 'http://localhost:5173' },
  },
});
const match = createFragmentMatcher(config);
const name = (href: string) => match(new URL(href))?.name;

describe('the fragment an include belongs to', () => {
  it("is the one whose src is the include's path or lies above it in whole segments, the longest first", () => {
    expect(name('https://www.example.com/fragments/header')).toBe('header');
    expect(name('https://www.example.com/fragments/header?lang=de')).toBe('header');
    expect(name('https://www.example.com/fragments/header/x')).toBe('header');
    expect(name('https://www.example.com/fragments/header/nav')).toBe('headerNav');
    expect(name('https://www.example.com/fragments/header/nav/main')).toBe('headerNav');
    expect(name('https://www.example.com/fragments/headerx')).toBeUndefined();
    expect(name('https://www.example.com/fragments/car')).toBeUndefined();
    expect(name('https://www.example.com/fragments/cart')).toBe('cart');
  });

  it("is none on another origin, however its URL begins: only production's own includes are configured fragments", () => {
    expect(name('https://www.example.com:443/fragments/cart')).toBe('cart');
    expect(name('http://www.example.com/fragments/cart')).toBeUndefined();
    expect(name('https://www.example.com:8443/fragments/cart')).toBeUndefined();
    expect(name('https://www.example.com.evil.test/fragments/cart')).toBeUndefined();
    expect(name('https://www.example.com@evil.test/fragments/cart')).toBeUndefined();
    // User info does not change the origin.
    expect(name('https://someone@www.example.com/fragments/cart')).toBe('cart');
    expect(name('https://evil.test/https://www.example.com/fragments/cart')).toBeUndefined();
  });
});
