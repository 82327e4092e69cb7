import { type Metric, distance } from '../model/metric.js';

/**
 * `distance(metric, query, v)` for one query against many float32 vectors, bit for bit the same
 * double: the same sums in the same order, with the query's part of a cosine (its sum of
 * squares) computed once instead of once per vector, and loops typed for `Float32Array` (the
 * generic `distance` also takes plain arrays). Rescoring calls it `k × oversample` times a query.
 */
export function queryDistance(metric: Metric, query: Float32Array): (v: Float32Array) => number {
  const n = query.length;
  switch (metric) {
    case 'cosine': {
      let nb = 0;
      for (let i = 0; i < n; i++) {
        const y = query[i] as number;
        nb += y * y;
      }
      return (a) => {
        let dot = 0;
        let na = 0;
        for (let i = 0; i < n; i++) {
          const x = a[i] as number;
          dot += x * (query[i] as number);
          na += x * x;
        }
        return 1 - dot / Math.sqrt(na * nb);
      };
    }
    case 'l2':
      return (a) => {
        let s = 0;
        for (let i = 0; i < n; i++) {
          const d = (a[i] as number) - (query[i] as number);
          s += d * d;
        }
        return Math.sqrt(s);
      };
    default:
      return (a) => distance(metric, a, query);
  }
}
