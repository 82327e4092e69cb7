import type { SearchHit, SearchPlan } from '@vecdex/core';
import type { BenchQuery } from './bench-queries.js';

/** Timing and recall of one pass over the queries. */
export interface Measurement {
  /** Mean recall@k against exact search (1 for exact search itself). */
  recall: number;
  /** Queries per second, one query at a time (the best of several passes over the queries). */
  qps: number;
  p50Ms: number;
  p95Ms: number;
  /** Queries the planner answered exactly after the index came back short. */
  fallbacks: number;
}

/** What one query returned: its top k (query item left out) and how it was answered. */
export type SearchFn = (q: BenchQuery, k: number) => Promise<{ hits: SearchHit[]; plan: SearchPlan }>;

/** Ties at the k-th distance: a hit this close to it counts as a true neighbour. */
const TIE_TOLERANCE = 1e-5;

/** Passes over the queries continue until this much measured time (or `MAX_PASSES`). */
export const MIN_SECONDS = 0.3;
const MAX_PASSES = 10;

/**
 * Run every query through `search` one at a time (after a short unmeasured warm-up), timing each,
 * and score the first pass against `truth` (exact top-k per query). Small query sets finish in
 * milliseconds, where one GC pause swings QPS by half, so the set is run again until `minSeconds`
 * of measured time: QPS is the best pass (as ann-benchmarks reports), latency percentiles are
 * over every query of every pass. `onQuery` is told after each query of the first pass.
 */
export async function measureQueries(
  queries: readonly BenchQuery[],
  k: number,
  search: SearchFn,
  truth: readonly SearchHit[][] | null,
  onQuery: (done: number) => void = () => {},
  minSeconds = MIN_SECONDS,
): Promise<{ measurement: Measurement; results: SearchHit[][] }> {
  const warmup = Math.min(10, queries.length);
  for (let i = 0; i < warmup; i++) await search(queries[i] as BenchQuery, k);
  const latencies: number[] = [];
  const results: SearchHit[][] = [];
  let fallbacks = 0;
  let bestQps = 0;
  let elapsed = 0;
  for (let pass = 0; pass < MAX_PASSES && (pass === 0 || elapsed < minSeconds); pass++) {
    let passMs = 0;
    for (let i = 0; i < queries.length; i++) {
      const q = queries[i] as BenchQuery;
      const start = performance.now();
      const { hits, plan } = await search(q, k);
      const ms = performance.now() - start;
      latencies.push(ms);
      passMs += ms;
      if (pass === 0) {
        if (plan.strategy === 'index-fallback-exact') fallbacks++;
        results.push(hits);
        onQuery(i + 1);
      }
    }
    elapsed += passMs / 1000;
    bestQps = Math.max(bestQps, passMs > 0 ? (queries.length * 1000) / passMs : Number.POSITIVE_INFINITY);
  }
  const sorted = latencies.slice().sort((a, b) => a - b);
  const recall = truth === null ? 1 : mean(results.map((hits, i) => recallAt(hits, truth[i] ?? [], k)));
  return {
    measurement: { recall, qps: bestQps, p50Ms: percentile(sorted, 0.5), p95Ms: percentile(sorted, 0.95), fallbacks },
    results,
  };
}

/**
 * Recall@k of `hits` against the exact top k: the share of true neighbours found. A hit whose
 * distance ties the k-th true distance counts too, since which of several equidistant items
 * exact search lists is arbitrary.
 */
export function recallAt(hits: readonly SearchHit[], truth: readonly SearchHit[], k: number): number {
  const want = Math.min(k, truth.length);
  if (want === 0) return 1;
  const ids = new Set(truth.slice(0, want).map((h) => `${h.collection}\u0000${h.id}`));
  const kth = (truth[want - 1] as SearchHit).distance;
  const bound = kth + Math.abs(kth) * TIE_TOLERANCE + 1e-9;
  let found = 0;
  for (const h of hits.slice(0, want)) if (ids.has(`${h.collection}\u0000${h.id}`) || h.distance <= bound) found++;
  return Math.min(1, found / want);
}

/** The value at quantile `q` of ascending `sorted` (nearest rank). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}
