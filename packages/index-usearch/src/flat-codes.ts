import type { Int8Quantizer } from '@vecdex/core/plugin-kit';
import { HammingKernel } from './hamming-kernel.js';
import { packSigns } from './hamming-scan.js';

/** What a flat index stores a row as: float32 components, calibrated int8 codes, or packed sign bits. */
export type FlatKind = 'f32' | 'i8' | 'b1';

/**
 * The contiguous rows of a flat index (row = label), grown geometrically. Vectors arrive checked
 * and (cosine) normalised; `write` encodes them: as they are, as int8 codes (`quantizer`), or as
 * their signs packed 32 to a word.
 */
export class FlatCodes {
  readonly kind: FlatKind;
  readonly dims: number;
  /** Elements a row: dims (f32, i8) or 32-bit words (b1). */
  readonly rowLength: number;
  #data: Float32Array | Int8Array | Uint32Array;
  #rows = 0;
  /** b1: the rows live in this WebAssembly memory, scanned by `i64.popcnt`. */
  readonly #kernel: HammingKernel | null;

  constructor(kind: FlatKind, dims: number, capacity = 0) {
    this.kind = kind;
    this.dims = dims;
    // b1 rows are whole 64-bit words (the padding bits are 0 in rows and queries alike).
    this.rowLength = kind === 'b1' ? Math.ceil(dims / 64) * 2 : dims;
    this.#kernel = kind === 'b1' ? new HammingKernel() : null;
    this.#data = this.#alloc(Math.max(16, capacity));
  }

  /** b1: Hamming distances from `query` (from `encodeQuery`) to every row in use. */
  hamming(query: Uint32Array): Uint16Array {
    return (this.#kernel as HammingKernel).scan(this.#rows, this.rowLength / 2, query);
  }

  /** Bytes a row takes. */
  get rowBytes(): number {
    return this.rowLength * (this.kind === 'i8' ? 1 : 4);
  }

  /** Rows in use (the highest written row + 1). */
  get rows(): number {
    return this.#rows;
  }

  /** The rows in use, as the typed array usearch or the Hamming scan reads. */
  view(): Float32Array | Int8Array | Uint32Array {
    return this.#data.subarray(0, this.#rows * this.rowLength);
  }

  /** Encode `vector` (from `from` in its array) into `row`. */
  write(row: number, vector: ArrayLike<number>, quantizer: Int8Quantizer | null, from = 0): void {
    this.#ensure(row + 1);
    const at = row * this.rowLength;
    if (this.kind === 'b1') packSigns(vector, this.dims, this.#data as Uint32Array, at, from);
    else if (this.kind === 'i8') (quantizer as Int8Quantizer).quantize(vector, this.#data as Int8Array, at, from);
    else for (let j = 0; j < this.dims; j++) this.#data[at + j] = vector[from + j] as number;
    if (row >= this.#rows) this.#rows = row + 1;
  }

  /** Zero a freed row (it is skipped by label, never returned). */
  clear(row: number): void {
    if (row < this.#rows) this.#data.fill(0, row * this.rowLength, (row + 1) * this.rowLength);
  }

  /** The query encoded the same way. */
  encodeQuery(query: Float32Array, quantizer: Int8Quantizer | null): Float32Array | Int8Array | Uint32Array {
    if (this.kind === 'f32') return query;
    if (this.kind === 'i8') {
      const out = new Int8Array(this.dims);
      (quantizer as Int8Quantizer).quantize(query, out);
      return out;
    }
    const out = new Uint32Array(this.rowLength);
    packSigns(query, this.dims, out, 0);
    return out;
  }

  /** The rows in use as bytes (little-endian), for the saved file. */
  bytes(): Uint8Array {
    const v = this.view();
    return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  }

  /** Rows read back from a saved file (its length already checked to be `rows × rowBytes`). */
  static fromBytes(kind: FlatKind, dims: number, rows: number, bytes: Uint8Array): FlatCodes {
    const codes = new FlatCodes(kind, dims, rows);
    new Uint8Array(codes.#data.buffer, codes.#data.byteOffset, bytes.byteLength).set(bytes);
    codes.#rows = rows;
    return codes;
  }

  #ensure(rows: number): void {
    const capacity = this.#data.length / this.rowLength;
    if (rows <= capacity) return;
    const grown = Math.max(rows, Math.ceil(capacity * 1.5));
    if (this.#kernel !== null) {
      this.#data = this.#alloc(grown); // the memory grows in place: rows already written stay
      return;
    }
    const next = this.#alloc(grown);
    next.set(this.#data as never);
    this.#data = next;
  }

  #alloc(rows: number): Float32Array | Int8Array | Uint32Array {
    const n = rows * this.rowLength;
    if (this.#kernel !== null) {
      this.#kernel.reserve(n * 4, rows);
      return new Uint32Array(this.#kernel.memory.buffer, HammingKernel.codesOffset, n);
    }
    return this.kind === 'f32' ? new Float32Array(n) : this.kind === 'i8' ? new Int8Array(n) : new Uint32Array(n);
  }
}
