/**
 * Hide secrets before anything is printed (config display, error messages). Config files and
 * environment overrides can hold passwords and API keys; vecdex never shows them.
 */

import { REDACTED, redactUrlPasswords } from '@vecdex/core';

export { REDACTED };

// Whole words in a key ("apiKey" -> api, key) that mark it secret.
const SECRET_WORDS = new Set([
  'key',
  'pass',
  'pwd',
  'auth',
  'secret',
  'token',
  'password',
  'passwd',
  'credential',
  'credentials',
]);
// Substrings that mark a key secret however it is written ("PGPASSWORD", "x-api-token").
const SECRET_PARTS = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'api_key',
  'credential',
  'authorization',
  'privatekey',
  'private_key',
];

/** True for option names that hold secrets: password, secret, token, key, apiKey, authToken, ... */
export function isSecretKey(key: string): boolean {
  const lower = key.toLowerCase();
  // `apiKeyEnv`, `passwordEnv`: the name of an environment variable, not the secret itself.
  if (/[a-z]Env$/.test(key) || /_ENV$/.test(key)) return false;
  if (SECRET_PARTS.some((p) => lower.includes(p))) return true;
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_.-]+/)
    .map((w) => w.toLowerCase());
  return words.some((w) => SECRET_WORDS.has(w));
}

// password=... in query strings and libpq-style "key=value" connection strings.
const KEY_VALUE = /\b(password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|sslpassword)=("[^"]*"|'[^']*'|[^\s&;]+)/gi;

/** Replace the secret parts of URLs and `password=...` pairs inside free text. */
export function redactText(text: string): string {
  // scheme://user:password@host -> scheme://user:***@host, up to the LAST `@` (a hand-written
  // password may hold `@`, `#` or `/`).
  return redactUrlPasswords(text).replace(KEY_VALUE, `$1=${REDACTED}`);
}

/**
 * A copy of a config value with secrets hidden: values under secret-looking keys become `***`
 * (whatever their type), and strings anywhere lose URL passwords.
 *
 * ```ts
 * redact({ url: 'postgres://u:pw@h/db', apiKey: 'sk-1' }) // { url: 'postgres://u:***@h/db', apiKey: '***' }
 * ```
 */
export function redact(value: unknown): unknown {
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = isSecretKey(k) && v !== null && v !== undefined && v !== '' ? REDACTED : redact(v);
    }
    return out;
  }
  return value;
}
