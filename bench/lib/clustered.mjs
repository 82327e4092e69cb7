// Seeded clustered synthetic vectors, by position: vector i is centre c(i) plus Gaussian noise
// (sigma 0.1), with `centres` centres uniform in [-1, 1)^dim. Each vector has its own seeded
// generator, so any process can regenerate any vector (a batch, one row, a fresh draw) without
// holding the whole set.
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(r) {
  const u = 1 - r();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

/** A generator of the data set: `vectorAt(i, out?)` fills `out` (dim floats) with vector i. */
export function clusteredSource({ dim, centres = 1000, seed = 1, sigma = 0.1 }) {
  const r = rng(seed);
  const c = new Float32Array(centres * dim);
  for (let i = 0; i < c.length; i++) c[i] = r() * 2 - 1;
  return {
    dim,
    vectorAt(i, out = new Float32Array(dim)) {
      const v = rng(Math.imul(seed, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b) ^ (i >>> 16));
      const base = Math.floor(v() * centres) * dim;
      for (let j = 0; j < dim; j++) out[j] = c[base + j] + sigma * gaussian(v);
      return out;
    },
  };
}

/** `count` × `dim` float32, row-major: vectors `[from, from + count)` of the seeded set. */
export function clustered({ count, dim, centres = 1000, seed = 1, from = 0 }) {
  const src = clusteredSource({ dim, centres, seed });
  const out = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) src.vectorAt(from + i, out.subarray(i * dim, (i + 1) * dim));
  return out;
}
