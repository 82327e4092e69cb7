import type { StorageBackend } from '../contracts/storage-backend.js';
import { errors } from '../errors/error-factories.js';
import type { CollectionInfo } from '../model/collection.js';
import type { Metadata } from '../model/item.js';
import { normalizeItem } from '../validation/validate-item.js';
import { validateId } from '../validation/validate-id.js';

/** One partial update: the fields given change, the vector stays. */
export interface ItemUpdate {
  id: string;
  /** Merged into the stored metadata key by key (`mode: 'merge'`, the default) or replacing it. */
  metadata?: Metadata | null;
  /** Replaces the content (`null` clears it). The stored content hash is cleared with it. */
  content?: string | null;
}

export interface UpdateOptions {
  /** `merge` (default): top-level metadata keys given replace those stored, others stay; `replace`: the metadata given is the new metadata. */
  mode?: 'merge' | 'replace';
}

export interface UpdateResult {
  updated: number;
  /** Ids that are not in the collection (nothing was written for them). */
  missing: string[];
}

/**
 * Change metadata and/or content of stored items without sending their vectors: read them,
 * apply the updates, validate every result, and write them back in one upsert (one transaction,
 * all or nothing, one change each in the feed). The vector written is the one read, bit for bit,
 * so an index applies the change without a rebuild. A write to the same item between the read
 * and the upsert is overwritten (last writer wins, as for any upsert).
 */
export async function updateItems(
  backend: StorageBackend,
  info: CollectionInfo,
  updates: readonly ItemUpdate[],
  options: UpdateOptions = {},
): Promise<UpdateResult> {
  if (!Array.isArray(updates)) throw errors.invalidArgument('updates', 'an array of { id, metadata?, content? }', updates);
  const mode = options.mode ?? 'merge';
  if (mode !== 'merge' && mode !== 'replace') throw errors.invalidArgument('mode', "'merge' or 'replace'", mode);
  const byId = new Map<string, ItemUpdate>();
  for (const u of updates) {
    if (typeof u !== 'object' || u === null) throw errors.invalidArgument('updates', 'objects { id, metadata?, content? }', u);
    const id = validateId(u.id);
    const unknown = Object.keys(u).filter((k) => k !== 'id' && k !== 'metadata' && k !== 'content');
    if (unknown.length > 0) {
      throw errors.invalidArgument(
        'updates',
        `only metadata and content (to change the vector, upsert the item); got ${unknown.join(', ')} for "${id}"`,
        u,
      );
    }
    const earlier = byId.get(id);
    byId.set(id, earlier === undefined ? u : mergeUpdates(earlier, u, mode));
  }
  if (byId.size === 0) return { updated: 0, missing: [] };
  const stored = new Map((await backend.get(info.name, [...byId.keys()], { vectors: true })).map((it) => [it.id, it]));
  const ctx = { collection: info.name, dimensions: info.dimensions, metric: info.metric };
  const items = [];
  const missing: string[] = [];
  for (const [id, u] of byId) {
    const it = stored.get(id);
    if (it === undefined || it.vector === undefined) {
      missing.push(id);
      continue;
    }
    const metadata =
      u.metadata === undefined
        ? it.metadata
        : mode === 'replace' || u.metadata === null || it.metadata === null
          ? u.metadata
          : { ...it.metadata, ...u.metadata };
    const contentChanged = u.content !== undefined && u.content !== it.content;
    items.push(
      normalizeItem(
        {
          id,
          vector: it.vector,
          content: u.content === undefined ? it.content : u.content,
          metadata,
          contentHash: contentChanged ? null : (it.contentHash ?? null),
        },
        ctx,
      ),
    );
  }
  if (items.length > 0) await backend.upsert(info.name, items);
  return { updated: items.length, missing };
}

/** Two updates of one id in one call: the later one's fields win (metadata merged in merge mode). */
function mergeUpdates(a: ItemUpdate, b: ItemUpdate, mode: 'merge' | 'replace'): ItemUpdate {
  const metadata =
    b.metadata === undefined
      ? a.metadata
      : mode === 'merge' && a.metadata && b.metadata
        ? { ...a.metadata, ...b.metadata }
        : b.metadata;
  const content = b.content === undefined ? a.content : b.content;
  return {
    id: a.id,
    ...(metadata !== undefined ? { metadata } : {}),
    ...(content !== undefined ? { content } : {}),
  };
}
