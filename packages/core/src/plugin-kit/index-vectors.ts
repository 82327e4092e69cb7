import type { IndexKey } from '../contracts/index-plugin.js';
import { errors } from '../errors/error-factories.js';
import { VecdexError } from '../errors/vecdex-error.js';
import type { Metric } from '../model/metric.js';

/** Something vectors are copied into: a `number[]` (bindings that read JS arrays) or a typed array. */
export type VectorSink = { [index: number]: number; readonly length: number };

/**
 * Vectors on their way into native code, checked for what native code would silently misuse
 * (a wrong length, NaN or ±Infinity) and, for `cosine`, normalised in double precision. Native
 * libraries normalise in float32, where the sum of squares underflows to 0 for components below
 * ~1e-19 or overflows above ~1e19; core accepts both.
 *
 * ```ts
 * const vectors = new IndexVectors(context)                 // dimensions, metric, index name
 * const batch = new Float32Array(n * context.dimensions)
 * entries.forEach((e, i) => vectors.copy(e.vector, batch, i * context.dimensions, e))
 * vectors.copy(query, scratch)                              // a query: errors say "query vector"
 * ```
 */
export class IndexVectors {
  readonly dimensions: number;
  readonly #cosine: boolean;
  readonly #where: string;

  constructor(context: { dimensions: number; metric: Metric; definition: { name: string } }) {
    this.dimensions = context.dimensions;
    this.#cosine = context.metric === 'cosine';
    this.#where = `index "${context.definition.name}"`;
  }

  /**
   * Copy `vector` into `out` at `offset`; `entry` names the item in errors (omit it for a
   * query). Throws `DIMENSION_MISMATCH` or `INVALID_VECTOR`, having written nothing useful.
   */
  copy(vector: ArrayLike<number>, out: VectorSink, offset = 0, entry?: IndexKey): void {
    const dims = this.dimensions;
    if (vector.length !== dims) {
      const where = entry === undefined ? this.#where : `collection "${entry.collection}"`;
      throw new VecdexError(
        'DIMENSION_MISMATCH',
        `${entry === undefined ? 'query vector' : `item "${entry.id}"`} has ${vector.length} dimensions but ${where} expects ${dims}`,
        { details: { expected: dims, actual: vector.length, ...entry } },
      );
    }
    let squares = 0;
    for (let i = 0; i < dims; i++) {
      const x = vector[i] as number;
      if (!Number.isFinite(x)) throw errors.invalidVector(`component ${i} is ${x}`, entry?.id);
      out[offset + i] = x;
      squares += x * x;
    }
    if (this.#cosine && squares > 0) {
      const norm = Math.sqrt(squares);
      for (let i = 0; i < dims; i++) out[offset + i] = (vector[i] as number) / norm;
    }
  }
}
