import type { IndexHit, IndexKey, Metric } from '@vecdex/core';
import type { LabelMap } from '@vecdex/core/plugin-kit';
import type { NativeIndex } from './load-faiss.js';
import { fromFaissDistance } from './vector-buffer.js';

/**
 * k-NN with tombstones and an `allow` filter, neither of which faiss-node can apply inside the
 * search: ask FAISS for more (k + tombstones, ×4 per round while `allow` refuses too many) until
 * `want` hits survive, the whole index was asked for, or an IVF returned fewer candidates than
 * asked (it probes only `nprobe` cells, so asking for more finds nothing new; an HNSW search
 * can come back short for a small k and fill up for a larger one). A short result is then
 * final; core answers exactly when an index returns fewer than k hits while k items match.
 *
 * An IVF index also declines (returns no hits, so core answers exactly) when `allow` passes far
 * fewer of the candidates than the filter's share of the whole index (`selectivity`, from the
 * planner): the matching items are rare in the cells near the query, so the nearest matching
 * ones are likely in cells it did not probe, and the hits it found would be the wrong ones.
 */
export function searchNative(
  native: NativeIndex,
  labels: LabelMap,
  metric: Metric,
  query: number[],
  want: number,
  allow: ((key: IndexKey) => boolean) | undefined,
  ivf: boolean,
  selectivity?: number,
): IndexHit[] {
  const total = native.ntotal();
  let fetch = Math.min(total, want + labels.free);
  if (allow !== undefined) fetch = Math.min(total, Math.max(fetch, 4 * want));
  for (;;) {
    const result = native.search(query, fetch);
    const hits: IndexHit[] = [];
    let candidates = 0;
    let passed = 0;
    for (let i = 0; i < result.labels.length; i++) {
      const label = result.labels[i] as number;
      if (label < 0) continue;
      candidates++;
      const key = labels.keyOf(label);
      if (key === null || (allow !== undefined && allow(key) !== true)) continue;
      passed++;
      if (hits.length >= want) continue;
      hits.push({ collection: key.collection, id: key.id, distance: fromFaissDistance(metric, result.distances[i] as number) });
    }
    if (ivf && allow !== undefined && selectivity !== undefined && filterDisagrees(passed, candidates, selectivity)) return [];
    if (hits.length >= want || fetch >= total || (ivf && candidates < fetch)) return hits;
    fetch = Math.min(total, fetch * 4);
  }
}

/** Judge only with at least this many expected passes, so chance alone cannot decide. */
const MIN_EXPECTED_PASSES = 8;
/** Decline when fewer than this share of the expected candidates pass the filter. */
const RARE_SHARE = 0.25;

/**
 * True when the filter passes far fewer candidates near the query than its share of the whole
 * index predicts (a filter correlated against the query, e.g. another class than the query's).
 */
export function filterDisagrees(passed: number, candidates: number, selectivity: number): boolean {
  const expected = candidates * selectivity;
  return expected >= MIN_EXPECTED_PASSES && passed < expected * RARE_SHARE;
}
