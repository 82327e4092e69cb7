/** What a hidden secret is shown as. */
export const REDACTED = '***';

// A URL-like run: scheme:// then everything up to whitespace or a quote. The password of a
// hand-written URL may hold unencoded `@`, `#`, `/` or `?`, so the authority is not parsed: the
// userinfo runs to the LAST `@` of the run.
const URL_RUN = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s"'`<>]+)/gi;

/**
 * Hide the passwords of URLs inside free text (messages, errors): `scheme://user:secret@host`
 * becomes `scheme://user:***@host`, also when the password holds `@`, `#` or `/`. A run with a
 * `:` before its last `@` is taken as credentials even when that is not certain (hiding too much
 * is safe); a `user@host` without `:` is left as it is.
 *
 * ```ts
 * redactUrlPasswords('cannot reach postgres://u:p@ss/w#rd@db/x') // 'cannot reach postgres://u:***@db/x'
 * ```
 */
export function redactUrlPasswords(text: string): string {
  return text.replace(URL_RUN, (_all, scheme: string, rest: string) => {
    const at = rest.lastIndexOf('@');
    if (at < 0) return scheme + rest;
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    if (colon < 0) return scheme + rest;
    return `${scheme}${userinfo.slice(0, colon)}:${REDACTED}@${rest.slice(at + 1)}`;
  });
}

/**
 * One URL without any userinfo (user and password): `https://u:p@host/v1` → `https://***@host/v1`.
 * For a URL vecdex itself names in a message (an API base may carry a token as its user name).
 */
export function redactUrlUserinfo(href: string): string {
  return href.replace(URL_RUN, (_all, scheme: string, rest: string) => {
    const at = rest.lastIndexOf('@');
    return at < 0 ? scheme + rest : `${scheme}${REDACTED}@${rest.slice(at + 1)}`;
  });
}
