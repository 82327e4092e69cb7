import { distance, filterPredicate, type ExactSearchRequest, type SearchHit } from '@vecdex/core';
import type { ItemRecord, StoreState } from './store-state.js';

/**
 * Exact k-NN by brute force with core's reference `distance()`, over one or more collections,
 * after the filter (core's `filterPredicate`) and the exclusions. Returns exactly
 * `min(k, matching items)` hits, ascending by distance.
 */
export function searchExact(state: StoreState, request: ExactSearchRequest): SearchHit[] {
  const match = filterPredicate(request.filter ?? null);
  const excluded = new Set((request.exclude ?? []).map((e) => `${e.collection}\u0000${e.id}`));
  const scored: { collection: string; record: ItemRecord; distance: number }[] = [];
  for (const collection of request.collections) {
    for (const record of state.items.get(collection)?.values() ?? []) {
      if (excluded.has(`${collection}\u0000${record.id}`) || !match(record.metadata)) continue;
      scored.push({ collection, record, distance: distance(request.metric, request.vector, record.vector) });
    }
  }
  scored.sort((a, b) => a.distance - b.distance);
  const include = request.include ?? {};
  return scored.slice(0, request.k).map(({ collection, record, distance: d }) => {
    const hit: SearchHit = { collection, id: record.id, distance: d };
    if (include.metadata) hit.metadata = structuredClone(record.metadata);
    if (include.content) hit.content = record.content;
    if (include.vector) hit.vector = Float32Array.from(record.vector);
    return hit;
  });
}
