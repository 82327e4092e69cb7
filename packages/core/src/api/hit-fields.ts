import type { StorageBackend } from '../contracts/storage-backend.js';
import type { StoredItem } from '../model/item.js';
import type { Include, SearchHit } from '../model/search.js';

/** A (collection, id) pair as one string, for sets and maps. */
export function hitKey(key: { collection: string; id: string }): string {
  return `${key.collection}\u0000${key.id}`;
}

/**
 * The stored items of hits, read with one `get` per collection (a search may span several),
 * keyed by {@link hitKey}. Items that no longer exist are simply absent.
 */
export async function fetchItems(
  backend: StorageBackend,
  keys: readonly { collection: string; id: string }[],
  fields: { vectors: boolean; content: boolean },
): Promise<Map<string, StoredItem>> {
  const byCollection = new Map<string, string[]>();
  for (const k of keys) {
    let ids = byCollection.get(k.collection);
    if (ids === undefined) {
      ids = [];
      byCollection.set(k.collection, ids);
    }
    ids.push(k.id);
  }
  const out = new Map<string, StoredItem>();
  for (const [collection, ids] of byCollection) {
    for (const it of await backend.get(collection, ids, fields)) out.set(hitKey({ collection, id: it.id }), it);
  }
  return out;
}

/**
 * Index hits as search hits: the fields `include` asks for are read from the store, and a hit
 * whose item is gone from the store is dropped. An index that is behind the store (searched
 * with `stale: 'allow'`) still holds items deleted since its cursor; a stale index may miss new
 * items, but a hit must never name an item that no longer exists. So with `verify` the store is
 * read even when no field is wanted; without it (the index is current) it is read only for fields.
 */
export async function resolveHits(
  backend: StorageBackend,
  hits: readonly { collection: string; id: string; distance: number }[],
  include: Include,
  verify: boolean,
): Promise<{ hits: SearchHit[]; dropped: number }> {
  const wantFields = include.metadata === true || include.content === true || include.vector === true;
  if ((!wantFields && !verify) || hits.length === 0) {
    return { hits: hits.map((h) => ({ collection: h.collection, id: h.id, distance: h.distance })), dropped: 0 };
  }
  const items = await fetchItems(backend, hits, { vectors: include.vector === true, content: include.content === true });
  const out: SearchHit[] = [];
  for (const h of hits) {
    const it = items.get(hitKey(h));
    if (it === undefined) continue;
    const hit: SearchHit = { collection: h.collection, id: h.id, distance: h.distance };
    if (include.metadata === true) hit.metadata = it.metadata ?? null;
    if (include.content === true) hit.content = it.content ?? null;
    if (include.vector === true && it.vector !== undefined) hit.vector = it.vector;
    out.push(hit);
  }
  return { hits: out, dropped: hits.length - out.length };
}
