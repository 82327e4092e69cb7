import type BetterSqlite3 from 'better-sqlite3';
import type { Metric } from '@vecdex/core';
import { SCHEMA_V4, vecTable } from './schema.js';
import { decodeVector, encodeVector } from './vector-codec.js';

/**
 * sqlite-vec computes cosine in float32: the sum of squares of a vector with components below
 * ~1e-19 underflows to 0, above ~1e19 it overflows, and the distance comes out NaN or -Infinity.
 * Cosine does not depend on a vector's length, so a cosine collection stores such a vector in
 * its vec0 table multiplied by a power of two (2^-exp) that brings its largest component into
 * [1, 2), and keeps `exp` in `vecdex_items.vector_exp`. Multiplying by a power of two only moves
 * the exponent, so reading multiplies back to exactly the bits the user stored; when a component
 * would fall off the bottom of float32 (a vector whose components span more than ~2^126), the
 * original bytes are kept in `vecdex_items.vector_exact` as well.
 *
 * Vectors whose sum of squares lies in [2^-80, 2^80] (every embedding model's output) are stored
 * as they are, so normal ingest pays nothing for this.
 */

/** Sums of squares in this band are safe for float32 arithmetic in sqlite-vec (see above). */
const SAFE_MIN = 2 ** -80;
const SAFE_MAX = 2 ** 80;

/** What goes into the vec0 table and the item row for one vector. */
export interface StoredVector {
  /** The vec0 `embedding` blob. */
  blob: Buffer;
  /** Power of two the blob must be multiplied by to give the stored vector back; null = 1. */
  exp: number | null;
  /** The original float32 bytes, when the scaled blob cannot give them back exactly. */
  exact: Buffer | null;
}

/** Whether a vector with this (double-precision) sum of squares needs scaling for float32 cosine. */
export function outsideSafeBand(sumOfSquares: number): boolean {
  return sumOfSquares < SAFE_MIN || sumOfSquares > SAFE_MAX;
}

/** The stored form of a validated vector; `sumOfSquares` as `checkVector` computed it. */
export function storedVector(vector: Float32Array, metric: Metric, sumOfSquares: number): StoredVector {
  if (metric !== 'cosine' || !outsideSafeBand(sumOfSquares)) return { blob: encodeVector(vector), exp: null, exact: null };
  const exp = exponentOfLargest(vector);
  const scaled = scaleBy(vector, 2 ** -exp);
  const back = 2 ** exp;
  let exactCopy = false;
  for (let i = 0; i < vector.length; i++) {
    if ((scaled[i] as number) * back !== vector[i]) {
      exactCopy = true;
      break;
    }
  }
  return { blob: encodeVector(scaled), exp, exact: exactCopy ? Buffer.from(encodeVector(vector)) : null };
}

/** A cosine query as vec0 should see it: scaled like a stored vector when outside the safe band. */
export function cosineQuery(vector: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < vector.length; i++) s += (vector[i] as number) * (vector[i] as number);
  if (!outsideSafeBand(s)) return vector;
  return scaleBy(vector, 2 ** -exponentOfLargest(vector));
}

/** The vector the user stored, from the vec0 blob and the item row's `vector_exp`/`vector_exact`. */
export function restoreVector(blob: Uint8Array, exp: number | null, exact: Uint8Array | null): Float32Array {
  if (exact !== null) return decodeVector(exact);
  const v = decodeVector(blob);
  if (exp !== null && exp !== 0) {
    const f = 2 ** exp;
    for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) * f;
  }
  return v;
}

/** floor(log2(max |x_i|)) for a vector with a non-zero component. */
function exponentOfLargest(vector: Float32Array): number {
  let max = 0;
  for (let i = 0; i < vector.length; i++) max = Math.max(max, Math.abs(vector[i] as number));
  if (max === 0) return 0;
  let e = Math.floor(Math.log2(max));
  // Math.log2 may be off by one ulp near powers of two: settle 2^e <= max < 2^(e+1) exactly.
  if (2 ** e > max) e -= 1;
  else if (2 ** (e + 1) <= max) e += 1;
  return e;
}

function scaleBy(vector: Float32Array, factor: number): Float32Array {
  const out = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = (vector[i] as number) * factor;
  return out;
}

/**
 * Migration to schema version 4: the two columns, then every vector of a cosine collection that
 * lies outside the safe band is rewritten in its scaled form (vectors inside it, nearly all of
 * them, stay as they are).
 */
export function migrateVectorScaling(db: BetterSqlite3.Database): void {
  db.exec(SCHEMA_V4);
  const collections = db
    .prepare(`SELECT cid FROM vecdex_collections WHERE metric = 'cosine' ORDER BY cid`)
    .pluck()
    .all() as number[];
  const setItem = db.prepare('UPDATE vecdex_items SET vector_exp = ?, vector_exact = ? WHERE rowid = ?');
  const page = db.prepare('SELECT rowid FROM vecdex_items WHERE cid = ? AND rowid > ? ORDER BY rowid LIMIT 1000').pluck();
  for (const cid of collections) {
    const vec = vecTable(cid);
    const read = db.prepare(`SELECT embedding FROM ${vec} WHERE rowid = ?`).pluck();
    const rewrite = db.prepare(`UPDATE ${vec} SET embedding = ? WHERE rowid = ?`);
    // Pages of item rowids and point reads of vec0: a large collection is never all in memory.
    let after = 0;
    for (;;) {
      const rowids = page.all(cid, after) as number[];
      if (rowids.length === 0) break;
      after = rowids[rowids.length - 1] as number;
      for (const rowid of rowids) {
        const embedding = read.get(BigInt(rowid));
        if (!(embedding instanceof Uint8Array)) continue;
        const v = decodeVector(embedding);
        let s = 0;
        for (let i = 0; i < v.length; i++) s += (v[i] as number) * (v[i] as number);
        if (s === 0 || !outsideSafeBand(s)) continue;
        const stored = storedVector(v, 'cosine', s);
        rewrite.run(stored.blob, BigInt(rowid));
        setItem.run(stored.exp, stored.exact, BigInt(rowid));
      }
    }
  }
}
