import type { Metric } from '@vecdex/core';

/** usearch's metric for a vecdex metric (`l1` has none). */
export function metricFor(metric: Metric): 'l2sq' | 'cos' | 'ip' | null {
  return metric === 'l2' ? 'l2sq' : metric === 'cosine' ? 'cos' : metric === 'ip' ? 'ip' : null;
}

/**
 * usearch's distance → core's (`distance()` in @vecdex/core), monotonically:
 * - `l2`: usearch returns the squared Euclidean distance → square root;
 * - `cosine`: `1 − cos`, as core;
 * - `ip`: `1 − a·b` → core's `−(a·b)` is that minus 1.
 */
export function fromNativeDistance(metric: Metric, d: number): number {
  switch (metric) {
    case 'l2':
      return Math.sqrt(Math.max(0, d));
    case 'cosine':
      return Math.max(0, d);
    case 'ip':
      return d - 1;
    default:
      return Number.NaN;
  }
}
