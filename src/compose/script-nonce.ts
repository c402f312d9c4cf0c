/**
 * A local fragment cannot know the nonce production's page was served with, so under a policy
 * that lets scripts run by nonce (with `'strict-dynamic'`, host sources are ignored) its scripts
 * would be refused although production's fragment runs. The gateway gives each `<script>` start
 * tag of a local (or preview) fragment the page's nonce: an existing `nonce` attribute is
 * replaced, one is added where there is none. The rest of the bytes are untouched.
 */

/** A `<script …>` start tag; quoted attribute values may hold `>`. Linear: the alternatives start with distinct characters. */
const SCRIPT_START = /(<script)(?=[\s/>])((?:[^>"']|"[^"]*"|'[^']*')*)>/gi;
const NONCE_ATTRIBUTE = /\snonce(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+)|(?=[\s/>]|$))/gi;

export function stampScriptNonce(body: Buffer, nonce: string | undefined): Buffer {
  if (!nonce) return body;
  const text = body.toString('latin1');
  if (!/<script/i.test(text)) return body;
  // The nonce comes from production's header; as an attribute value it must not break out of the quotes.
  const attribute = `nonce="${nonce.replace(/[^A-Za-z0-9+/=_-]/g, '')}"`;
  const out = text.replace(SCRIPT_START, (_tag, open: string, attributes: string) => {
    // A trailing `/` (ignored by HTML on a script) is dropped, so the nonce stays an attribute of its own.
    const others = attributes.replace(NONCE_ATTRIBUTE, '').replace(/[\s/]+$/, '');
    return `${open}${others} ${attribute}>`;
  });
  return out === text ? body : Buffer.from(out, 'latin1');
}
