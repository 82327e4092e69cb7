import { errors } from '../errors/error-factories.js';
import type { StorageBackend } from '../contracts/storage-backend.js';
import type { Indexes } from '../indexes/index-manager.js';

export interface CompactResult {
  /** The store's size before and after (the backend's own measure: file bytes, relation sizes). */
  bytesBefore: number;
  bytesAfter: number;
  /** Tombstones deleted from the change feed (0 when the backend cannot prune). */
  tombstonesPruned: number;
  /** Indexes rebuilt because they held deleted entries. */
  indexesRebuilt: string[];
}

/**
 * Give the space of deleted items back: prune the feed's tombstones every index has passed,
 * compact the store (`StorageBackend.compact`), and rebuild the indexes that still hold deleted
 * entries (tombstones in the graph cost memory and search time). `NOT_SUPPORTED` when the
 * backend has no `compact`.
 */
export async function compactStore(
  backend: StorageBackend,
  indexes: Indexes,
  prune: () => Promise<{ deleted: number }>,
): Promise<CompactResult> {
  if (typeof backend.compact !== 'function') throw errors.notSupported('compaction', backend.name);
  const indexesRebuilt: string[] = [];
  for (const def of await indexes.list()) {
    const st = await indexes.status(def.name);
    if (st.built && st.deleted > 0) {
      await indexes.rebuild(def.name);
      indexesRebuilt.push(def.name);
    }
  }
  const tombstonesPruned = typeof backend.pruneTombstones === 'function' ? (await prune()).deleted : 0;
  const { bytesBefore, bytesAfter } = await backend.compact();
  return { bytesBefore, bytesAfter, tombstonesPruned, indexesRebuilt };
}
