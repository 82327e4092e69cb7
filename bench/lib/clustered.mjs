// Seeded clustered synthetic vectors: `centres` Gaussian centres in [-1, 1)^dim, each vector a
// centre plus Gaussian noise (sigma 0.1), centre chosen uniformly. Deterministic for a seed.
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

/** `count` × `dim` float32, row-major, from `centres` clusters; the same seed gives the same data. */
export function clustered({ count, dim, centres = 1000, seed = 1, sigma = 0.1 }) {
  const r = rng(seed);
  const c = new Float32Array(centres * dim);
  for (let i = 0; i < c.length; i++) c[i] = r() * 2 - 1;
  const out = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    const base = Math.floor(r() * centres) * dim;
    for (let j = 0; j < dim; j++) out[i * dim + j] = c[base + j] + sigma * gaussian(r);
  }
  return out;
}
