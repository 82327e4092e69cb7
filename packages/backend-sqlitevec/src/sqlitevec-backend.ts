import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { backupScratchName, removeDeadScratch } from '@vecdex/core/plugin-kit';
import { errors } from '@vecdex/core';
import type {
  BackendCapabilities,
  CollectionAlias,
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
  IndexSyncState,
  KeywordHit,
  KeywordSearchRequest,
  NormalizedItem,
  ReadChangesRequest,
  ScanOptions,
  SearchHit,
  StorageBackend,
  StoredItem,
} from '@vecdex/core';
import { AliasCatalog } from './alias-catalog.js';
import { ChangeFeed } from './change-feed.js';
import { diagnoseSqlite } from './store-diagnosis.js';
import { CollectionStore, toInfo, type CollectionRow } from './collection-store.js';
import { Connection, type Db } from './connection.js';
import { ExactSearch, SUPPORTED_METRICS } from './exact-search.js';
import { FullText } from './full-text.js';
import { IndexCatalog } from './index-catalog.js';
import { IndexEvents } from './index-events.js';
import { IN_CHUNK, ItemStore } from './item-store.js';
import { MemoryVectors } from './memory-vectors.js';
import { MAX_DIMENSIONS } from './schema.js';
import type { ResolvedSqliteVecOptions } from './sqlitevec-options.js';

/** What the sqlitevec backend can do (see `BackendCapabilities`). */
export const SQLITEVEC_CAPABILITIES: BackendCapabilities = Object.freeze({
  metrics: SUPPORTED_METRICS,
  maxDimensions: MAX_DIMENSIONS,
  nativeIndexes: [],
  fullText: true,
  filters: true,
  concurrentWriters: false,
  filterableFields: true,
});

/** What `#unchanged` keeps between calls, under the connection's change token. */
interface ReadCache {
  token: string;
  collections: Map<string, CollectionRow>;
  head: ChangeCursor | null | undefined;
}

/**
 * The `StorageBackend` on one SQLite file. Wires the stores together; each public method checks
 * the backend is open, runs in one transaction, and turns SQLite errors into `VecdexError`s.
 */
export class SqliteVecBackend implements StorageBackend {
  readonly name = 'sqlitevec';
  readonly capabilities = SQLITEVEC_CAPABILITIES;
  readonly #conn: Connection;
  readonly #options: ResolvedSqliteVecOptions;
  readonly #collections: CollectionStore;
  readonly #feed: ChangeFeed;
  readonly #items: ItemStore;
  readonly #search: ExactSearch;
  readonly #memory: MemoryVectors;
  readonly #indexes: IndexCatalog;
  readonly #events: IndexEvents;
  readonly #fullText: FullText;
  readonly #aliases: AliasCatalog;
  #readCache: ReadCache = { token: '', collections: new Map(), head: undefined };

  /** Use `createSqliteVecBackend()`, which opens and migrates the database first. */
  constructor(db: Db, options: ResolvedSqliteVecOptions) {
    this.#options = options;
    this.#conn = new Connection(db, options.path, options.readonly);
    this.#collections = new CollectionStore(this.#conn);
    this.#feed = new ChangeFeed(this.#conn, options.clock);
    this.#fullText = new FullText(this.#conn);
    this.#items = new ItemStore(this.#conn, this.#feed, this.#fullText);
    this.#memory = new MemoryVectors(this.#conn, options.exactSearchMemoryBytes);
    this.#search = new ExactSearch(this.#conn, this.#items, this.#memory);
    this.#indexes = new IndexCatalog(this.#conn);
    this.#aliases = new AliasCatalog(this.#conn);
    this.#events = new IndexEvents(this.#conn);
  }

  /** Bytes held by the in-memory vector copies exact search scans (see `exactSearchMemoryBytes`). */
  get exactSearchMemoryBytes(): number {
    return this.#memory.bytes;
  }

  /** The database file, or `:memory:`. */
  get path(): string {
    return this.#options.path;
  }

  // ---- collections ----------------------------------------------------------------------------

  async createCollection(spec: Required<CollectionSpec>): Promise<CollectionInfo> {
    return this.#conn.guardWrite(() => {
      const now = Math.floor(this.#options.clock());
      return toInfo(this.#collections.create(spec, Number.isFinite(now) ? now : 0));
    });
  }

