import { errors } from '../errors/error-factories.js';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Collection and index names: 1-64 of `[A-Za-z0-9_.-]`, starting with a letter or digit. */
export function validateName(kind: 'collection' | 'index', name: unknown): string {
  if (typeof name !== 'string' || !NAME_RE.test(name)) throw errors.invalidName(kind, name);
  return name;
}
