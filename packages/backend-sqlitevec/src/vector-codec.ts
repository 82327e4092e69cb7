import type BetterSqlite3 from 'better-sqlite3';
import { errors, type Metric } from '@vecdex/core';

/**
 * Vectors cross into SQLite as blobs of little-endian float32, which is what vec0 stores and
 * what its `MATCH` and `vec_distance_*` functions accept. (Every platform sqlite-vec ships for
 * is little-endian, so a Float32Array's bytes are that format as they are.)
 */

/**
 * Defence in depth (core validates first): a Float32Array of the collection's dimensions, finite,
 * and not all zeros under cosine (vec0 would store it and return NaN distances).
 */
export function checkVector(
  c: { name: string; dimensions: number; metric: Metric },
  vector: unknown,
  id?: string,
): asserts vector is Float32Array {
  checkedSumOfSquares(c, vector, id);
}

/** `checkVector`, returning the vector's sum of squares (in double precision). */
export function checkedSumOfSquares(
  c: { name: string; dimensions: number; metric: Metric },
  vector: unknown,
  id?: string,
): number {
  if (!(vector instanceof Float32Array)) throw errors.invalidVector('expected a Float32Array', id);
  if (vector.length !== c.dimensions) throw errors.dimensionMismatch(c.name, c.dimensions, vector.length, id);
  // One tight pass: the sum of squares (in double precision) is finite exactly when every
  // element is (a float32's square is at most ~1.2e77); the offending element is looked for
  // only when there is one.
  let norm = 0;
  for (let i = 0; i < vector.length; i++) {
    const x = vector[i] as number;
    norm += x * x;
  }
  if (!Number.isFinite(norm)) {
    const i = vector.findIndex((x) => !Number.isFinite(x));
    throw errors.invalidVector(`element ${i} is ${vector[i]}; vectors must hold finite numbers`, id);
  }
  if (c.metric === 'cosine' && norm === 0) throw errors.invalidVector('is all zeros, which has no direction under cosine', id);
  return norm;
}

/** A blob view of a vector, without copying. */
export function encodeVector(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

/** A vector from a blob, copied into its own aligned buffer (blobs may sit at any offset). */
export function decodeVector(blob: Uint8Array): Float32Array {
  const out = new Float32Array(blob.byteLength >>> 2);
  new Uint8Array(out.buffer).set(blob.subarray(0, out.length * 4));
  return out;
}

/** A float32 view of a blob: no copy when the blob is 4-byte aligned, which it usually is. */
function floats(blob: Uint8Array): Float32Array {
  if ((blob.byteOffset & 3) === 0) return new Float32Array(blob.buffer, blob.byteOffset, blob.byteLength >>> 2);
  return decodeVector(blob);
}

/**
 * `-(a·b)` of two float32 blobs, summed in double precision: the `ip` distance (as pgvector's
 * `<#>`), which vec0 does not compute itself. SQL NULL in, NULL out.
 */
export function negativeDot(a: unknown, b: unknown): number | null {
  if (a === null || b === null) return null;
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array)) throw new TypeError('vecdex_neg_dot takes two float32 blobs');
  if (a.byteLength !== b.byteLength || (a.byteLength & 3) !== 0) {
    throw new TypeError(`vecdex_neg_dot: blobs of different lengths (${a.byteLength} and ${b.byteLength} bytes)`);
  }
  const x = floats(a);
  const y = floats(b);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] as number) * (y[i] as number);
  return -s;
}

/** Register the SQL functions this backend uses on a connection. */
export function registerVectorFunctions(db: BetterSqlite3.Database): void {
  db.function('vecdex_neg_dot', { deterministic: true }, negativeDot);
}
