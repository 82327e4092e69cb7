import { errors } from '../errors/error-factories.js';

/** Longest id accepted, in UTF-16 code units. */
export const MAX_ID_LENGTH = 512;

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Item ids: non-empty strings of at most 512 characters, valid Unicode, no control characters. */
export function validateId(id: unknown): string {
  if (typeof id !== 'string') throw errors.invalidId(`ids are strings, got ${id === null ? 'null' : typeof id}`, id);
  if (id.length === 0) throw errors.invalidId('ids must not be empty', id);
  if (id.length > MAX_ID_LENGTH) {
    throw errors.invalidId(`ids are at most ${MAX_ID_LENGTH} characters, got ${id.length}`, `${id.slice(0, 40)}...`);
  }
  // Most ids have neither control characters nor surrogates: one pass over the code units
  // settles those; the regular expressions below decide (and word the error) for the rest.
  if (!plain(id)) {
    if (CONTROL.test(id)) throw errors.invalidId(`id ${JSON.stringify(id)} contains a control character`, id);
    if (LONE_SURROGATE.test(id)) throw errors.invalidId('id contains invalid Unicode (a lone surrogate)', id);
  }
  return id;
}

/** No control character and no surrogate (paired or not) in `s`. */
function plain(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || (c >= 0xd800 && c <= 0xdfff)) return false;
  }
  return true;
}