  /** Served from memory while nothing was committed since it was read (see `#unchanged`). */
  async getCollection(name: string): Promise<CollectionInfo | null> {
    return this.#conn.guard(() => {
      const cache = this.#unchanged();
      let row = cache?.collections.get(name);
      if (row === undefined) {
        row = this.#collections.find(name) ?? undefined;
        if (row !== undefined) cache?.collections.set(name, row);
      }
      return row === undefined ? null : toInfo(row);
    });
  }

  /**
   * Reads kept while the database is unchanged: one `PRAGMA data_version` instead of a query per
   * lookup on the per-search path (collection info, head cursor). Null inside a transaction,
   * where the caller reads its own snapshot directly.
   */
  #unchanged(): ReadCache | null {
    if (this.#conn.db.inTransaction) return null;
    const token = this.#conn.changeToken();
    if (this.#readCache.token !== token) this.#readCache = { token, collections: new Map(), head: undefined };
    return this.#readCache;
  }

  async listCollections(): Promise<CollectionInfo[]> {
    return this.#conn.guard(() => this.#collections.list().map(toInfo));
  }

  async updateCollection(name: string, patch: CollectionPatch): Promise<CollectionInfo> {
    return this.#conn.guardWrite(() => toInfo(this.#collections.update(name, patch)));
  }

  async deleteCollection(name: string): Promise<boolean> {
    return this.#conn.guardWrite(() => {
      const deleted = this.#collections.delete(name);
      if (deleted) this.#memory.prune();
      return deleted;
    });
  }

  // ---- items ------------------------------------------------------------------------------------

  async upsert(collection: string, items: readonly NormalizedItem[]): Promise<void> {
    this.#conn.guardWrite(() =>
      this.#conn.write(() => {
        const c = this.#collections.require(collection);
        if (items.length > 0) this.#items.upsert(c, items, this.#feed.nextModified());
      }),
    );
  }

  /**
   * Without vectors (search hits' fields), up to 500 ids are read with one statement, which is its
   * own snapshot: no read transaction, no collection lookup first unless nothing was found. With
   * `content: false` the content column is not read (null in the items).
   */
  async get(
    collection: string,
    ids: readonly string[],
    options: { vectors?: boolean; content?: boolean } = {},
  ): Promise<StoredItem[]> {
    const content = options.content ?? true;
    return this.#conn.guard(() => {
      if (options.vectors === false && ids.length > 0 && ids.length <= IN_CHUNK) {
        const items = this.#items.fieldsIn(collection, ids, content);
        if (items.length > 0) return items;
        this.#collections.require(collection);
        return items;
      }
      return this.#conn.read(() => this.#items.get(this.#collections.require(collection), ids, options.vectors ?? true, content));
    });
  }

  /**
   * Only the vectors of `ids`: from the collection's in-memory copy when exact search built one
   * (kept current in this read transaction, no SQL for the vectors), else one statement per 500
   * ids. A cosine vector stored scaled is read back from its row either way.
   */
  async getVectors(collection: string, ids: readonly string[]): Promise<(Float32Array | null)[]> {
    return this.#conn.guard(() =>
      this.#conn.read(() => {
        const c = this.#collections.require(collection);
        const copy = ids.length === 0 ? null : this.#memory.present(c);
        if (copy === null) return this.#items.vectors(c, ids);
        // One allocation for the batch: each vector is a view of its own stretch of `block`.
        const d = copy.dimensions;
        const block = new Float32Array(ids.length * d);
        const out: (Float32Array | null)[] = [];
        const fromRows: number[] = [];
        for (let i = 0; i < ids.length; i++) {
          const id = ids[i] as string;
          const slot = copy.slotOf.get(id);
          if (slot === undefined || copy.scaled.has(id)) {
            if (slot !== undefined) fromRows.push(i);
            out.push(null);
            continue;
          }
          const v = block.subarray(i * d, (i + 1) * d);
          v.set(copy.data.subarray(slot * d, (slot + 1) * d));
          out.push(v);
        }
        if (fromRows.length > 0) {
          const read = this.#items.vectors(
            c,
            fromRows.map((i) => ids[i] as string),
          );
          fromRows.forEach((at, j) => {
            out[at] = read[j] ?? null;
          });
        }
        return out;
      }),
    );
  }

  async delete(collection: string, ids: readonly string[]): Promise<number> {
    return this.#conn.guardWrite(() =>
      this.#conn.write(() => {
        const c = this.#collections.require(collection);
        return ids.length === 0 ? 0 : this.#items.delete(c, ids, this.#feed.nextModified());
      }),
    );
  }

  /**
   * Rewrite the vec0 tables without their deleted slots, then `VACUUM` (a rewrite of the file
   * without its free pages: it needs up to the database's size in free disk space and blocks
   * writers while it runs) and checkpoint the WAL. Bytes are the
   * main file plus the WAL, before and after.
   */
  async compact(): Promise<{ bytesBefore: number; bytesAfter: number }> {
    return this.#conn.guardWrite(() => {
      const size = () => {
        const db = this.#conn.db;
        const pages =
          (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
        let wal = 0;
        try {
          wal = this.#options.path === ':memory:' ? 0 : statSync(`${this.#options.path}-wal`).size;
        } catch {
          wal = 0;
        }
        return pages + wal;
      };
      const bytesBefore = size();
      this.#conn.write(() => this.#collections.rewriteVectorTables());
      this.#conn.db.exec('VACUUM');
      this.#conn.db.pragma('wal_checkpoint(TRUNCATE)');
      return { bytesBefore, bytesAfter: size() };
    });
  }

  /**
   * `VACUUM INTO` a scratch file beside `file`, then rename it into place: one read transaction,
   * so the copy is the store as of one commit while writers continue (WAL), and a crash leaves
   * no half-written `file`. The copy is compact (no free pages) and opens as a store on its own.
   */
  async backup(file: string): Promise<{ bytes: number }> {
    const target = path.resolve(file);
    if (existsSync(target)) throw errors.invalidArgument('file', 'a path where no file exists yet', file);
    removeDeadScratch(target);
    const scratch = backupScratchName(target);
    try {
      this.#conn.guard(() => this.#conn.db.prepare('VACUUM INTO ?').run(scratch));
      renameSync(scratch, target);
    } finally {
      rmSync(scratch, { force: true });
      rmSync(`${scratch}-journal`, { force: true });
    }
    return { bytes: statSync(target).size };
  }

  /** The matching ids and their deletion in one `BEGIN IMMEDIATE` transaction. */
  async deleteWhere(collection: string, filter: FilterNode): Promise<number> {
    return this.#conn.guardWrite(() =>
      this.#conn.write(() => {
        const c = this.#collections.require(collection);
        const ids = this.#items.idsWhere(c, filter);
        return ids.length === 0 ? 0 : this.#items.delete(c, ids, this.#feed.nextModified());
      }),
    );
  }

  /** Ids matching `filter`, read through the filterable fields' indexes where the filter uses them. */
  async matchingIds(collection: string, filter: FilterNode): Promise<string[]> {
    return this.#conn.guard(() => this.#conn.read(() => this.#items.idsWhere(this.#collections.require(collection), filter)));
  }

  async count(collection: string, filter?: FilterNode | null): Promise<number> {
    return this.#conn.guard(() => this.#conn.read(() => this.#items.count(this.#collections.require(collection), filter)));
  }

  /**
   * Pages of `batchSize` items in rowid order. Each page is its own short read; nothing stays
   * open between pages, so a slow consumer does not pin the WAL. An item updated during the scan
   * keeps its rowid, so every item that exists throughout is seen exactly once.
   */
  async *scan(collection: string, options: ScanOptions): AsyncGenerator<StoredItem[]> {
    const { batchSize } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw errors.invalidArgument('batchSize', 'a positive integer', batchSize);
    let after = 0;
    for (;;) {
      const page = this.#conn.guard(() =>
        this.#conn.read(() => {
          const c = this.#collections.require(collection);
          return this.#items.page(c, after, batchSize, options.filter, options.vectors ?? true);
        }),
      );
      if (page.items.length > 0) yield page.items;
      if (page.items.length < batchSize || page.lastRowid === null) return;
      after = page.lastRowid;
    }
  }

  // ---- search -----------------------------------------------------------------------------------

  async searchExact(request: ExactSearchRequest): Promise<SearchHit[]> {
    return this.#conn.guard(() => this.#conn.read(() => this.#search.search(this.#resolve(request.collections), request)));
  }

  /** bm25 keyword search over `content` through each collection's FTS5 table (see `FullText`). */
  async searchKeyword(request: KeywordSearchRequest): Promise<KeywordHit[]> {
    return this.#conn.guard(() =>
      this.#conn.read(() => this.#fullText.search(this.#resolve(request.collections), request, this.#items)),
    );
  }

  // ---- change feed ------------------------------------------------------------------------------

  async readChanges(request: ReadChangesRequest): Promise<ChangeBatch> {
    return this.#conn.guard(() =>
      this.#conn.read(() => this.#feed.read(this.#resolve(request.collections), request, this.#items)),
    );
  }

  async countChanges(collections: readonly string[], after: ChangeCursor | null): Promise<number> {
    return this.#conn.guard(() => this.#conn.read(() => this.#feed.count(this.#resolve(collections), after)));
  }

  async headCursor(): Promise<ChangeCursor | null> {
    return this.#conn.guard(() => {
      const cache = this.#unchanged();
      if (cache === null) return this.#feed.head();
      if (cache.head === undefined) cache.head = this.#feed.head();
      return cache.head;
    });
  }

  /**
   * SQLite's `data_version` (moves when another connection or process commits) with this
   * connection's own write count: one pragma read, which lets core skip `getCollection` and
   * `headCursor` on a query while nothing was committed (see `StorageBackend.changeToken`).
   */
  async changeToken(): Promise<string> {
    return this.#conn.guard(() => this.#conn.changeToken());
  }

  async pruneTombstones(readers: readonly ChangeCursor[]): Promise<number> {
    return this.#conn.guardWrite(() => this.#conn.write(() => this.#feed.prune(readers)));
  }

  // ---- index catalog ----------------------------------------------------------------------------

  async createIndexDefinition(definition: IndexDefinition): Promise<void> {
    this.#conn.guardWrite(() => this.#indexes.create(definition));
  }

  async getIndexDefinition(name: string): Promise<IndexDefinition | null> {
    return this.#conn.guard(() => this.#indexes.get(name));
  }

  async listIndexDefinitions(): Promise<IndexDefinition[]> {
    return this.#conn.guard(() => this.#indexes.list());
  }

  async deleteIndexDefinition(name: string): Promise<boolean> {
    return this.#conn.guardWrite(() => this.#indexes.delete(name));
  }

  async getIndexState(name: string): Promise<IndexSyncState | null> {
    return this.#conn.guard(() => this.#indexes.getState(name));
  }

  async putIndexState(name: string, state: IndexSyncState): Promise<void> {
    this.#conn.guardWrite(() => this.#indexes.putState(name, state));
  }

  async appendIndexEvent(event: IndexEvent, keep: number): Promise<void> {
    this.#conn.guardWrite(() => this.#events.append(event, keep));
  }

  async listIndexEvents(index: string, limit: number): Promise<IndexEvent[]> {
    return this.#conn.guard(() => this.#events.list(index, limit));
  }

  /** Doctor checks: schema, `quick_check`, WAL and file size, tombstone backlog (reads only). */
  async diagnose(): Promise<DoctorCheck[]> {
    return this.#conn.guard(() => diagnoseSqlite(this.#conn.db, this.#options.path));
  }

  // ---- aliases (rows of vecdex_meta, see AliasCatalog) -----------------------------------------

  async getAlias(alias: string): Promise<CollectionAlias | null> {
    return this.#conn.guard(() => this.#aliases.get(alias));
  }

  async listAliases(): Promise<CollectionAlias[]> {
    return this.#conn.guard(() => this.#aliases.list());
  }

  async setAlias(alias: string, collection: string, updatedAt: number): Promise<void> {
    this.#conn.guardWrite(() => this.#conn.write(() => this.#aliases.set(alias, collection, updatedAt)));
  }

  async deleteAlias(alias: string): Promise<boolean> {
    return this.#conn.guardWrite(() => this.#conn.write(() => this.#aliases.delete(alias)));
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  /** Checkpoint the WAL into the main file and close. Idempotent. */
  async close(): Promise<void> {
    this.#memory.clear();
    this.#search.clear();
    this.#conn.close();
  }

  /** Collections of a request, deduplicated, each required to exist. */
  #resolve(names: readonly string[]): CollectionRow[] {
    return [...new Set(names)].map((n) => this.#collections.require(n));
  }
}
