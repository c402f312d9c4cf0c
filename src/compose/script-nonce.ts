/**
 * A local fragment cannot know the nonce production's page was served with, so under a policy
 * that lets scripts run by nonce (with `'strict-dynamic'`, host sources are ignored) its scripts
 * would be refused although production's fragment runs. The gateway gives each `<script>` start
 * tag of a local (or preview) fragment the page's nonce: an existing `nonce` attribute is
 * replaced, one is added where there is none. The rest of the bytes are untouched, a script's
 * own text included (a `<script` inside a JavaScript string is not a tag).
 *
 * One pass, as the HTML tokenizer reads a start tag (a `>` inside a quoted attribute value does not
 * end it) and script data (up to `</script`): linear in the fragment's size whatever it holds.
 */
const NONCE_ATTRIBUTE = /\snonce(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+)|(?=[\s/>]|$))/gi;

export function stampScriptNonce(body: Buffer, nonce: string | undefined): Buffer {
  if (!nonce) return body;
  const text = body.toString('latin1');
  const lower = text.toLowerCase();
  if (!lower.includes('<script')) return body;
  // The nonce comes from production's header; as an attribute value it must not break out of the quotes.
  const attribute = `nonce="${nonce.replace(/[^A-Za-z0-9+/=_-]/g, '')}"`;
  let out = '';
  let copied = 0;
  let from = 0;
  for (;;) {
    const start = lower.indexOf('<script', from);
    if (start === -1) break;
    const next = text[start + 7];
    if (next !== undefined && !/[\s/>]/.test(next)) {
      from = start + 7;
      continue;
    }
    const end = startTagEnd(text, start + 7);
    // A tag that never ends: the tokenizer drops it, and nothing after it is a tag.
    if (end === -1) break;
    // A trailing `/` (ignored by HTML on a script) is dropped, so the nonce stays an attribute of its own.
    const others = text.slice(start + 7, end).replace(NONCE_ATTRIBUTE, '').replace(/[\s/]+$/, '');
    out += `${text.slice(copied, start + 7)}${others} ${attribute}>`;
    copied = end + 1;
    // The script's text is not markup.
    const close = lower.indexOf('</script', copied);
    if (close === -1) break;
    from = close + 8;
  }
  if (copied === 0) return body;
  return Buffer.from(out + text.slice(copied), 'latin1');
}

/** Where the start tag whose attributes begin at `i` ends (its `>`), or -1 at the end of the text. */
function startTagEnd(text: string, i: number): number {
  while (i < text.length) {
    const c = text[i];
    if (c === '>') return i;
    if (c === '=') {
      i++;
      while (i < text.length && /\s/.test(text[i])) i++;
      const quote = text[i];
      if (quote === '"' || quote === "'") {
        const close = text.indexOf(quote, i + 1);
        if (close === -1) return -1;
        i = close + 1;
        continue;
      }
      continue;
    }
    i++;
  }
  return -1;
}
