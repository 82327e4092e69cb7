import type { SnapshotReader, StorageBackend } from '../contracts/storage-backend.js';
import { isVecdexError } from '../errors/vecdex-error.js';
import { RESERVED_COLLECTION_PREFIX } from '../ingest/reserved-names.js';
import type { CollectionAlias } from '../model/alias.js';
import type { Metric } from '../model/metric.js';
import { normalizeItem } from '../validation/validate-item.js';

/** Where aliases live: the backend's own table, or core's reserved collection. */
export interface AliasStore {
  get(alias: string): Promise<CollectionAlias | null>;
  list(): Promise<CollectionAlias[]>;
  set(alias: string, collection: string, updatedAt: number): Promise<void>;
  delete(alias: string): Promise<boolean>;
}

/** The reserved collection of the core default: one item per alias. */
export const ALIAS_COLLECTION = `${RESERVED_COLLECTION_PREFIX}aliases`;

/** The backend's alias methods when it has all four, else {@link collectionAliasStore}. */
export function aliasStoreFor(backend: StorageBackend): AliasStore {
  const { getAlias, listAliases, setAlias, deleteAlias } = backend;
  if (getAlias && listAliases && setAlias && deleteAlias) {
    return {
      get: (a) => getAlias.call(backend, a),
      list: () => listAliases.call(backend),
      set: (a, c, t) => setAlias.call(backend, a, c, t),
      delete: (a) => deleteAlias.call(backend, a),
    };
  }
  return collectionAliasStore(backend);
}

/**
 * The core default: aliases as items of `_vecdex.aliases` (id = alias, metadata = target and
 * time, a one-dimensional placeholder vector). It needs only the `StorageBackend` contract, and
 * repointing is one single-item upsert, which every backend makes atomic.
 */
export function collectionAliasStore(backend: StorageBackend): AliasStore {
  const exists = async () => (await backend.getCollection(ALIAS_COLLECTION)) !== null;
  const metrics = backend.capabilities.metrics as readonly Metric[];
  const metric: Metric = metrics.includes('l2') ? 'l2' : (metrics[0] as Metric);
  return {
    async get(alias) {
      if (!(await exists())) return null;
      const [item] = await backend.get(ALIAS_COLLECTION, [alias], { vectors: false });
      return item === undefined ? null : toAlias(item);
    },
    list: () => listCollectionAliases(backend),
    async set(alias, collection, updatedAt) {
      if (!(await exists())) {
        try {
          await backend.createCollection({ name: ALIAS_COLLECTION, dimensions: 1, metric, model: null });
        } catch (err) {
          if (!(isVecdexError(err, 'COLLECTION_EXISTS') || (await exists()))) throw err;
        }
      }
      const ctx = { collection: ALIAS_COLLECTION, dimensions: 1, metric };
      await backend.upsert(ALIAS_COLLECTION, [
        normalizeItem({ id: alias, vector: [1], metadata: { collection, updatedAt } }, ctx),
      ]);
    },
    async delete(alias) {
      if (!(await exists())) return false;
      return (await backend.delete(ALIAS_COLLECTION, [alias])) > 0;
    },
  };
}

/** Every alias, read through `reader` alone (the backend's `listAliases`, else the reserved collection). */
export function listAliasesOf(reader: SnapshotReader): Promise<CollectionAlias[]> {
  return reader.listAliases !== undefined ? reader.listAliases() : listCollectionAliases(reader);
}

async function listCollectionAliases(reader: Pick<SnapshotReader, 'getCollection' | 'scan'>): Promise<CollectionAlias[]> {
  if ((await reader.getCollection(ALIAS_COLLECTION)) === null) return [];
  const out: CollectionAlias[] = [];
  for await (const batch of reader.scan(ALIAS_COLLECTION, { batchSize: 500, vectors: false })) {
    for (const item of batch) {
      const a = toAlias(item);
      if (a !== null) out.push(a);
    }
  }
  return out.sort((a, b) => (a.alias < b.alias ? -1 : a.alias > b.alias ? 1 : 0));
}

function toAlias(item: { id: string; metadata: Record<string, unknown> | null }): CollectionAlias | null {
  const target = item.metadata?.collection;
  return typeof target === 'string'
    ? { alias: item.id, collection: target, updatedAt: Number(item.metadata?.updatedAt) || 0 }
    : null;
}
