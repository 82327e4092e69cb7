import { VecdexError, type CompressionSpec, type Metric } from '@vecdex/core';
import type { PgVectorType } from '../native-access.js';
import { DISTANCE_OPERATOR } from './operator-class.js';

/** Largest dimensions pgvector's HNSW / IVFFlat index per type (pgvector#915; bit: 64,000). */
const MAX_DIMS = { vector: 2000, halfvec: 4000, bit: 64000 } as const;

/**
 * What a compressed pgvector index indexes instead of the column: an expression of it, with the
 * same expression applied to the query so the planner uses the index.
 *
 * - `float16`: `column::halfvec(d)` (`halfvec_<metric>_ops`);
 * - `binary`: `binary_quantize(column)::bit(d)` (`bit_hamming_ops`, Hamming `<~>`);
 * - truncation to d′: `subvector(column, 1, d′)` cast to the (half)vec type of d′ dimensions,
 *   which is how a 3,072-d collection gets an HNSW index (2,000-d limit on vector, 4,000 on halfvec).
 *
 * With rescoring the search is a re-rank subquery: the `k × oversample` nearest by the
 * expression (through the index), re-ordered by the column's exact distance.
 */
export interface IndexExpression {
  /** The indexed expression over `column` (parenthesised, as CREATE INDEX needs it). */
  over(column: string): string;
  /** The same for the query parameter (`$1`). */
  query(param: string): string;
  type: PgVectorType | 'bit';
  dims: number;
  /** Unqualified operator class, e.g. `halfvec_cosine_ops`, `bit_hamming_ops`. */
  opclass: string;
  /** Unqualified distance operator, e.g. `<=>`, `<~>`. */
  operator: string;
  /** `k × oversample` candidates re-ranked by the exact distance, or null (expression distances). */
  oversample: number | null;
  /** In words, for stats and plans: `subvector(1..1024)::halfvec(1024)`. */
  describe: string;
}

const SUFFIX: Readonly<Record<Metric, string>> = Object.freeze({
  l2: 'l2_ops',
  cosine: 'cosine_ops',
  ip: 'ip_ops',
  l1: 'l1_ops',
});

/** The expression for a compression spec on a column of `type` × `dims`, or null when the column is indexed as it is. */
export function indexExpression(
  spec: CompressionSpec | undefined,
  type: PgVectorType,
  dims: number,
  metric: Metric,
  ext: string,
): IndexExpression | null {
  if (spec === undefined || (spec.precision === 'float32' && spec.reduce === null)) return null;
  if (spec.reduce !== null && spec.reduce.method !== 'truncate') {
    throw new VecdexError('NOT_SUPPORTED', 'pgvector indexes reduce by truncation (subvector), not PCA');
  }
  const out = spec.reduce?.dimensions ?? dims;
  const cut = (x: string) => (out === dims ? x : `${ext}.subvector(${x}, 1, ${out})`);
  let exprType: PgVectorType | 'bit';
  let over: (x: string) => string;
  if (spec.precision === 'binary') {
    exprType = 'bit';
    over = (x) => `(${ext}.binary_quantize(${cut(x)})::bit(${out}))`;
  } else {
    exprType = spec.precision === 'float16' ? 'halfvec' : type;
    over = (x) => `(${cut(x)}::${ext}.${exprType}(${out}))`;
  }
  if (out > MAX_DIMS[exprType]) {
    throw new VecdexError(
      'NOT_SUPPORTED',
      `pgvector indexes at most ${MAX_DIMS[exprType]} dimensions of ${exprType} (the index expression has ${out}); truncate further (reduce.dimensions) or use float16 (halfvec, up to 4,000) or binary`,
      { details: { dimensions: out, max: MAX_DIMS[exprType], type: exprType } },
    );
  }
  const describe =
    (out === dims ? '' : `subvector(1..${out})`) +
    (spec.precision === 'binary' ? `${out === dims ? '' : ' → '}binary_quantize::bit(${out})` : `::${exprType}(${out})`);
  return {
    over,
    query: (param) => over(`${param}::${ext}.${type}`),
    type: exprType,
    dims: out,
    opclass: exprType === 'bit' ? 'bit_hamming_ops' : `${exprType}_${SUFFIX[metric]}`,
    operator: exprType === 'bit' ? '<~>' : DISTANCE_OPERATOR[metric],
    oversample: spec.rescore?.oversample ?? null,
    describe,
  };
}
