import { errors } from '../errors/error-factories.js';
import { isReservedCollectionName } from '../ingest/reserved-names.js';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** Core's own collections: the reserved prefix, then the same characters, at most 64 in all. */
const RESERVED_RE = /^_vecdex\.[A-Za-z0-9_.-]{1,56}$/;

/**
 * The names a store must accept: 1-64 of `[A-Za-z0-9_.-]` starting with a letter or digit, and,
 * for collections, core's own names (`_vecdex.` + the same characters, such as the embedding
 * cache's `_vecdex.cache.<16 hex>`). A backend checking names with this accepts every name core
 * gives it; core refuses the reserved form in names users give (see `validateUserName`).
 */
export function validateName(kind: 'collection' | 'index', name: unknown): string {
  if (typeof name !== 'string') throw errors.invalidName(kind, name);
  if (NAME_RE.test(name) || (kind === 'collection' && RESERVED_RE.test(name))) return name;
  throw errors.invalidName(kind, name);
}

/** A name a user gives: `validateName` without core's reserved `_vecdex.` collections. */
export function validateUserName(kind: 'collection' | 'index', name: unknown): string {
  if (typeof name === 'string' && isReservedCollectionName(name)) throw errors.invalidName(kind, name);
  return validateName(kind, name);
}
