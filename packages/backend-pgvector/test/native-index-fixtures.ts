/**
 * Shared pieces of the native-index tests: the PostgreSQL they need, and a deterministic,
 * clustered synthetic data set (no files outside the repository).
 */
import pg from 'pg';

/** The server under test, or why there is none. With VECDEX_REQUIRE_PG=1 a missing server fails the run. */
export function pgUrl(): { url: string } | { skip: string } {
  const url = process.env.VECDEX_TEST_PG_URL;
  if (url !== undefined && url !== '') return { url };
  const why = 'VECDEX_TEST_PG_URL is not set: start a server with `eval "$(bash scripts/setup-postgres.sh)"`';
  if (process.env.VECDEX_REQUIRE_PG === '1') throw new Error(`VECDEX_REQUIRE_PG=1 but ${why}`);
  return { skip: `native-index tests skipped: ${why}` };
}

/** A schema of its own per test file and process, dropped afterwards. */
export function testSchema(tag: string): string {
  return `vecdex_ni_${tag}_${process.pid}_${Date.now().toString(36)}`;
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}

/** A small deterministic PRNG (mulberry32) and standard normals from it (Box–Muller). */
export function rng(seed: number): { uniform: () => number; normal: () => number } {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => {
    const u = Math.max(uniform(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
  return { uniform, normal };
}

export interface Clustered {
  vectors: Float32Array[];
  /** Cluster of each vector. */
  clusters: number[];
  queries: Float32Array[];
  /** Cluster each query was drawn around. */
  queryClusters: number[];
}

/**
 * `n` points around `clusters` Gaussian centres in `dim` dimensions (point i belongs to cluster
 * i mod clusters), plus `q` queries drawn the same way (not in the set). Spread within a cluster
 * is wide enough that neighbours are not trivially separable.
 */
export function clustered(n: number, dim: number, clusters: number, q: number, seed = 7): Clustered {
  const r = rng(seed);
  const centres = Array.from({ length: clusters }, () => Float32Array.from({ length: dim }, () => r.normal() * 3));
  const point = (c: number) => {
    const centre = centres[c] as Float32Array;
    return Float32Array.from({ length: dim }, (_, j) => (centre[j] as number) + r.normal());
  };
  const vectors: Float32Array[] = [];
  const cl: number[] = [];
  for (let i = 0; i < n; i++) {
    cl.push(i % clusters);
    vectors.push(point(i % clusters));
  }
  const queries: Float32Array[] = [];
  const qc: number[] = [];
  for (let i = 0; i < q; i++) {
    const c = Math.floor(r.uniform() * clusters);
    qc.push(c);
    queries.push(point(c));
  }
  return { vectors, clusters: cl, queries, queryClusters: qc };
}

/** Fraction of `truth` ids found in `got` (recall@k with k = truth.length). */
export function recall(got: readonly { id: string }[], truth: readonly { id: string }[]): number {
  if (truth.length === 0) return 1;
  const want = new Set(truth.map((h) => h.id));
  return got.filter((h) => want.has(h.id)).length / truth.length;
}
