/**
 * Query-string secrets out of what mfe-dev writes down (terminal lines, the `record` request
 * log): the value of every query parameter whose name says it carries a credential becomes
 * `REDACTED`. Everything else stays byte for byte, so a recorded request replays as it came.
 *
 * @example redactUrl('/callback?code=abc&state=x&access_token=t')
 *          // '/callback?code=REDACTED&state=x&access_token=REDACTED'
 */

/**
 * Parameter names (lower case, `-`/`_`/`.` ignored) that hold a credential: short words only as
 * the whole name (`code`, `key`, not `zipcode`, `sortkey`), longer ones also as a suffix
 * (`access_token`, `client-secret`, `X-Amz-Signature`).
 */
const SECRET_NAME = /^(code|key|sig|sid|otp|pwd|passwd|pass|auth|authorization|session|ticket|assertion|samlresponse|samlrequest|hash)$|(token|secret|password|apikey|signature|credential|credentials|sessionid|jwt)$/;

export const REDACTED = 'REDACTED';

/** Whether a query parameter of this name is redacted. */
export function isSecretParam(name: string): boolean {
  let decoded = name;
  try {
    decoded = decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    // keep the raw name
  }
  return SECRET_NAME.test(decoded.toLowerCase().replace(/[-_.\s[\]]/g, ''));
}

/** A path-and-query or absolute URL with its secret query values replaced; the fragment (`#…`) dropped. */
export function redactUrl(url: string): string {
  const hashAt = url.indexOf('#');
  const withoutHash = hashAt === -1 ? url : url.slice(0, hashAt);
  const queryAt = withoutHash.indexOf('?');
  if (queryAt === -1) return withoutHash;
  const items = withoutHash.slice(queryAt + 1).split('&').map((item) => {
    const eq = item.indexOf('=');
    if (eq === -1 || !isSecretParam(item.slice(0, eq)) || eq === item.length - 1) return item;
    return `${item.slice(0, eq)}=${REDACTED}`;
  });
  return `${withoutHash.slice(0, queryAt)}?${items.join('&')}`;
}
