import type { IndexHit, IndexKey, Metric } from '@vecdex/core';
import type { LabelMap } from './label-map.js';
import type { NativeIndex } from './load-faiss.js';
import { fromFaissDistance } from './vector-buffer.js';

/**
 * k-NN with tombstones and an `allow` filter, neither of which faiss-node can apply inside the
 * search: ask FAISS for more (k + tombstones, ×4 per round while `allow` refuses too many) until
 * `want` hits survive, the whole index was asked for, or an IVF returned fewer candidates than
 * asked (it probes only `nprobe` cells, so asking for more finds nothing new; an HNSW search
 * can come back short for a small k and fill up for a larger one). A short result is then
 * final; core answers exactly when an index returns fewer than k hits while k items match.
 */
export function searchNative(
  native: NativeIndex,
  labels: LabelMap,
  metric: Metric,
  query: number[],
  want: number,
  allow: ((key: IndexKey) => boolean) | undefined,
  ivf: boolean,
): IndexHit[] {
  const total = native.ntotal();
  let fetch = Math.min(total, want + labels.tombstones);
  if (allow !== undefined) fetch = Math.min(total, Math.max(fetch, 4 * want));
  for (;;) {
    const result = native.search(query, fetch);
    const hits: IndexHit[] = [];
    let candidates = 0;
    for (let i = 0; i < result.labels.length; i++) {
      const label = result.labels[i] as number;
      if (label < 0) continue;
      candidates++;
      if (hits.length >= want) continue;
      const key = labels.keyOf(label);
      if (key === null || (allow !== undefined && allow(key) !== true)) continue;
      hits.push({ collection: key.collection, id: key.id, distance: fromFaissDistance(metric, result.distances[i] as number) });
    }
    if (hits.length >= want || fetch >= total || (ivf && candidates < fetch)) return hits;
    fetch = Math.min(total, fetch * 4);
  }
}
