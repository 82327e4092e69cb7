import { VecdexError, type Metric } from '@vecdex/core';
import type { PgVectorType } from '../native-access.js';
import type { NativeMethod } from './native-params.js';

/**
 * pgvector's distance operators, one per metric. Each returns the distance core defines for
 * that metric (`<#>` is the negative inner product, `<=>` is 1 - cosine similarity).
 */
export const DISTANCE_OPERATOR: Readonly<Record<Metric, string>> = Object.freeze({
  l2: '<->',
  cosine: '<=>',
  ip: '<#>',
  l1: '<+>',
});

const OPCLASS_SUFFIX: Readonly<Record<Metric, string>> = Object.freeze({
  l2: 'l2_ops',
  cosine: 'cosine_ops',
  ip: 'ip_ops',
  l1: 'l1_ops',
});

/** Metrics each access method indexes (pgvector 0.8: IVFFlat has no L1 operator class). */
export const METHOD_METRICS: Readonly<Record<NativeMethod, readonly Metric[]>> = Object.freeze({
  hnsw: Object.freeze(['l2', 'cosine', 'ip', 'l1'] as Metric[]),
  ivfflat: Object.freeze(['l2', 'cosine', 'ip'] as Metric[]),
});

/** Largest dimensions pgvector indexes per column type (pgvector#915). */
export const MAX_INDEXED_DIMENSIONS: Readonly<Record<PgVectorType, number>> = Object.freeze({ vector: 2000, halfvec: 4000 });

/** The operator class for a column type and metric, e.g. `vector_l2_ops`, `halfvec_cosine_ops`. */
export function operatorClass(method: NativeMethod, vectorType: PgVectorType, metric: Metric): string {
  if (!METHOD_METRICS[method].includes(metric)) {
    throw new VecdexError(
      'UNSUPPORTED_METRIC',
      `metric "${metric}" is not supported by index plugin pgvector-${method}; use one of: ${METHOD_METRICS[method].join(', ')}`,
      { details: { metric, supported: METHOD_METRICS[method] } },
    );
  }
  return `${vectorType}_${OPCLASS_SUFFIX[metric]}`;
}

/** Refuse, before any DDL, a column pgvector cannot index. */
export function checkIndexable(plugin: string, vectorType: PgVectorType, dimensions: number): void {
  const max = MAX_INDEXED_DIMENSIONS[vectorType];
  if (dimensions > max) {
    throw new VecdexError(
      'NOT_SUPPORTED',
      `${plugin} indexes at most ${max} dimensions on a ${vectorType} column (this collection has ${dimensions}); ` +
        `use exact search, a halfvec collection (up to 4,000), or another index plugin`,
      { details: { dimensions, max, vectorType } },
    );
  }
}
