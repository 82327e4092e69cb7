import { errors, METRICS } from '@vecdex/core';
import type {
  CollectionAlias,
  BackendCapabilities,
  ChangeBatch,
  ChangeCursor,
  CollectionInfo,
  CollectionPatch,
  CollectionSpec,
  DoctorCheck,
  ExactSearchRequest,
  FilterNode,
  IndexDefinition,
  IndexEvent,
  IndexPluginSpec,
  IndexSyncState,
  KeywordHit,
  KeywordSearchRequest,
  NormalizedItem,
  ReadChangesRequest,
  ScanOptions,
  SearchHit,
  SnapshotReader,
  StorageBackend,
  StoredItem,
} from '@vecdex/core';
import type pg from 'pg';
import { escapeIdentifier } from 'pg';
import { CatalogCache } from './catalog-cache.js';
import { ChangeFeed } from './change-feed.js';
import { CollectionStore, toInfo, type CollectionRow } from './collection-store.js';
import type { PgConnection } from './connection.js';
import { ExactSearch } from './exact-search.js';
import { diagnosePg } from './store-diagnosis.js';
import { compileFilter } from './filter-sql.js';
import { AliasCatalog } from './alias-catalog.js';
import { IndexCatalog } from './index-catalog.js';
import { IndexEvents } from './index-events.js';
import { isDirectCopyConflict, ItemStore } from './item-store.js';
import { KeywordSearch } from './keyword-search.js';
import type { PgCollectionTable, PgNativeAccess } from './native-access.js';
import { nativeIndexPlugins } from './native-index/index.js';
import type { ResolvedPgVectorOptions } from './pgvector-options.js';
import type { ReplicaRouting } from './replicas/replica-router.js';
import { MAX_HALFVEC_DIMENSIONS, type SchemaNames } from './schema.js';
import { PgSnapshotReader } from './snapshot-reader.js';

/**
 * The `StorageBackend` on PostgreSQL + pgvector. Wires the stores together; each public method
 * checks the backend is open, runs in one transaction, and turns PostgreSQL errors into
 * `VecdexError`s. Also the {@link PgNativeAccess} the native index plugins build on.
 */
export class PgVectorBackend implements StorageBackend, PgNativeAccess {
  readonly name = 'pgvector';
  readonly capabilities: BackendCapabilities;
  readonly #conn: PgConnection;
  readonly #options: ResolvedPgVectorOptions;
  readonly #names: SchemaNames;
  readonly #collections: CollectionStore;
  readonly #feed: ChangeFeed;
  readonly #items: ItemStore;
  readonly #search: ExactSearch;
  readonly #keyword: KeywordSearch;
  readonly #indexes: IndexCatalog;
  readonly #aliases: AliasCatalog;
  readonly #events: IndexEvents;
  readonly #indexPlugins: readonly IndexPluginSpec[];
  /** Collection rows in memory, invalidated by LISTEN/NOTIFY; null with `catalogCache: false`. */
  readonly #catalog: CatalogCache | null;

