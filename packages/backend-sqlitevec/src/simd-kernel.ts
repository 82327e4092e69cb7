import { createRequire } from 'node:module';
import type { Metric } from '@vecdex/core';

/**
 * usearch's `exactSearch`: a brute-force top-k over a contiguous float32 dataset with its SIMD
 * distance kernels (SimSIMD / NumKong), one thread. Keys are offsets into `dataset`, which must
 * start at byte 0 of its buffer (the binding reads the buffer, not the view's offset).
 */
export type ExactSearchKernel = (
  dataset: Float32Array,
  query: Float32Array,
  dimensions: number,
  count: number,
  metric: string,
  threads: number,
) => { keys: BigUint64Array; distances: Float32Array };

/** The usearch version this backend is built and tested against (package.json pins it). */
export const USEARCH_VERSION = '2.26.2';

let kernel: ExactSearchKernel | null | undefined;

/**
 * The kernel, loaded on first use; null when usearch cannot load on this platform (its npm
 * package ships prebuilt binaries for linux-x64/arm64, darwin and win32-x64), in which case
 * exact search keeps scanning vec0.
 */
export function simdKernel(): ExactSearchKernel | null {
  if (kernel !== undefined) return kernel;
  try {
    const mod = createRequire(import.meta.url)('usearch') as { exactSearch?: unknown; default?: { exactSearch?: unknown } };
    const fn = mod.exactSearch ?? mod.default?.exactSearch;
    kernel = typeof fn === 'function' ? (fn as ExactSearchKernel) : null;
  } catch {
    kernel = null;
  }
  return kernel;
}

/** usearch's name for a metric the kernel computes (`l1` has none). */
export function kernelMetric(metric: Metric): 'l2sq' | 'cos' | 'ip' | null {
  if (metric === 'l2') return 'l2sq';
  if (metric === 'cosine') return 'cos';
  if (metric === 'ip') return 'ip';
  return null;
}

/** float32 unit roundoff. */
const U = 2 ** -24;
/** The smallest normal float32: below it a product or square loses its relative accuracy. */
const MIN_NORMAL = 2 ** -126;

/**
 * The kernel's float32 distances differ from the ones the backend reports (sqlite-vec's own
 * float32 functions, and the double-precision `vecdex_neg_dot`): in summation order, fused
 * multiply-adds, and a reciprocal square root in the cosine. `slack` bounds the difference
 * between the two for any one row, generously (each term of a d-term float32 sum carries at
 * most d·u relative error; we allow 8·d·u per computation, twice over): any row whose reported
 * distance is at most the k-th reported distance has a kernel distance within
 * `threshold(kth kernel distance)`. `dk` is the k-th kernel distance; `maxNorm` bounds the
 * stored vectors' norms, `queryNorm` is the query's.
 */
export function kernelThreshold(
  kind: 'l2sq' | 'cos' | 'ip',
  dimensions: number,
  dk: number,
  maxNorm: number,
  queryNorm: number,
): number {
  const gamma = 8 * dimensions * U;
  switch (kind) {
    // Sums of squares: relative error, and an absolute term for squares that underflow.
    case 'l2sq':
      return dk * (1 + 4 * gamma) + 4 * dimensions * MIN_NORMAL;
    // 1 - cos in [0, 2]: every part of cos carries at most gamma relative to |a||b|, plus the
    // kernel's reciprocal square root (accurate to ~2^-22 after its Newton step).
    case 'cos':
      return dk + 4 * (3 * gamma + 2 ** -20);
    // 1 - a·b in float32 against -(a·b) in double: |error| <= gamma·|a||b| + rounding of the 1 - x.
    case 'ip':
      return dk + 4 * (gamma * maxNorm * queryNorm + 4 * U * (1 + Math.abs(dk))) + 4 * dimensions * MIN_NORMAL;
  }
}

/**
 * Whether float32 arithmetic over these magnitudes may overflow (then the vec0 scan answers:
 * it computes in the same float32, or in double for `ip`, and ranks infinities its own way).
 */
export function mayOverflow(kind: 'l2sq' | 'cos' | 'ip', maxNorm: number, queryNorm: number): boolean {
  if (kind === 'cos') return false; // cosine vectors are stored and queried inside a safe band (vector-scaling.ts)
  const bound = kind === 'l2sq' ? (maxNorm + queryNorm) ** 2 : maxNorm * queryNorm;
  return !(bound < 1e36);
}
