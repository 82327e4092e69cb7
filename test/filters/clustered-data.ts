import { Random } from '@vecdex/core/testing';

/**
 * A deterministic synthetic clustered set: `clusters` Gaussian-ish blobs in `dims` dimensions
 * (like real embeddings, neighbours share a cluster), with metadata `{ cluster, r, tag }` where
 * `r` is a seeded permutation of 0..n-1 (so `{ r: { $lt: m } }` matches exactly m items,
 * independent of the vectors) and `cluster` is correlated with the vectors.
 */
export interface ClusteredSet {
  vectors: Float32Array[];
  clusters: number[];
  r: number[];
  centers: Float32Array[];
}

export function clusteredSet(n: number, dims: number, clusters: number, seed: number): ClusteredSet {
  const rng = new Random(seed);
  const centers = Array.from({ length: clusters }, () => {
    const c = rng.vector(dims);
    for (let i = 0; i < dims; i++) (c as Float32Array)[i] = (c[i] as number) * 4;
    return c;
  });
  const vectors: Float32Array[] = [];
  const ofCluster: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = rng.int(clusters);
    const v = new Float32Array(dims);
    const center = centers[c] as Float32Array;
    for (let d = 0; d < dims; d++) v[d] = (center[d] as number) + gauss(rng);
    vectors.push(v);
    ofCluster.push(c);
  }
  const r = rng.sample(
    Array.from({ length: n }, (_, i) => i),
    n,
  );
  return { vectors, clusters: ofCluster, r, centers };
}

/** A query near a random cluster center. */
export function queryNear(set: ClusteredSet, rng: Random): { vector: Float32Array; cluster: number } {
  const cluster = rng.int(set.centers.length);
  const center = set.centers[cluster] as Float32Array;
  const v = new Float32Array(center.length);
  for (let d = 0; d < v.length; d++) v[d] = (center[d] as number) + gauss(rng);
  return { vector: v, cluster };
}

function gauss(rng: Random): number {
  // Box-Muller; 1 - next() keeps the log argument in (0, 1].
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}
