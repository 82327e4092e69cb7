import type { Metric } from '../model/metric.js';
import type { ReduceSpec } from './compression-spec.js';
import { type PcaModel, fitPca, project } from './pca.js';

/**
 * A dimension reduction ready to apply: Matryoshka truncation (nothing to fit) or a fitted PCA.
 * Inputs are normalised first for cosine (the angle is what counts), and truncated outputs are
 * renormalised for cosine, so the index sees unit vectors of `out` dimensions.
 */
export class Reduction {
  readonly out: number;
  readonly #spec: ReduceSpec;
  readonly #cosine: boolean;
  #pca: PcaModel | null;
  readonly #scratch: Float64Array;

  constructor(spec: ReduceSpec, dims: number, metric: Metric, pca: PcaModel | null = null) {
    this.#spec = spec;
    this.out = spec.dimensions;
    this.#cosine = metric === 'cosine';
    this.#pca = pca;
    this.#scratch = new Float64Array(dims);
  }

  get needsFit(): boolean {
    return this.#spec.method === 'pca' && this.#pca === null;
  }

  get pca(): PcaModel | null {
    return this.#pca;
  }

  /** Use a PCA fitted earlier (read back with the index). */
  setPca(pca: PcaModel): void {
    this.#pca = pca;
  }

  /** Fit PCA on `n` vectors (row-major, raw); cosine inputs are normalised and not centred. */
  fit(sample: Float32Array, n: number, dims: number): void {
    if (this.#spec.method !== 'pca') return;
    if (this.#cosine) for (let i = 0; i < n; i++) normaliseInPlace(sample, i * dims, dims);
    this.#pca = fitPca(sample, n, dims, this.out, !this.#cosine);
  }

  /** The reduced vector (a new array). Call `fit` first for PCA. */
  apply(vector: ArrayLike<number>): Float32Array {
    const target = new Float32Array(this.out);
    if (this.#spec.method === 'truncate') {
      for (let i = 0; i < this.out; i++) target[i] = vector[i] as number;
      return target;
    }
    const pca = this.#pca;
    if (pca === null) throw new Error('PCA applied before it was fitted');
    const x = this.#scratch;
    for (let i = 0; i < x.length; i++) x[i] = vector[i] as number;
    if (this.#cosine) normaliseInPlace(x, 0, x.length);
    return project(pca, x, target);
  }
}

function normaliseInPlace(v: Float32Array | Float64Array, offset: number, dims: number): void {
  let s = 0;
  for (let i = 0; i < dims; i++) s += (v[offset + i] as number) ** 2;
  if (s === 0) return;
  const n = Math.sqrt(s);
  for (let i = 0; i < dims; i++) v[offset + i] = (v[offset + i] as number) / n;
}
