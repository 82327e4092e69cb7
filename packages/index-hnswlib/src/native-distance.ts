import type { Metric } from '@vecdex/core';
import type { HnswSpace } from './load-hnswlib.js';

/** The hnswlib space for a vecdex metric (`l1` has none). */
export function spaceFor(metric: Metric): HnswSpace | null {
  return metric === 'l2' || metric === 'ip' || metric === 'cosine' ? metric : null;
}

/**
 * hnswlib's distance → core's convention (`distance()` in @vecdex/core), monotonically, so
 * hnswlib's order is kept:
 * - `l2`: hnswlib returns the *squared* Euclidean distance → square root;
 * - `ip`: hnswlib returns `1 - a·b` → core's `-(a·b)` is that minus 1;
 * - `cosine`: hnswlib normalises both vectors and returns `1 - cos`, as core does.
 * Results are float32 arithmetic, so they match core's double-precision values to ~1e-6 relative.
 */
export function fromNativeDistance(metric: Metric, d: number): number {
  switch (metric) {
    case 'l2':
      return Math.sqrt(Math.max(0, d));
    case 'ip':
      return d - 1;
    case 'cosine':
      return Math.max(0, d);
    default:
      return Number.NaN;
  }
}
