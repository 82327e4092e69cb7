import type { IndexHit, IndexKey, Metric } from '@vecdex/core';
import type { LabelMap } from '@vecdex/core/plugin-kit';
import type { NativeHnsw, NativeVector } from './load-hnswlib.js';
import { fromNativeDistance } from './native-distance.js';

/**
 * The ef each native index was last given: `setEf` is a native call with its own checks (~1 µs
 * a query here), so it is made only when the ef changes. Every `setEf` of a native index used
 * for searching goes through `efFor`.
 */
const efSet = new WeakMap<NativeHnsw, number>();

/** Give `native` this ef unless it has it already. */
export function efFor(native: NativeHnsw, ef: number): void {
  if (efSet.get(native) === ef) return;
  native.setEf(ef);
  efSet.set(native, ef);
}

/**
 * One native k-NN call: `query` is already in the binding's form, `k` is validated and at most
 * the slot count (so never above capacity). `allow` runs inside the graph search on labels.
 */
export function searchNative(
  native: NativeHnsw,
  labels: LabelMap,
  metric: Metric,
  query: NativeVector,
  k: number,
  ef: number,
  allow?: (key: IndexKey) => boolean,
): IndexHit[] {
  let failure: { error: unknown } | undefined;
  const filter =
    allow === undefined
      ? undefined
      : (label: number): boolean => {
          // An exception must never cross into the binding (built without C++ exceptions): keep
          // it, accept everything so the native search ends quickly, and rethrow below.
          if (failure !== undefined) return true;
          const key = labels.keyOf(label);
          if (key === null) return false;
          try {
            return allow(key) === true;
          } catch (error) {
            failure = { error };
            return true;
          }
        };
  efFor(native, Math.max(ef, k));
  const result = filter === undefined ? native.searchKnn(query, k) : native.searchKnn(query, k, filter);
  if (failure !== undefined) throw failure.error;
  const hits: IndexHit[] = [];
  for (let i = 0; i < result.neighbors.length; i++) {
    const key = labels.keyOf(result.neighbors[i] as number);
    if (key === null) continue;
    hits.push({ collection: key.collection, id: key.id, distance: fromNativeDistance(metric, result.distances[i] as number) });
  }
  return hits;
}
