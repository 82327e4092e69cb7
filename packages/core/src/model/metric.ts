/**
 * Distance metrics. Every search result carries a *distance*: smaller is closer.
 *
 * - `l2`: Euclidean distance, `sqrt(sum((a-b)^2))`.
 * - `cosine`: `1 - cos(a, b)`, in [0, 2]. Zero vectors are rejected.
 * - `ip`: negative inner product, `-(a·b)` (as pgvector's `<#>`), so smaller is still closer.
 * - `l1`: Manhattan distance, `sum(|a-b|)`.
 */
export type Metric = 'cosine' | 'l2' | 'ip' | 'l1';

export const METRICS: readonly Metric[] = ['cosine', 'l2', 'ip', 'l1'];

export function isMetric(value: unknown): value is Metric {
  return typeof value === 'string' && (METRICS as readonly string[]).includes(value);
}

/**
 * Reference distance, computed in double precision. Backends and indexes are measured against
 * this in the conformance suites; it is also what core uses for small in-memory work.
 */
export function distance(metric: Metric, a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  switch (metric) {
    case 'l2': {
      let s = 0;
      for (let i = 0; i < n; i++) {
        const d = (a[i] as number) - (b[i] as number);
        s += d * d;
      }
      return Math.sqrt(s);
    }
    case 'l1': {
      let s = 0;
      for (let i = 0; i < n; i++) s += Math.abs((a[i] as number) - (b[i] as number));
      return s;
    }
    case 'ip': {
      let s = 0;
      for (let i = 0; i < n; i++) s += (a[i] as number) * (b[i] as number);
      return -s;
    }
    case 'cosine': {
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let i = 0; i < n; i++) {
        const x = a[i] as number;
        const y = b[i] as number;
        dot += x * y;
        na += x * x;
        nb += y * y;
      }
      return 1 - dot / Math.sqrt(na * nb);
    }
  }
}
