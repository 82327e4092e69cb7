import type { Metric } from '@vecdex/core';
import { restoreVector } from './vector-scaling.js';
import { decodeVector } from './vector-codec.js';

/**
 * `vecdex_distance(metric, embedding, vector_exp, vector_exact, query)`: the distance between a
 * stored vector (restored from its vec0 blob as `get` returns it, see `vector-scaling.ts`) and a
 * float32 query blob, computed in double precision. Used where sqlite-vec's own float32
 * functions cannot be: a metric other than the collection's over scaled cosine rows, and cosine
 * over another metric's collection (float32 cosine breaks on very small or large components).
 * A scan with it costs a JS call per row, so the common paths stay in vec0.
 */
export function distanceInDouble(
  metric: unknown,
  embedding: unknown,
  exp: unknown,
  exact: unknown,
  query: unknown,
): number | null {
  if (embedding === null || query === null) return null;
  if (!(embedding instanceof Uint8Array) || !(query instanceof Uint8Array)) {
    throw new TypeError('vecdex_distance takes float32 blobs');
  }
  const a = restoreVector(embedding, typeof exp === 'number' ? exp : null, exact instanceof Uint8Array ? exact : null);
  const b = decodeVector(query);
  if (a.length !== b.length) throw new TypeError(`vecdex_distance: vectors of ${a.length} and ${b.length} dimensions`);
  return distance(metric as Metric, a, b);
}

export function distance(metric: Metric, a: Float32Array, b: Float32Array): number {
  let s = 0;
  switch (metric) {
    case 'l2':
      for (let i = 0; i < a.length; i++) {
        const d = (a[i] as number) - (b[i] as number);
        s += d * d;
      }
      return Math.sqrt(s);
    case 'l1':
      for (let i = 0; i < a.length; i++) s += Math.abs((a[i] as number) - (b[i] as number));
      return s;
    case 'ip':
      for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
      return -s;
    case 'cosine': {
      // Scale-free: divide by the largest component first, so the squares neither overflow
      // nor underflow even in double precision.
      const ma = maxAbs(a);
      const mb = maxAbs(b);
      if (ma === 0 || mb === 0) return Number.NaN;
      let na = 0;
      let nb = 0;
      for (let i = 0; i < a.length; i++) {
        const x = (a[i] as number) / ma;
        const y = (b[i] as number) / mb;
        s += x * y;
        na += x * x;
        nb += y * y;
      }
      return 1 - s / Math.sqrt(na * nb);
    }
    default:
      throw new TypeError(`vecdex_distance: unknown metric ${String(metric)}`);
  }
}

function maxAbs(v: Float32Array): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i] as number));
  return m;
}
