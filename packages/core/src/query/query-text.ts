import { errors } from '../errors/error-factories.js';

/** Longest text query accepted (characters); the keyword side searches only its first 64 distinct words. */
export const MAX_TEXT_LENGTH = 100_000;

/**
 * A query text must be a string of at most {@link MAX_TEXT_LENGTH} characters with something
 * besides white space in it: an empty query is a mistake, never "match everything".
 */
export function checkQueryText(text: unknown, name = 'text'): string {
  if (typeof text !== 'string' || text.length > MAX_TEXT_LENGTH) {
    throw errors.invalidArgument(name, `a string of at most ${MAX_TEXT_LENGTH} characters`, text);
  }
  if (text.trim() === '') {
    throw errors.invalidArgument(name, 'a text with at least one word (not empty or only white space)', text);
  }
  return text;
}
