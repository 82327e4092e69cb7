import { errors } from '../errors/error-factories.js';

/** Largest k a search accepts. */
export const MAX_K = 10_000;

/** k must be an integer in 1..10000 (a negative k would wrap to a huge unsigned value in native code). */
export function validateK(k: unknown): number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > MAX_K) {
    throw errors.invalidArgument('k', `an integer from 1 to ${MAX_K}`, k);
  }
  return k;
}
