import { VecdexError, errors, type IndexKey, type Metric } from '@vecdex/core';

/**
 * Vectors on their way into faiss-node, which reads plain `number[]` (n × d, row-major) element by
 * element. Checks length and finiteness (native code would silently misuse either) and, for
 * cosine, normalises in double precision: FAISS then searches by inner product on unit vectors.
 */
export class VectorBuffer {
  readonly #dims: number;
  readonly #metric: Metric;
  readonly #where: string;
  #data: number[] = [];
  #count = 0;

  constructor(dims: number, metric: Metric, where: string) {
    this.#dims = dims;
    this.#metric = metric;
    this.#where = where;
  }

  get count(): number {
    return this.#count;
  }

  push(vector: ArrayLike<number>, entry?: IndexKey): void {
    const dims = this.#dims;
    if (vector.length !== dims) {
      const where = entry === undefined ? this.#where : `collection "${entry.collection}"`;
      throw new VecdexError(
        'DIMENSION_MISMATCH',
        `${entry === undefined ? 'query vector' : `item "${entry.id}"`} has ${vector.length} dimensions but ${where} expects ${dims}`,
        { details: { expected: dims, actual: vector.length, ...entry } },
      );
    }
    const out = this.#data;
    const base = this.#count * dims;
    let squares = 0;
    for (let i = 0; i < dims; i++) {
      const x = vector[i] as number;
      if (!Number.isFinite(x)) throw errors.invalidVector(`component ${i} is ${x}`, entry?.id);
      out[base + i] = x;
      squares += x * x;
    }
    if (this.#metric === 'cosine' && squares > 0) {
      const norm = Math.sqrt(squares);
      for (let i = 0; i < dims; i++) out[base + i] = (out[base + i] as number) / norm;
    }
    this.#count++;
  }

  /** The vectors as one `number[]`, then start empty (the array is handed over, not copied). */
  take(): number[] {
    const data = this.#data;
    data.length = this.#count * this.#dims;
    this.#data = [];
    this.#count = 0;
    return data;
  }
}

/** FAISS's distance → core's (`distance()` in @vecdex/core), monotonically. */
export function fromFaissDistance(metric: Metric, d: number): number {
  // l2: FAISS returns the squared distance. cosine: inner product of unit vectors, 1 − cos.
  return metric === 'l2' ? Math.sqrt(Math.max(0, d)) : Math.max(0, 1 - d);
}
