import type { Int8Calibration } from '../compression/precision.js';
import type { Metric } from '../model/metric.js';

/** What an int8 calibration stores with the index: per-dimension (or one global) offset and scale. */
export interface Int8QuantizerJson {
  mode: Int8Calibration;
  offset: number[];
  scale: number[];
}

/** Share of the sample kept inside the range at each end (outliers beyond it are clipped). */
const TAIL = 1e-4;

/**
 * int8 codes calibrated on a sample: `code = round((x − offset) / scale)`, clipped to ±127.
 *
 * - `global`: one offset and one step for every dimension;
 * - `per-dimension` (l2 only): each dimension centred on the middle of its own range, one step
 *   for all (the widest range's): a translation and a uniform scale, so code distances are the
 *   vectors' distances times a constant, with finer codes when dimensions sit at different levels.
 *
 * Either way the order of distances is kept up to rounding and clipping (ranges cut 0.01% of the
 * sample off each end). For angle metrics (`cosine`, `ip`) the range is symmetric around 0
 * (offset 0), so inner products of codes stay proportional to those of the vectors. Cosine
 * vectors must be normalised before `fit` and `quantize` (`IndexVectors` does).
 *
 * ```ts
 * const q = Int8Quantizer.fit(sample, n, dims, 'cosine', 'global')
 * q.quantize(vector, codes, i * dims)        // codes: Int8Array
 * manifest.int8 = q.toJSON()                 // Int8Quantizer.fromJSON(manifest.int8, dims) on load
 * ```
 */
export class Int8Quantizer {
  readonly mode: Int8Calibration;
  readonly dims: number;
  readonly #offset: Float32Array;
  readonly #inverse: Float32Array;
  readonly #scale: Float32Array;

  private constructor(mode: Int8Calibration, dims: number, offset: Float32Array, scale: Float32Array) {
    this.mode = mode;
    this.dims = dims;
    this.#offset = offset;
    this.#scale = scale;
    this.#inverse = scale.map((s) => (s > 0 ? 1 / s : 0));
  }

  /** Fit on `n` vectors, row-major `n × dims` (use every vector of a small index, a sample of a big one). */
  static fit(sample: ArrayLike<number>, n: number, dims: number, metric: Metric, mode: Int8Calibration): Int8Quantizer {
    const symmetric = metric !== 'l2' && metric !== 'l1';
    if (symmetric && mode === 'per-dimension') mode = 'global'; // offsets would change angles
    const groups = mode === 'global' ? 1 : dims;
    const offset = new Float32Array(dims);
    const scale = new Float32Array(dims).fill(1);
    for (let g = 0; g < groups; g++) {
      const values: number[] = [];
      for (let i = 0; i < n; i++) {
        if (mode === 'global') for (let j = 0; j < dims; j++) values.push(sample[i * dims + j] as number);
        else values.push(sample[i * dims + g] as number);
      }
      if (values.length === 0) continue;
      let o: number;
      let s: number;
      if (symmetric) {
        const abs = Float64Array.from(values, Math.abs).sort();
        const hi = abs[Math.min(abs.length - 1, Math.floor(abs.length * (1 - TAIL)))] as number;
        o = 0;
        s = hi / 127;
      } else {
        const sorted = Float64Array.from(values).sort();
        const lo = sorted[Math.floor(sorted.length * TAIL)] as number;
        const hi = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * (1 - TAIL)))] as number;
        o = (lo + hi) / 2;
        s = (hi - lo) / 254;
      }
      if (!(s > 0)) s = 1;
      if (mode === 'global') {
        offset.fill(o);
        scale.fill(s);
      } else {
        offset[g] = o;
        scale[g] = s;
      }
    }
    // One step for every dimension (the widest), so the geometry is only translated and scaled.
    if (mode === 'per-dimension') scale.fill(Math.max(...scale));
    return new Int8Quantizer(mode, dims, offset, scale);
  }

  static fromJSON(json: Int8QuantizerJson, dims: number): Int8Quantizer | null {
    const { mode, offset, scale } = json ?? ({} as Int8QuantizerJson);
    if ((mode !== 'global' && mode !== 'per-dimension') || !Array.isArray(offset) || !Array.isArray(scale)) return null;
    if (offset.length !== dims || scale.length !== dims) return null;
    if (!offset.every(Number.isFinite) || !scale.every((s) => Number.isFinite(s) && s > 0)) return null;
    return new Int8Quantizer(mode, dims, Float32Array.from(offset), Float32Array.from(scale));
  }

  /** The code of `vector` into `out` at `at`. */
  quantize(vector: ArrayLike<number>, out: Int8Array, at = 0, from = 0): void {
    const offset = this.#offset;
    const inverse = this.#inverse;
    for (let j = 0; j < this.dims; j++) {
      const c = Math.round(((vector[from + j] as number) - (offset[j] as number)) * (inverse[j] as number));
      out[at + j] = c > 127 ? 127 : c < -127 ? -127 : c;
    }
  }

  /** The step of every dimension (distance between codes × this ≈ distance between vectors). */
  get globalScale(): number | null {
    return this.#scale[0] as number;
  }

  toJSON(): Int8QuantizerJson {
    return { mode: this.mode, offset: Array.from(this.#offset), scale: Array.from(this.#scale) };
  }
}
