import { errors, VecdexError } from '@vecdex/core';
import type {
  BackendCapabilities,
  ChangeCursor,
  CollectionAlias,
  CollectionInfo,
  FilterNode,
  IndexDefinition,
  ScanOptions,
  SnapshotReader,
  StoredItem,
} from '@vecdex/core';
import type { AliasCatalog } from './alias-catalog.js';
import type { ChangeFeed } from './change-feed.js';
import { type CollectionStore, toInfo } from './collection-store.js';
import type { PgClient, PgConnection } from './connection.js';
import type { IndexCatalog } from './index-catalog.js';
import type { ItemStore } from './item-store.js';

/** The stores a snapshot reader reads through (the backend's own). */
export interface SnapshotStores {
  collections: CollectionStore;
  items: ItemStore;
  feed: ChangeFeed;
  indexes: IndexCatalog;
  aliases: AliasCatalog;
}

/**
 * The reads of `PgVectorBackend.readSnapshot`: every call runs on one client inside one
 * REPEATABLE READ READ ONLY transaction, so all of them see the same snapshot (never the catalog
 * cache, never a replica). Calls are queued on the client one after another; after the
 * snapshot's function settles every call throws `STORE_CLOSED`.
 */
export class PgSnapshotReader implements SnapshotReader {
  readonly name = 'pgvector';
  #ended = false;

  constructor(
    readonly capabilities: BackendCapabilities,
    private readonly conn: PgConnection,
    private readonly client: PgClient,
    private readonly stores: SnapshotStores,
  ) {}

  /** Called when the snapshot's transaction ends. */
  end(): void {
    this.#ended = true;
  }

  async getCollection(name: string): Promise<CollectionInfo | null> {
    return this.#read(async () => {
      const row = await this.stores.collections.find(name, this.client);
      return row === null ? null : toInfo(row);
    });
  }

  async listCollections(): Promise<CollectionInfo[]> {
    return this.#read(async () => (await this.stores.collections.list(this.client)).map(toInfo));
  }

  async get(collection: string, ids: readonly string[], options: { vectors?: boolean } = {}): Promise<StoredItem[]> {
    return this.#read(async () => {
      const c = await this.stores.collections.require(collection, this.client);
      return ids.length === 0 ? [] : this.stores.items.get(this.client, c, ids, options.vectors ?? true);
    });
  }

  async count(collection: string, filter?: FilterNode | null): Promise<number> {
    return this.#read(async () =>
      this.stores.items.count(this.client, await this.stores.collections.require(collection, this.client), filter),
    );
  }

  /** Pages in id order (keyset), all inside the snapshot. */
  async *scan(collection: string, options: ScanOptions): AsyncGenerator<StoredItem[]> {
    const { batchSize } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw errors.invalidArgument('batchSize', 'a positive integer', batchSize);
    const c = await this.#read(() => this.stores.collections.require(collection, this.client));
    let after: string | null = null;
    for (;;) {
      const from: string | null = after;
      const page: StoredItem[] = await this.#read(() =>
        this.stores.items.page(this.client, c, from, batchSize, options.filter, options.vectors ?? true),
      );
      if (page.length > 0) yield page;
      if (page.length < batchSize) return;
      after = (page[page.length - 1] as StoredItem).id;
    }
  }

  async headCursor(): Promise<ChangeCursor | null> {
    return this.#read(() => this.stores.feed.head(this.client));
  }

  async getIndexDefinition(name: string): Promise<IndexDefinition | null> {
    return this.#read(() => this.stores.indexes.get(name, this.client));
  }

  async listIndexDefinitions(): Promise<IndexDefinition[]> {
    return this.#read(() => this.stores.indexes.list(this.client));
  }

  async getAlias(alias: string): Promise<CollectionAlias | null> {
    return this.#read(() => this.stores.aliases.get(alias, this.client));
  }

  async listAliases(): Promise<CollectionAlias[]> {
    return this.#read(() => this.stores.aliases.list(this.client));
  }

  async #read<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#ended) {
      throw new VecdexError('STORE_CLOSED', 'this snapshot of the pgvector store has ended; read inside readSnapshot()', {
        details: { backend: 'pgvector' },
      });
    }
    return this.conn.guard(fn);
  }
}
