import { expect } from 'vitest';
import { isVecdexError, type VecdexErrorCode } from '../errors/vecdex-error.js';
import type { SearchHit } from '../model/search.js';
import type { StoredItem } from '../model/item.js';
import type { Ranked } from './brute-force.js';

/**
 * Expect a promise (or a function returning one, or throwing synchronously) to fail with a
 * vecdex error of `code`. Returns the error for further checks on its message and details.
 */
export async function expectVecdexError(action: Promise<unknown> | (() => unknown), code: VecdexErrorCode): Promise<Error> {
  let error: unknown;
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (err) {
    error = err;
  }
  if (error === undefined) expect.fail(`expected a VecdexError ${code}, but nothing was thrown`);
  if (!isVecdexError(error, code)) {
    const got = isVecdexError(error) ? `VecdexError ${error.code}: ${error.message}` : String((error as Error)?.stack ?? error);
    expect.fail(`expected a VecdexError ${code}, got ${got}`);
  }
  return error;
}

/** The two vectors hold the same float32 bit patterns (so -0 and 0 differ). */
export function expectBitExact(actual: Float32Array | undefined, expected: Float32Array, what = 'vector'): void {
  expect(actual, `${what} is missing`).toBeDefined();
  expect(actual, `${what} is not a Float32Array`).toBeInstanceOf(Float32Array);
  const a = actual as Float32Array;
  expect(a.length, `${what} length`).toBe(expected.length);
  const ab = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const eb = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < eb.length; i++) {
    if (ab[i] !== eb[i]) expect.fail(`${what}[${i}] is ${a[i]} but ${expected[i]} was stored (not bit-exact)`);
  }
}

/** A stored item equals what was written: content, metadata, and the vector bit for bit when present. */
export function expectSameItem(
  actual: StoredItem | undefined,
  expected: { id: string; vector?: Float32Array | undefined; content: string | null; metadata: unknown },
): void {
  expect(actual, `item "${expected.id}" is missing`).toBeDefined();
  const a = actual as StoredItem;
  expect(a.id).toBe(expected.id);
  expect(a.content, `content of "${expected.id}"`).toEqual(expected.content);
  expect(a.metadata, `metadata of "${expected.id}"`).toEqual(expected.metadata);
  expect(typeof a.modified === 'number' && Number.isFinite(a.modified), `modified of "${expected.id}" is a finite number`).toBe(
    true,
  );
  if (expected.vector !== undefined) expectBitExact(a.vector, expected.vector, `vector of "${expected.id}"`);
}

/** Tolerance for comparing a backend's (often float32) distance with the double-precision reference. */
export const DISTANCE_TOLERANCE = 1e-4;

export function closeTo(a: number, b: number, tol = DISTANCE_TOLERANCE): boolean {
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
}

/**
 * Search hits match a brute-force ranking, allowing ties: same length, sorted, each hit's distance
 * is the reference distance of the item it names, distances agree position by position, no
 * duplicates, and every item clearly closer than the last hit is among the hits.
 */
export function expectSameRanking(
  hits: readonly SearchHit[],
  expected: readonly Ranked[],
  all: ReadonlyMap<string, Ranked>,
): void {
  const key = (h: { collection: string; id: string }) => `${h.collection}\u0000${h.id}`;
  expect(hits.length, 'number of hits').toBe(expected.length);
  const seen = new Set<string>();
  hits.forEach((hit, i) => {
    expect(typeof hit.distance, 'distance is a number').toBe('number');
    if (i > 0)
      expect(hit.distance, `hits are sorted by distance (at ${i})`).toBeGreaterThanOrEqual((hits[i - 1] as SearchHit).distance);
    const ref = all.get(key(hit));
    if (ref === undefined)
      expect.fail(`hit ${i} names ${hit.collection}/${hit.id}, which is not a candidate (excluded, filtered out or unknown)`);
    if (!closeTo(hit.distance, ref.distance)) {
      expect.fail(`hit ${hit.collection}/${hit.id} has distance ${hit.distance}, reference ${ref.distance}`);
    }
    const want = expected[i] as Ranked;
    if (!closeTo(hit.distance, want.distance)) {
      expect.fail(
        `hit ${i} has distance ${hit.distance}, brute force has ${want.distance} (${want.collection}/${want.id}) at that rank`,
      );
    }
    if (seen.has(key(hit))) expect.fail(`hit ${hit.collection}/${hit.id} appears twice`);
    seen.add(key(hit));
  });
  const last = expected[expected.length - 1];
  if (last === undefined) return;
  for (const e of expected) {
    if (e.distance < last.distance && !closeTo(e.distance, last.distance) && !seen.has(key(e))) {
      expect.fail(`${e.collection}/${e.id} (distance ${e.distance}) is missing from the hits`);
    }
  }
}
