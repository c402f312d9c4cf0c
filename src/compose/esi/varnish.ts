/**
 * Where Varnish's ESI differs from the ESI 1.0 language (`edge: 'varnish'`), from its parser
 * (`bin/varnishd/cache/cache_esi_parse.c`) and its test suite (`bin/varnishtest/tests/e*.vtc`):
 *
 * - it processes only bodies whose first non-whitespace byte is `<` (e00009);
 * - it knows `<esi:include>`, `<esi:remove>`, `<esi:comment/>` and `<!--esi`; other `esi:`
 *   elements are logged as errors and their tags left out (e00008);
 * - an include whose `src` has whitespace, or is an absolute URL without a path, is dropped (e00006, e00008).
 */

/** Varnish's check before ESI processing: the first non-whitespace byte is `<` (or there is none yet). */
export function looksLikeMarkup(chunk: Buffer): boolean {
  for (const byte of chunk) {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
    return byte === 0x3c;
  }
  return true;
}

/** Why Varnish would refuse this `src` (it logs the error and drops the include), if it would. */
export function varnishInvalidSrc(src: string): string | undefined {
  if (/\s/.test(src)) return 'whitespace in src';
  const absolute = /^https?:\/\/([^/]*)(.*)$/i.exec(src);
  if (absolute && (absolute[1] === '' || !absolute[2].startsWith('/'))) return 'invalid src URL (no path)';
  return undefined;
}

const UNKNOWN_TAGS = /<\/?esi:(?:choose|when|otherwise|try|attempt|except|vars|text|assign)\b[^>]*>/gi;

/** An ESI 1.0 block as Varnish outputs it: its element tags dropped, everything else kept. */
export function varnishUnknownBlock(raw: Buffer): Buffer {
  return Buffer.from(raw.toString('latin1').replace(UNKNOWN_TAGS, ''), 'latin1');
}