  /** Use `createPgVectorBackend()`, which connects and migrates the schema first. */
  constructor(conn: PgConnection, names: SchemaNames, options: ResolvedPgVectorOptions) {
    this.#conn = conn;
    this.#options = options;
    this.#names = names;
    this.#collections = new CollectionStore(conn, names);
    this.#feed = new ChangeFeed(names, options.clock);
    this.#items = new ItemStore(names, this.#feed);
    this.#search = new ExactSearch(names);
    this.#keyword = new KeywordSearch(names);
    this.#indexes = new IndexCatalog(conn, names);
    this.#aliases = new AliasCatalog(conn, names);
    this.#events = new IndexEvents(conn, names);
    this.#indexPlugins = Object.freeze(nativeIndexPlugins(this));
    // LISTEN needs a session of its own: behind a transaction pooler no notification would arrive.
    this.#catalog =
      options.catalogCache && conn.pooler === 'none'
        ? new CatalogCache(conn.clientConfig(' catalog-listener'), names.name)
        : null;
    this.capabilities = Object.freeze({
      metrics: METRICS,
      maxDimensions: MAX_HALFVEC_DIMENSIONS,
      nativeIndexes: Object.freeze(this.#indexPlugins.map((p) => p.name)),
      fullText: true,
      concurrentWriters: true,
      filterableFields: true,
    });
  }

  // ---- native access ----------------------------------------------------------------------------

  get pool(): pg.Pool {
    return this.#conn.pool;
  }

  /** Unquoted schema name. */
  get schema(): string {
    return this.#names.name;
  }

  /** How `upsert` sends items (`copy` or `insert`). */
  get insertPath(): ResolvedPgVectorOptions['insertPath'] {
    return this.#options.insertPath;
  }

  async collectionTable(collection: string): Promise<PgCollectionTable> {
    return this.#conn.guard(async () => {
      const c = await this.#collections.require(collection);
      return {
        table: this.#names.items(c.cid),
        cid: c.cid,
        dimensions: c.dimensions,
        metric: c.metric,
        vectorType: c.vectorType,
        idColumn: escapeIdentifier('id'),
        vectorColumn: escapeIdentifier('embedding'),
        metadataColumn: escapeIdentifier('metadata'),
      };
    });
  }

  withReadClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.#conn.withReadClient(fn);
  }

  /**
   * Where reads went, per replica (served, skipped and why, lag at the last probe, state) and how
   * many fell back to the primary; null without `replicas`.
   */
  replicaStats(): ReplicaRouting | null {
    return this.#conn.replicas?.stats() ?? null;
  }

  /**
   * `transaction` when the connection goes through a pooler (PgBouncer and the like: detected on
   * open, or set with the `pooler` option); vecdex then keeps no session state between
   * transactions. `none` for a direct connection.
   */
  get pooler(): 'none' | 'transaction' {
    return this.#conn.pooler;
  }

  compileFilter(filter: FilterNode, params: unknown[]): string {
    return compileFilter(filter, params, escapeIdentifier('metadata'));
  }

  indexPlugins(): readonly IndexPluginSpec[] {
    return this.#indexPlugins;
  }

  // ---- collections ------------------------------------------------------------------------------

  async createCollection(spec: Required<CollectionSpec>): Promise<CollectionInfo> {
    return this.#changingCatalog(async () => toInfo(await this.#collections.create(spec, this.#now())));
  }

  /** Answered from the catalog cache when it holds the row (see `CatalogCache`). */
  async getCollection(name: string): Promise<CollectionInfo | null> {
    return this.#conn.guard(async () => {
      const read = () => this.#collections.find(name);
      const row = this.#catalog === null ? await read() : await this.#catalog.get(name, read);
      return row === null ? null : toInfo(row);
    });
  }

  /** Whether collection rows are being cached (the LISTEN connection is up). For tests and status. */
  get catalogCacheListening(): boolean {
    return this.#catalog?.listening ?? false;
  }

  async listCollections(): Promise<CollectionInfo[]> {
    return this.#conn.guard(async () => (await this.#collections.list()).map(toInfo));
  }

  async updateCollection(name: string, patch: CollectionPatch): Promise<CollectionInfo> {
    return this.#changingCatalog(async () => toInfo(await this.#collections.update(name, patch)));
  }

  async deleteCollection(name: string): Promise<boolean> {
    return this.#changingCatalog(() => this.#collections.delete(name));
  }

  /** A change to the collections table: this process's cache is emptied whatever happened. */
  async #changingCatalog<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await this.#writing(fn);
    } finally {
      this.#catalog?.invalidate();
    }
  }

  /**
   * A write on the primary; afterwards (even after a failure: a connection lost during COMMIT
   * leaves unknown whether it committed) its WAL position is recorded, so this instance's next
   * reads go only to replicas that have replayed it.
   */
  async #writing<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await this.#conn.guard(fn);
    } finally {
      if (!this.#conn.closed) await this.#conn.wrote();
    }
  }

  // ---- items ------------------------------------------------------------------------------------

  /**
   * One transaction: lock the collection row (a concurrent delete waits), take `modified`, write
   * the items and their change rows. With the `copy` path the staging table is made on the
   * connection first (outside the transaction, so a rollback cannot drop it).
   */
  async upsert(collection: string, items: readonly NormalizedItem[]): Promise<void> {
    const path = this.#options.insertPath;
    const pooled = this.#conn.pooler === 'transaction';
    const write = (direct: boolean) =>
      this.#conn.transaction(
        async (client) => {
          const c = await this.#collections.require(collection, client, 'FOR KEY SHARE');
          if (items.length === 0) return;
          if (path === 'copy' && pooled) await this.#items.prepareCopy(client, 'transaction');
          const modified = await this.#feed.nextModified(client);
          await this.#items.upsert(client, c, items, modified, path, direct);
        },
        'write',
        path === 'copy' && !pooled ? (client) => this.#items.prepareCopy(client) : undefined,
      );
    await this.#writing(async () => {
      try {
        await write(true);
      } catch (err) {
        // Another connection stored one of these ids between the check and the direct COPY.
        if (!isDirectCopyConflict(err)) throw err;
        await write(false);
      }
    });
  }

  async get(collection: string, ids: readonly string[], options: { vectors?: boolean } = {}): Promise<StoredItem[]> {
    return this.#conn.guard(() =>
      this.#conn.replicaRead(async (client) => {
        const c = await this.#collections.require(collection, client);
        return ids.length === 0 ? [] : this.#items.get(client, c, ids, options.vectors ?? true);
      }),
    );
  }

  /** Only the vectors of `ids`: one `WHERE id = ANY($1)` query of the vector column (on a replica when reads go there). */
  async getVectors(collection: string, ids: readonly string[]): Promise<(Float32Array | null)[]> {
    return this.#conn.guard(() =>
      this.#conn.replicaRead(async (client) => {
        const c = await this.#collections.require(collection, client);
        return ids.length === 0 ? [] : this.#items.vectors(client, c, ids);
      }),
    );
  }

  async delete(collection: string, ids: readonly string[]): Promise<number> {
    return this.#writing(() =>
      this.#conn.transaction(async (client) => {
        const c = await this.#collections.require(collection, client, 'FOR KEY SHARE');
        if (ids.length === 0) return 0;
        return this.#items.delete(client, c, ids, await this.#feed.nextModified(client));
      }),
    );
  }

  /**
   * `VACUUM (FULL, ANALYZE)` every table of the schema (items, change feed, catalog): each is
   * rewritten without the dead rows of deleted items, its indexes rebuilt, and the space goes
   * back to the file system (a plain VACUUM only marks it reusable). Each table is locked
   * exclusively while it is rewritten, so reads and writes of that collection wait: run it when
   * a pause is acceptable. Bytes: the schema's tables with their indexes and TOAST.
   */
  async compact(): Promise<{ bytesBefore: number; bytesAfter: number }> {
    return this.#conn.guard(async () => {
      const size = async () => {
        const rows = await this.#conn.query<{ n: string }>(
          `SELECT COALESCE(sum(pg_total_relation_size(c.oid)), 0)::text AS n
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind IN ('r', 'm')`,
          [this.#names.name],
        );
        return Number(rows[0]?.n ?? 0);
      };
      const tables = await this.#conn.query<{ t: string }>(
        `SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS t
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY c.relname`,
        [this.#names.name],
      );
      const bytesBefore = await size();
      // Names come from the catalog, quoted by quote_ident; VACUUM takes no parameters.
      // Not bounded by queryTimeoutMs: a large table's VACUUM may take a long time.
      for (const { t } of tables) {
        await this.#conn.pool.query({ text: `VACUUM (FULL, ANALYZE) ${t}`, query_timeout: 2_147_483_647 } as pg.QueryConfig);
      }
      return { bytesBefore, bytesAfter: await size() };
    });
  }

  async deleteWhere(collection: string, filter: FilterNode): Promise<number> {
    return this.#writing(() =>
      this.#conn.transaction(async (client) => {
        const c = await this.#collections.require(collection, client, 'FOR KEY SHARE');
        return this.#items.deleteWhere(client, c, filter, await this.#feed.nextModified(client));
      }),
    );
  }

  /** Ids matching `filter`, through the filterable fields' indexes where the filter uses them. */
  async matchingIds(collection: string, filter: FilterNode): Promise<string[]> {
    return this.#conn.guard(() =>
      this.#conn.transaction(
        async (client) => this.#items.matchingIds(client, await this.#collections.require(collection, client), filter),
        'read',
      ),
    );
  }

  async count(collection: string, filter?: FilterNode | null): Promise<number> {
    return this.#conn.guard(() =>
      this.#conn.replicaRead(async (client) =>
        this.#items.count(client, await this.#collections.require(collection, client), filter),
      ),
    );
  }

  /**
   * Pages of `batchSize` items in id order, each its own short read (keyset pagination): an item
   * that exists throughout the scan is seen exactly once, and nothing stays open between pages.
   */
  async *scan(collection: string, options: ScanOptions): AsyncGenerator<StoredItem[]> {
    const { batchSize } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw errors.invalidArgument('batchSize', 'a positive integer', batchSize);
    let after: string | null = null;
    for (;;) {
      const from: string | null = after;
      const page: StoredItem[] = await this.#conn.guard(() =>
        this.#conn.transaction(async (client) => {
          const c = await this.#collections.require(collection, client);
          return this.#items.page(client, c, from, batchSize, options.filter, options.vectors ?? true);
        }, 'read'),
      );
      if (page.length > 0) yield page;
      if (page.length < batchSize) return;
      after = (page[page.length - 1] as StoredItem).id;
    }
  }

  /**
   * Every read of `fn`'s reader in one REPEATABLE READ READ ONLY transaction on one primary
   * connection: one point-in-time snapshot of every collection, index definition and alias
   * (`vecdex backup` reads through it). Writers are not blocked; the transaction is held as
   * long as `fn` runs, which holds back VACUUM of rows deleted meanwhile.
   */
  async readSnapshot<T>(fn: (reader: SnapshotReader) => Promise<T>): Promise<T> {
    return this.#conn.guard(() =>
      this.#conn.snapshot(async (client) => {
        const reader = new PgSnapshotReader(this.capabilities, this.#conn, client, {
          collections: this.#collections,
          items: this.#items,
          feed: this.#feed,
          indexes: this.#indexes,
          aliases: this.#aliases,
        });
        // Take the snapshot now (REPEATABLE READ takes it at the first statement), not at fn's first read.
        await client.query('SELECT 1');
        try {
          return await fn(reader);
        } finally {
          reader.end();
        }
      }),
    );
  }

  // ---- search -----------------------------------------------------------------------------------

  async searchExact(request: ExactSearchRequest): Promise<SearchHit[]> {
    return this.#conn.guard(() =>
      this.#conn.replicaRead(async (client) =>
        this.#search.search(client, await this.#resolve(client, request.collections), request),
      ),
    );
  }

  async searchKeyword(request: KeywordSearchRequest): Promise<KeywordHit[]> {
    return this.#conn.guard(() =>
      this.#conn.replicaRead(async (client) =>
        this.#keyword.search(client, await this.#resolve(client, request.collections), request),
      ),
    );
  }

  // ---- change feed ------------------------------------------------------------------------------

  async readChanges(request: ReadChangesRequest): Promise<ChangeBatch> {
    return this.#conn.guard(() =>
      this.#conn.transaction(
        async (client) => this.#feed.read(client, await this.#resolve(client, request.collections), request),
        'read',
      ),
    );
  }

  async countChanges(collections: readonly string[], after: ChangeCursor | null): Promise<number> {
    return this.#conn.guard(() =>
      this.#conn.transaction(async (client) => this.#feed.count(client, await this.#resolve(client, collections), after), 'read'),
    );
  }

  async headCursor(): Promise<ChangeCursor | null> {
    return this.#conn.guard(() => this.#conn.transaction((client) => this.#feed.head(client), 'read'));
  }

  async pruneTombstones(readers: readonly ChangeCursor[]): Promise<number> {
    return this.#conn.guard(() => this.#conn.transaction((client) => this.#feed.prune(client, readers)));
  }

  // ---- aliases (rows of the schema's meta table, see AliasCatalog) -------------------------------

  async getAlias(alias: string): Promise<CollectionAlias | null> {
    return this.#conn.guard(() => this.#aliases.get(alias));
  }

  async listAliases(): Promise<CollectionAlias[]> {
    return this.#conn.guard(() => this.#aliases.list());
  }

  async setAlias(alias: string, collection: string, updatedAt: number): Promise<void> {
    await this.#conn.guard(() => this.#aliases.set(alias, collection, updatedAt));
  }

  async deleteAlias(alias: string): Promise<boolean> {
    return this.#conn.guard(() => this.#aliases.delete(alias));
  }

  // ---- index catalog ----------------------------------------------------------------------------

  async createIndexDefinition(definition: IndexDefinition): Promise<void> {
    await this.#conn.guard(() => this.#indexes.create(definition));
  }

  async getIndexDefinition(name: string): Promise<IndexDefinition | null> {
    return this.#conn.guard(() => this.#indexes.get(name));
  }

  async listIndexDefinitions(): Promise<IndexDefinition[]> {
    return this.#conn.guard(() => this.#indexes.list());
  }

  async deleteIndexDefinition(name: string): Promise<boolean> {
    return this.#conn.guard(() => this.#indexes.delete(name));
  }

  async getIndexState(name: string): Promise<IndexSyncState | null> {
    return this.#conn.guard(() => this.#indexes.getState(name));
  }

  async putIndexState(name: string, state: IndexSyncState): Promise<void> {
    await this.#conn.guard(() => this.#indexes.putState(name, state));
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  /** Close the pool. Idempotent. */
  async appendIndexEvent(event: IndexEvent, keep: number): Promise<void> {
    await this.#conn.guard(() => this.#events.append(event, keep));
  }

  async listIndexEvents(index: string, limit: number): Promise<IndexEvent[]> {
    return this.#conn.guard(() => this.#events.list(index, limit));
  }

  /** Doctor checks: versions, privileges, INVALID indexes, sizes, tombstone backlog (one read transaction). */
  async diagnose(): Promise<DoctorCheck[]> {
    return this.#conn.guard(() => diagnosePg(this.#conn, this.#names));
  }

  async close(): Promise<void> {
    await this.#catalog?.close();
    await this.#conn.close();
  }

  #now(): number {
    const now = Math.floor(this.#options.clock());
    return Number.isFinite(now) ? now : 0;
  }

  /** Collections of a request, deduplicated, each required to exist. */
  async #resolve(client: pg.PoolClient, names: readonly string[]): Promise<CollectionRow[]> {
    const out: CollectionRow[] = [];
    for (const n of new Set(names)) out.push(await this.#collections.require(n, client));
    return out;
  }
}
