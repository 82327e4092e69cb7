import type { IndexChange, IndexEntry } from '@vecdex/core';
import type { IndexVectors, LabelMap } from '@vecdex/core/plugin-kit';
import { addVectors } from './add-vectors.js';
import type { NativeUsearch } from './load-usearch.js';

/**
 * Apply one batch of changes to a usearch index and its label map (`UsearchIndex.apply`, and a
 * journal's batches replayed on load): every vector is checked first, so a bad one changes
 * nothing; then each touched key's label is removed, released, and upserts get new labels and
 * are added (usearch has no update). The feed holds one change per key; should a batch repeat a
 * key, its last change wins. Returns how many labels were removed.
 */
export function applyChanges(
  native: NativeUsearch,
  labels: LabelMap,
  vectors: IndexVectors,
  changes: readonly IndexChange[],
  threads: number,
): number {
  const last = new Map<string, IndexChange>();
  for (const c of changes) {
    const k = `${c.collection}\u0000${c.id}`;
    last.delete(k);
    last.set(k, c);
  }
  const dims = vectors.dimensions;
  const upserts = [...last.values()].filter((c) => c.op === 'upsert');
  const data = new Float32Array(upserts.length * dims);
  for (let i = 0; i < upserts.length; i++) {
    const c = upserts[i] as IndexEntry;
    vectors.copy(c.vector, data, i * dims, c);
  }
  const removed: bigint[] = [];
  for (const c of last.values()) {
    const label = labels.get(c.collection, c.id);
    if (label !== undefined) removed.push(BigInt(label));
  }
  if (removed.length > 0) native.remove(BigUint64Array.from(removed));
  for (const c of last.values()) labels.release(c.collection, c.id);
  const keys = new BigUint64Array(upserts.length);
  upserts.forEach((c, i) => {
    keys[i] = BigInt(labels.assignNext(c.collection, c.id));
  });
  addVectors(native, keys, data, dims, threads);
  return removed.length;
}
