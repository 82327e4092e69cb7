import type { Metric } from '@vecdex/core';
import type { Connection } from './connection.js';
import { kernelMetric, kernelThreshold, mayOverflow, simdKernel } from './simd-kernel.js';
import { negativeDot } from './vector-codec.js';
import type { VectorCopy } from './vector-copy.js';

/** One nearest item of a copy, with the distance exactly as the vec0 path reports it. */
export interface MemoryHit {
  rowid: number;
  id: string;
  distance: number;
}

/** Gather the matching rows into a scratch array when they are at most this share of the copy. */
const GATHER_SHARE = 1 / 8;
/** How many rows ahead `gather` touches the row it will copy (see there). */
const AHEAD = 8;

/**
 * Exact top-k over a `VectorCopy` with usearch's SIMD kernel, returning the same rows and the
 * same distances as the vec0 scan:
 *
 * 1. the kernel finds the nearest `kk` rows by its own float32 distance, `kk` a little above k
 *    (grown until every row it left out is farther than `kernelThreshold` of the k-th);
 * 2. every row within that threshold is a candidate: the reported k nearest are among them
 *    whatever the rounding of either computation;
 * 3. the candidates get the distance the vec0 path reports (sqlite-vec's own `vec_distance_*`
 *    over the same float32 bytes, or `vecdex_neg_dot` for `ip`), and are ordered by it, then by
 *    rowid, as vec0's scan breaks ties.
 *
 * A restriction (filter, exclusions) is a set of slots: a small one is gathered into a scratch
 * array and scanned alone ("gather then scan"), a large one is scanned in place with the others
 * skipped. Returns null where the kernel cannot answer (no kernel, `l1`, float32 overflow):
 * the caller then scans vec0.
 */
export class MemoryScan {
  #scratch = new Float32Array(0);
  /** The sum of the floats `gather` read ahead, kept so that the reads are not optimised away. */
  touched = 0;

  constructor(private readonly conn: Connection) {}

  nearest(
    copy: VectorCopy,
    vector: Float32Array,
    k: number,
    metric: Metric,
    allowed: Int32Array | null,
    excluded: ReadonlySet<number>,
    /** The rows of `allowed` gathered already (`gather(..., true)`), from byte 0 of their buffer. */
    gathered: Float32Array | null = null,
  ): MemoryHit[] | null {
    const kernel = simdKernel();
    // A fresh array at byte 0 of its own buffer: the binding reads the buffer from its start.
    const query = new Float32Array(vector);
    const kind = kernelMetric(metric);
    if (kernel === null || kind === null) return null;
    let queryNorm = 0;
    for (let i = 0; i < query.length; i++) queryNorm += (query[i] as number) ** 2;
    queryNorm = Math.sqrt(queryNorm);
    if (mayOverflow(kind, copy.maxNorm, queryNorm)) return null;

    const d = copy.dimensions;
    let dataset: Float32Array;
    let slotOfKey: (key: number) => number = (key) => key;
    let skip: ((slot: number) => boolean) | null = excluded.size > 0 ? (slot) => excluded.has(slot) : null;
    let want = k + excluded.size;
    let n = copy.count;
    if (allowed !== null && (gathered !== null || MemoryScan.gathers(copy, allowed.length))) {
      n = allowed.length;
      dataset = gathered ?? this.gather(copy, allowed);
      slotOfKey = (key) => allowed[key] as number;
      skip = null;
      want = k;
    } else {
      dataset = copy.live();
      if (allowed !== null) {
        const mask = new Uint8Array(n);
        for (const slot of allowed) mask[slot] = 1;
        skip = (slot) => mask[slot] === 0;
        want = allowed.length === 0 ? n : Math.ceil((k * n) / allowed.length);
      }
    }
    if (n === 0) return [];

    let kk = Math.min(n, want + Math.max(8, want >> 2));
    let keys: BigUint64Array;
    let distances: Float32Array;
    let threshold: number;
    for (;;) {
      ({ keys, distances } = kernel(dataset, query, d, kk, kind, 1));
      const kept: number[] = [];
      let farthest = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < kk; i++) {
        const dist = distances[i] as number;
        if (Number.isNaN(dist)) return null;
        if (dist > farthest) farthest = dist;
        if (skip === null || !skip(slotOfKey(Number(keys[i])))) kept.push(dist);
      }
      if (kept.length < k && kk < n) {
        kk = Math.min(n, kk * 4);
        continue;
      }
      kept.sort((a, b) => a - b);
      const dk = kept.length < k ? Number.POSITIVE_INFINITY : (kept[k - 1] as number);
      threshold = kernelThreshold(kind, d, dk, copy.maxNorm, queryNorm);
      // Every row left out is at least as far as the farthest returned: beyond the threshold?
      if (kk === n || farthest > threshold) break;
      kk = Math.min(n, kk * 4);
    }

