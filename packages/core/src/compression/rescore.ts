import type { IndexHit } from '../contracts/index-plugin.js';
import type { StorageBackend } from '../contracts/storage-backend.js';
import type { Metric } from '../model/metric.js';
import { queryDistance } from './query-distance.js';

/**
 * Re-rank candidates found on compact vectors by their exact distance to `query`, computed from
 * the full float32 vectors in the store (one read per collection:
 * the backend's `getVectors` when it has one, else `get`). Candidates deleted since the
 * index last synced are dropped. Returns the nearest `k`, exact distances, nearest first.
 */
export async function rescoreHits(
  backend: StorageBackend,
  metric: Metric,
  query: Float32Array,
  candidates: readonly IndexHit[],
  k: number,
): Promise<IndexHit[]> {
  if (candidates.length === 0) return [];
  const byCollection = new Map<string, string[]>();
  for (const h of candidates) {
    const ids = byCollection.get(h.collection);
    if (ids === undefined) byCollection.set(h.collection, [h.id]);
    else ids.push(h.id);
  }
  const distanceTo = queryDistance(metric, query);
  const out: IndexHit[] = [];
  for (const [collection, ids] of byCollection) {
    const vectors = await fullVectors(backend, collection, ids);
    for (let i = 0; i < ids.length; i++) {
      const vector = vectors[i];
      if (vector === null || vector === undefined) continue;
      out.push({ collection, id: ids[i] as string, distance: distanceTo(vector) });
    }
  }
  out.sort((a, b) => a.distance - b.distance || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (out.length > k) out.length = k;
  return out;
}

/** The vectors of `ids` in their order (`null` when gone): `getVectors`, or `get` without it. */
async function fullVectors(
  backend: StorageBackend,
  collection: string,
  ids: readonly string[],
): Promise<(Float32Array | null)[]> {
  if (typeof backend.getVectors === 'function') return backend.getVectors(collection, ids);
  const items = await backend.get(collection, ids, { vectors: true });
  const byId = new Map<string, Float32Array>();
  for (const item of items) if (item.vector !== undefined) byId.set(item.id, item.vector);
  return ids.map((id) => byId.get(id) ?? null);
}
