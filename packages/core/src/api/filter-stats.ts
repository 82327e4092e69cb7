import type { StorageBackend } from '../contracts/storage-backend.js';
import type { FilterNode } from '../filter/filter-ast.js';
import type { ChangeCursor } from '../model/change.js';
import type { CollectionInfo } from '../model/collection.js';

/** Filters remembered per backend (least recently used go first). */
const MAX_ENTRIES = 16;
/** Id sets above this size are not kept (memory); their counts still are. */
const MAX_CACHED_IDS = 200_000;

interface Entry {
  cursor: ChangeCursor | null;
  count: number;
  ids: Set<string> | null;
}

const caches = new WeakMap<StorageBackend, Map<string, Entry>>();

/**
 * Counts and matching-id sets of filters, remembered until the store changes. The planner needs
 * both per filtered query (how many match decides the plan; the ids become the index's
 * in-search filter), and evaluating a filter means reading every item's metadata: ~80 ms per
 * 60,000 items on SQLite (bench/filtered-recall.mjs). Repeated filters (a tenant, a language)
 * are the common case, so an entry is reused while the change feed's head cursor is the one
 * read before it was computed: any committed write anywhere in the store invalidates it, so a
 * cached answer is never stale, only sometimes recomputed.
 */
export class FilterStats {
  readonly #backend: StorageBackend;
  readonly #entries: Map<string, Entry>;
  #head: Promise<ChangeCursor | null> | null = null;

  constructor(backend: StorageBackend) {
    this.#backend = backend;
    let entries = caches.get(backend);
    if (entries === undefined) {
      entries = new Map();
      caches.set(backend, entries);
    }
    this.#entries = entries;
  }

  /** Items in the collection, optionally only those matching `filter`. */
  async count(collection: CollectionInfo, filter: FilterNode | null): Promise<number> {
    return (await this.#entry(collection, filter, false)).count;
  }

  /** The ids of the items matching `filter`. */
  async ids(collection: CollectionInfo, filter: FilterNode): Promise<Set<string>> {
    return (await this.#entry(collection, filter, true)).ids as Set<string>;
  }

  /** The head cursor, read once per planner call (a query sees one state of the cache). */
  #cursor(): Promise<ChangeCursor | null> {
    this.#head ??= this.#backend.headCursor();
    return this.#head;
  }

  async #entry(info: CollectionInfo, filter: FilterNode | null, withIds: boolean): Promise<Entry> {
    // createdAt: a collection dropped and created again under the same name is another collection.
    const collection = info.name;
    const key = `${collection}\u0000${info.createdAt}\u0000${filter === null ? '*' : JSON.stringify(filter)}`;
    const cursor = await this.#cursor();
    const hit = this.#entries.get(key);
    if (hit !== undefined && hit.cursor === cursor && (!withIds || hit.ids !== null)) {
      this.#entries.delete(key); // most recently used last
      this.#entries.set(key, hit);
      return hit;
    }
    let entry: Entry;
    if (withIds && filter !== null) {
      let ids: Set<string>;
      if (this.#backend.matchingIds !== undefined) {
        ids = new Set(await this.#backend.matchingIds(collection, filter));
      } else {
        ids = new Set<string>();
        for await (const batch of this.#backend.scan(collection, { batchSize: 5000, vectors: false, filter })) {
          for (const item of batch) ids.add(item.id);
        }
      }
      entry = { cursor, count: ids.size, ids };
    } else {
      entry = { cursor, count: await this.#backend.count(collection, filter), ids: null };
    }
    this.#entries.delete(key);
    if (entry.ids === null || entry.ids.size <= MAX_CACHED_IDS) this.#entries.set(key, entry);
    while (this.#entries.size > MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value as string);
    return entry;
  }
}