    const score = this.reportedDistance(metric);
    const queryBlob = Buffer.from(query.buffer, query.byteOffset, query.byteLength);
    const hits: MemoryHit[] = [];
    for (let i = 0; i < kk; i++) {
      if ((distances[i] as number) > threshold) continue;
      const slot = slotOfKey(Number(keys[i]));
      if (skip?.(slot)) continue;
      hits.push({
        rowid: copy.rowids[slot] as number,
        id: copy.ids[slot] as string,
        distance: score(copy.blob(slot), queryBlob),
      });
    }
    hits.sort((a, b) => a.distance - b.distance || a.rowid - b.rowid);
    if (hits.length > k) hits.length = k;
    return hits;
  }

  /** Whether a restriction to `matching` slots is gathered and scanned alone (else scanned in place). */
  static gathers(copy: VectorCopy, matching: number): boolean {
    return matching <= copy.count * GATHER_SHARE;
  }

  /**
   * The rows of `slots`, contiguous from byte 0 of their buffer (as usearch reads): in the
   * scratch array, or (`own`) in a new array the caller may keep.
   *
   * The rows of a filter are scattered over the copy (at 1M × 128 a 1 % filter's 10,000 rows lie
   * in 10,000 different pages), so each row's copy waits for memory and a page walk. Reading a
   * few floats of the row `AHEAD` rows on before copying one lets those misses overlap with the
   * copies: measured 2.7 ms against 4.2–5.6 ms for those 10,000 rows (bench/filter-scale.mjs).
   */
  gather(copy: VectorCopy, slots: Int32Array, own = false): Float32Array {
    const d = copy.dimensions;
    const size = slots.length * d;
    let out: Float32Array;
    if (own) out = new Float32Array(size);
    else {
      if (this.#scratch.length < size)
        this.#scratch = new Float32Array(Math.max(size, Math.min(this.#scratch.length * 2, copy.data.length >> 3)));
      out = this.#scratch;
    }
    const data = copy.data;
    const n = slots.length;
    const step = Math.max(1, d >> 2);
    let touched = 0;
    for (let i = 0; i < Math.min(AHEAD, n); i++) touched += data[(slots[i] as number) * d] as number;
    for (let i = 0; i < n; i++) {
      if (i + AHEAD < n) {
        const ahead = (slots[i + AHEAD] as number) * d;
        for (let j = 0; j < d; j += step) touched += data[ahead + j] as number;
      }
      const from = (slots[i] as number) * d;
      out.set(data.subarray(from, from + d), i * d);
    }
    this.touched = touched;
    return own ? out : new Float32Array(out.buffer, 0, size);
  }

  /** The distance the vec0 path reports, over a stored blob and a query blob. */
  private reportedDistance(metric: Metric): (blob: Buffer, query: Buffer) => number {
    if (metric === 'ip') return (blob, query) => negativeDot(blob, query) as number;
    const fn = metric === 'cosine' ? 'vec_distance_cosine' : 'vec_distance_l2';
    const stmt = this.conn.prepare(`SELECT ${fn}(?, ?)`).pluck();
    return (blob, query) => stmt.get(blob, query) as number;
  }
}
