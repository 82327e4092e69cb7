import type { IndexChange, IndexEntry } from '../contracts/index-plugin.js';
import type { StorageBackend } from '../contracts/storage-backend.js';
import type { Change } from '../model/change.js';

/** Stream every item of `collections` as index entries, batch by batch, straight from the store. */
export async function* streamEntries(
  backend: StorageBackend,
  collections: readonly string[],
  batchSize: number,
): AsyncIterable<IndexEntry[]> {
  for (const collection of collections) {
    for await (const batch of backend.scan(collection, { batchSize, vectors: true })) {
      const out: IndexEntry[] = new Array(batch.length);
      for (let i = 0; i < batch.length; i++) {
        const item = batch[i] as (typeof batch)[number];
        out[i] = { collection, id: item.id, vector: item.vector as Float32Array };
      }
      yield out;
    }
  }
}

/** Feed entries as an index applies them. The feed holds each item's latest state, so replaying is idempotent. */
export function toIndexChanges(changes: readonly Change[]): IndexChange[] {
  return changes.map((c) =>
    c.op === 'delete'
      ? { op: 'delete', collection: c.collection, id: c.id }
      : { op: 'upsert', collection: c.collection, id: c.id, vector: c.item.vector as Float32Array },
  );
}
