import type { IndexHit, IndexKey, Metric } from '@vecdex/core';
import type { LabelMap } from '@vecdex/core/plugin-kit';
import type { NativeUsearch } from './load-usearch.js';
import { fromNativeDistance } from './usearch-distance.js';

/** The first `want` live hits of one query's matches (`count` of them are filled). */
export function collectHits(
  keys: BigUint64Array,
  distances: Float32Array,
  count: number,
  labels: LabelMap,
  metric: Metric,
  want: number,
  allow?: (key: IndexKey) => boolean,
): IndexHit[] {
  const hits: IndexHit[] = [];
  const n = Math.min(count, keys.length);
  for (let i = 0; i < n && hits.length < want; i++) {
    const key = labels.keyOf(Number(keys[i]));
    if (key === null || (allow !== undefined && allow(key) !== true)) continue;
    hits.push({ collection: key.collection, id: key.id, distance: fromNativeDistance(metric, distances[i] as number) });
  }
  return hits;
}

/**
 * A filtered search by oversampling (usearch's binding has no filtered search): ask for
 * `want / selectivity · 1.5` candidates (at least efSearch), keep those `allow` accepts, and ask
 * for 4× as many while short, up to every slot. Comes back short only when fewer than `want`
 * allowed entries exist or are reachable; core then answers exactly.
 */
export function searchFiltered(
  native: NativeUsearch,
  labels: LabelMap,
  metric: Metric,
  query: Float32Array,
  want: number,
  ef: number,
  allow: (key: IndexKey) => boolean,
  selectivity: number | undefined,
): IndexHit[] {
  const total = labels.slots;
  const share = selectivity !== undefined && selectivity > 0 ? selectivity : 1;
  let asked = Math.min(total, Math.max(ef, want, Math.ceil((want / share) * 1.5)));
  for (;;) {
    const m = native.search(query, asked, 1);
    const hits = collectHits(m.keys, m.distances, m.keys.length, labels, metric, want, allow);
    if (hits.length >= want || asked >= total) return hits;
    asked = Math.min(total, asked * 4);
  }
}
