import { errors } from '../errors/error-factories.js';

/** Most filterable fields one collection may declare (each costs an index on every write). */
export const MAX_FILTERABLE_FIELDS = 32;

/** One key of a filterable path: letters, digits, `_` and `-` (it goes into index DDL as text). */
const KEY = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Validate a list of filterable metadata fields: dotted paths (`tenant`, `author.name`) of at
 * most 8 keys, each of letters, digits, `_` or `-`. Returns them without duplicates, in order.
 *
 * The narrow key alphabet is what lets a backend name the path in DDL (an index expression must
 * spell it out; it cannot be a bound parameter) without any quoting question.
 *
 * ```ts
 * validateFilterable(['tenant', 'author.name', 'tenant']) // ['tenant', 'author.name']
 * ```
 */
export function validateFilterable(fields: unknown): string[] {
  if (!Array.isArray(fields)) throw errors.invalidArgument('filterable', 'an array of metadata field names', fields);
  const out: string[] = [];
  for (const f of fields) {
    const keys = typeof f === 'string' ? f.split('.') : [];
    if (keys.length === 0 || keys.length > 8 || !keys.every((k) => KEY.test(k))) {
      throw errors.invalidArgument(
        'filterable field',
        'a dotted metadata path of 1 to 8 keys, each 1–64 letters, digits, "_" or "-" (e.g. "tenant", "author.name")',
        f,
      );
    }
    if (!out.includes(f as string)) out.push(f as string);
  }
  if (out.length > MAX_FILTERABLE_FIELDS) {
    throw errors.invalidArgument('filterable', `at most ${MAX_FILTERABLE_FIELDS} fields`, `${out.length} fields`);
  }
  return out;
}
