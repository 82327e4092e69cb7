/**
 * How an index stores its copy of the vectors. The store always keeps full float32 vectors;
 * a compact copy trades recall for memory, and rescoring (see `CompressionSpec.rescore`) reads
 * the full vectors back to make returned distances exact.
 *
 * - `float32`: 4 bytes a dimension (no compression);
 * - `float16`: 2 bytes a dimension;
 * - `int8`: 1 byte a dimension, calibrated on a sample (see `Int8Calibration`);
 * - `binary`: 1 bit a dimension (the sign of each component), compared by Hamming distance.
 *   It approximates angles, so it is refused for `l2` and `l1` (use int8 there).
 */
export type Precision = 'float32' | 'float16' | 'int8' | 'binary';

export const PRECISIONS: readonly Precision[] = Object.freeze(['float32', 'float16', 'int8', 'binary']);

/** Metrics a sign-bit code approximates (angles): binary is refused for the others. */
export const BINARY_METRICS = Object.freeze(['cosine', 'ip'] as const);

/** How int8 ranges are fitted: one range for all dimensions (keeps distance order), or one per dimension. */
export type Int8Calibration = 'global' | 'per-dimension';

/** Bytes a dimension takes in the compact copy. */
export function bytesPerDimension(precision: Precision): number {
  return precision === 'float32' ? 4 : precision === 'float16' ? 2 : precision === 'int8' ? 1 : 1 / 8;
}

export function isPrecision(value: unknown): value is Precision {
  return typeof value === 'string' && (PRECISIONS as readonly string[]).includes(value);
}
