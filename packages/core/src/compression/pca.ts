import { VecdexError } from '../errors/vecdex-error.js';

/** Extra basis vectors in the subspace iteration. */
const OVERSAMPLE = 16;

/** A fitted PCA projection: `y = components · (x − mean)`, `components` row-major `out × dims`. */
export interface PcaModel {
  dims: number;
  out: number;
  mean: Float32Array;
  components: Float32Array;
  /** Share of the sample's variance (second moment when uncentred) the kept components explain. */
  explained: number;
}

/**
 * Fit PCA on `n` sample vectors (row-major `n × dims`) by orthogonal (subspace) iteration on the
 * `dims × dims` second-moment matrix: O(n·dims²) to form it, O(iterations·dims²·out) to solve.
 * `centre: false` keeps the mean at 0 (for cosine and inner product, where the angle to the
 * origin is what counts). Deterministic: the start basis comes from a fixed seed.
 */
export function fitPca(sample: Float32Array, n: number, dims: number, out: number, centre: boolean, iterations = 12): PcaModel {
  if (n < dims) {
    throw new VecdexError(
      'INVALID_ARGUMENT',
      `PCA needs at least as many sample vectors as dimensions (${dims}), got ${n}; add items to the collection, or reduce by truncation instead`,
      { details: { name: 'reduce.sample', samples: n, dimensions: dims } },
    );
  }
  const mean = new Float64Array(dims);
  if (centre) {
    for (let i = 0; i < n; i++) for (let j = 0; j < dims; j++) mean[j] = (mean[j] as number) + (sample[i * dims + j] as number);
    for (let j = 0; j < dims; j++) mean[j] = (mean[j] as number) / n;
  }
  // Second-moment matrix (upper triangle, then mirrored), accumulated row by row.
  const cov = new Float64Array(dims * dims);
  const row = new Float64Array(dims);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dims; j++) row[j] = (sample[i * dims + j] as number) - (mean[j] as number);
    for (let a = 0; a < dims; a++) {
      const x = row[a] as number;
      if (x === 0) continue;
      const base = a * dims;
      for (let b = a; b < dims; b++) cov[base + b] = (cov[base + b] as number) + x * (row[b] as number);
    }
  }
  let trace = 0;
  for (let a = 0; a < dims; a++) {
    trace += cov[a * dims + a] as number;
    for (let b = a + 1; b < dims; b++) cov[b * dims + a] = cov[a * dims + b] as number;
  }
  // Orthogonal iteration: V ← orth(C·V) on a basis a little wider than `out` (it converges
  // faster), stored row-major `rows × dims`; the first `out` rows are kept.
  const rows = Math.min(dims, out + OVERSAMPLE);
  let v = new Float64Array(rows * dims);
  let seed = 0x9e3779b9;
  for (let i = 0; i < v.length; i++) {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    v[i] = seed / 4294967296 - 0.5;
  }
  orthonormalise(v, rows, dims);
  const w = new Float64Array(rows * dims);
  for (let it = 0; it < iterations; it++) {
    multiply(cov, v, w, rows, dims);
    orthonormalise(w, rows, dims);
    const t = v;
    v = w.slice();
    w.set(t);
  }
  // Explained share: sum of Rayleigh quotients over the trace.
  multiply(cov, v, w, out, dims);
  let kept = 0;
  for (let c = 0; c < out; c++) for (let j = 0; j < dims; j++) kept += (v[c * dims + j] as number) * (w[c * dims + j] as number);
  return {
    dims,
    out,
    mean: Float32Array.from(mean),
    components: Float32Array.from(v.subarray(0, out * dims)),
    explained: trace > 0 ? kept / trace : 0,
  };
}

/** `y = components · (x − mean)` into `target`. */
export function project(model: PcaModel, x: ArrayLike<number>, target: Float32Array): Float32Array {
  const { dims, out, mean, components } = model;
  for (let c = 0; c < out; c++) {
    let s = 0;
    const base = c * dims;
    for (let j = 0; j < dims; j++) s += (components[base + j] as number) * ((x[j] as number) - (mean[j] as number));
    target[c] = s;
  }
  return target;
}

function multiply(cov: Float64Array, v: Float64Array, w: Float64Array, out: number, dims: number): void {
  for (let c = 0; c < out; c++) {
    const vb = c * dims;
    for (let a = 0; a < dims; a++) {
      let s = 0;
      const cb = a * dims;
      for (let b = 0; b < dims; b++) s += (cov[cb + b] as number) * (v[vb + b] as number);
      w[vb + a] = s;
    }
  }
}

/** Modified Gram–Schmidt over the rows, in order (the first rows converge to the top eigenvectors). */
function orthonormalise(v: Float64Array, rows: number, dims: number): void {
  for (let r = 0; r < rows; r++) {
    const rb = r * dims;
    for (let p = 0; p < r; p++) {
      const pb = p * dims;
      let dot = 0;
      for (let j = 0; j < dims; j++) dot += (v[rb + j] as number) * (v[pb + j] as number);
      for (let j = 0; j < dims; j++) v[rb + j] = (v[rb + j] as number) - dot * (v[pb + j] as number);
    }
    let norm = 0;
    for (let j = 0; j < dims; j++) norm += (v[rb + j] as number) ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let j = 0; j < dims; j++) v[rb + j] = (v[rb + j] as number) / norm;
  }
}
