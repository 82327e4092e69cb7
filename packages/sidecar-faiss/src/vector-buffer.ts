import { VecdexError, errors, type IndexKey, type Metric } from '@vecdex/core';

/** Rows per chunk: each chunk is one native `add` call (faiss-node converts a JS array of rows × d numbers per call). */
export const CHUNK_ROWS = 4096;

/**
 * Vectors on their way into faiss-node, which reads plain `number[]` (n × d, row-major) element by
 * element. Checks length and finiteness (native code would silently misuse either) and, for
 * cosine, normalises in double precision: FAISS then searches by inner product on unit vectors.
 *
 * Rows are kept as float32 (what FAISS stores; a double becomes the same float either way) in
 * chunks of `chunkRows` rows, converted to `number[]` one chunk at a time: a single `number[]` of
 * every vector is 8 bytes a component and cannot pass V8's array limit (~134M elements), so a
 * build of 1M × 128 in one array crashed the process ("invalid size error").
 */
export class VectorBuffer {
  readonly #dims: number;
  readonly #metric: Metric;
  readonly #where: string;
  readonly #chunkRows: number;
  #chunks: Float32Array[] = [];
  #count = 0;

  constructor(dims: number, metric: Metric, where: string, chunkRows = CHUNK_ROWS) {
    this.#dims = dims;
    this.#metric = metric;
    this.#where = where;
    this.#chunkRows = chunkRows;
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
    const row = this.#count % this.#chunkRows;
    let out = row === 0 ? undefined : this.#chunks[this.#chunks.length - 1];
    if (out === undefined) {
      // The first chunk starts at one row (a query, a small apply) and doubles up to chunkRows.
      out = new Float32Array((this.#count === 0 ? 1 : this.#chunkRows) * dims);
      this.#chunks.push(out);
    } else if ((row + 1) * dims > out.length) {
      const grown = new Float32Array(Math.min(this.#chunkRows, 2 * (out.length / dims)) * dims);
      grown.set(out);
      out = grown;
      this.#chunks[this.#chunks.length - 1] = out;
    }
    const base = row * dims;
    let squares = 0;
    for (let i = 0; i < dims; i++) {
      const x = vector[i] as number;
      if (!Number.isFinite(x)) throw errors.invalidVector(`component ${i} is ${x}`, entry?.id);
      squares += x * x;
    }
    const norm = this.#metric === 'cosine' && squares > 0 ? Math.sqrt(squares) : 1;
    for (let i = 0; i < dims; i++) {
      const x = (vector[i] as number) / norm;
      out[base + i] = x;
      if (!Number.isFinite(out[base + i] as number))
        throw errors.invalidVector(`component ${i} is ${x}, beyond float32`, entry?.id);
    }
    this.#count++;
  }

  /** The vectors as chunks of at most `chunkRows` rows (row-major `number[]` each, in order), then start empty. */
  *takeChunks(): Generator<number[]> {
    const chunks = this.#chunks;
    const count = this.#count;
    const dims = this.#dims;
    this.#chunks = [];
    this.#count = 0;
    for (let c = 0; c < chunks.length; c++) {
      const rows = Math.min(this.#chunkRows, count - c * this.#chunkRows);
      yield Array.from((chunks[c] as Float32Array).subarray(0, rows * dims));
      chunks[c] = EMPTY; // converted: let the float32 rows go
    }
  }

  /** `count` rows spread evenly over the buffer (deterministic, so builds reproduce), as one `number[]`; the buffer is kept. */
  sample(count: number): number[] {
    const n = this.#count;
    const dims = this.#dims;
    const rows = Math.min(count, n);
    const out = new Array<number>(rows * dims);
    for (let i = 0; i < rows; i++) {
      const r = rows === n ? i : Math.floor((i * n) / rows);
      const chunk = this.#chunks[Math.floor(r / this.#chunkRows)] as Float32Array;
      const base = (r % this.#chunkRows) * dims;
      for (let d = 0; d < dims; d++) out[i * dims + d] = chunk[base + d] as number;
    }
    return out;
  }

  /** The vectors as one `number[]` (a query, a small batch), then start empty. */
  take(): number[] {
    const out: number[] = [];
    for (const chunk of this.takeChunks()) for (const x of chunk) out.push(x);
    return out;
  }
}

const EMPTY = new Float32Array(0);

/** FAISS's distance → core's (`distance()` in @vecdex/core), monotonically. */
export function fromFaissDistance(metric: Metric, d: number): number {
  // l2: FAISS returns the squared distance. cosine: inner product of unit vectors, 1 − cos.
  return metric === 'l2' ? Math.sqrt(Math.max(0, d)) : Math.max(0, 1 - d);
}
