import type { BackendCapabilities } from './backend-capabilities.js';
import type { ChangeBatch, ChangeCursor, ReadChangesRequest } from '../model/change.js';
import type { CollectionInfo, CollectionPatch, CollectionSpec } from '../model/collection.js';
import type { IndexDefinition, IndexSyncState } from '../model/index-definition.js';
import type { NormalizedItem, StoredItem } from '../model/item.js';
import type { ExactSearchRequest, KeywordHit, KeywordSearchRequest, SearchHit } from '../model/search.js';
import type { IndexPluginSpec } from './index-plugin.js';
import type { FilterNode } from '../filter/filter-ast.js';
import type { DoctorCheck } from './doctor-check.js';
import type { CollectionAlias } from '../model/alias.js';
import type { IndexEvent } from '../model/index-event.js';

/**
 * A storage backend: where items live durably, with exact search and a change feed.
 *
 * Write one by implementing this interface and exporting a plugin from your package:
 *
 * ```ts
 * export default definePlugin({
 *   kind: 'backend', name: 'my-store',
 *   async create(options) { return new MyBackend(options) },
 * })
 * ```
 *
 * then run `backendConformanceSuite` from `@vecdex/core/testing` against it.
 *
 * Core validates every input before calling a backend: names match the name rule, vectors are
 * `Float32Array`s of the collection's dimensions with finite values, ids are valid strings,
 * filters come parsed. Backends should still refuse wrong dimensions on their own (defence in
 * depth), and must make every write method atomic: when it throws, nothing it was given was
 * stored, and nothing stored before was lost.
 *
 * Every item write (upsert, delete) must be recorded in the change feed in the same
 * transaction as the write itself. Deleting an id that does not exist records nothing.
 *
 * Filters (`count`, `scan`, `searchExact`) are required: compile the parsed {@link FilterNode}
 * to your query language with bound parameters, or evaluate it with core's `filterPredicate`.
 * A filtered `searchExact` returns exactly `min(k, matching items)` hits.
 *
 * Times (`modified`, `createdAt`) are milliseconds since the epoch; `modified` should never
 * decrease along the feed even when the clock steps back (the conformance suite checks this
 * unless told `monotonicModified: false`).
 */
export interface StorageBackend {
  /** Short name used in messages, e.g. `sqlitevec`. */
  readonly name: string;
  readonly capabilities: BackendCapabilities;

  // ---- collections -------------------------------------------------------------------------

  /** Create a collection. Throws `COLLECTION_EXISTS` if the name is taken. */
  createCollection(spec: Required<CollectionSpec>): Promise<CollectionInfo>;
  /** The collection, or `null` when there is none of that name. */
  getCollection(name: string): Promise<CollectionInfo | null>;
  listCollections(): Promise<CollectionInfo[]>;
  /** Change mutable fields. Throws `UNKNOWN_COLLECTION`. */
  updateCollection(name: string, patch: CollectionPatch): Promise<CollectionInfo>;
  /**
   * Delete a collection with its items and its change-feed entries. Returns false if it did not
   * exist. Indexes over it are the caller's concern (core drops or refuses first).
   */
  deleteCollection(name: string): Promise<boolean>;

  // ---- items -------------------------------------------------------------------------------

  /**
   * Insert or replace items, atomically, recording one change per item. Ids within one call are
   * distinct (core deduplicates, last one wins).
   */
  upsert(collection: string, items: readonly NormalizedItem[]): Promise<void>;
  /**
   * Items that exist, in the order of `ids`; missing ids are skipped. `vectors` defaults to true;
   * `content: false` says the caller will not read `content` (a search hit without
   * `include.content`, a filter check), so a backend may return `null` there and read less
   * (optional: returning the content anyway is correct).
   */
  get(collection: string, ids: readonly string[], options?: { vectors?: boolean; content?: boolean }): Promise<StoredItem[]>;
  /**
   * Optional. Only the vectors of `ids`, in the order of `ids`, `null` for an id that does not
   * exist: bit for bit the vectors `get(collection, ids, { vectors: true })` returns, without
   * reading content or metadata. Core's rescoring (compressed indexes re-rank `k × oversample`
   * candidates by their full vectors) reads through it once per query; without it core calls
   * `get`. Throws `UNKNOWN_COLLECTION` like `get`.
   */
  getVectors?(collection: string, ids: readonly string[]): Promise<(Float32Array | null)[]>;
  /** Delete items atomically, recording a tombstone per deleted item. Returns how many existed. */
  delete(collection: string, ids: readonly string[]): Promise<number>;
  /**
   * Optional. Delete every item matching `filter` in one transaction, with a tombstone each, and
   * return how many. Without it core lists the matching ids with `scan` and deletes them in one
   * `delete` call: atomic too, but an item written between the scan and the delete may survive.
   */
  deleteWhere?(collection: string, filter: FilterNode): Promise<number>;
  /** Number of items, optionally only those matching `filter`. */
  count(collection: string, filter?: FilterNode | null): Promise<number>;
  /**
   * Optional. The ids of the items matching `filter`, in any order. The planner asks for them
   * to filter inside an index search; without this method core collects them with `scan`
   * (which pages in a stable order, so it cannot always use the indexes of filterable fields).
   */
  matchingIds?(collection: string, filter: FilterNode): Promise<string[]>;
  /**
   * Every item in batches, in a stable order, without holding the whole collection in memory.
   * The iteration sees a consistent snapshot or at least every item that existed throughout.
   */
  scan(collection: string, options: ScanOptions): AsyncIterable<StoredItem[]>;

  // ---- search ------------------------------------------------------------------------------

  /** Exact k-nearest-neighbour search: the ground truth every index is measured against. */
  searchExact(request: ExactSearchRequest): Promise<SearchHit[]>;
  /**
   * Keyword search over `content` (only when `capabilities.fullText`): items whose content
   * matches any term of the query, best first, at most `k`, filtered like `searchExact`. The
   * full-text index must follow every upsert and delete in the same transaction.
   */
  searchKeyword?(request: KeywordSearchRequest): Promise<KeywordHit[]>;

  // ---- native indexes ------------------------------------------------------------------------

  /**
   * Index plugins the backend implements inside the store (e.g. pgvector's `pgvector-hnsw`).
   * Core registers them when it opens the backend, beside the configured plugins; their names
   * are listed in `capabilities.nativeIndexes`.
   */
  indexPlugins?(): readonly IndexPluginSpec[];

  // ---- change feed -------------------------------------------------------------------------

  /**
   * Changes after a cursor, in commit order, in batches. Must never skip a committed change,
   * whatever the clock does and however concurrent transactions interleave.
   */
  readChanges(request: ReadChangesRequest): Promise<ChangeBatch>;
  /** How many entries `readChanges` would return after `after` (each item once). */
  countChanges(collections: readonly string[], after: ChangeCursor | null): Promise<number>;
  /** A cursor positioned after every change committed so far. */
  headCursor(): Promise<ChangeCursor | null>;
  /**
   * Optional. A value that differs from every earlier one whenever something may have been
   * committed to the store since (through this backend, another connection, another process);
   * an equal value means nothing was committed in between, so whatever was read under the
   * earlier one is still current. Core reads it once as a query begins and, while it is
   * unchanged, reuses what it read under it before (the collection's info, that the index was
   * current) instead of calling `getCollection` and `headCursor` on every query. Implement it
   * only when it is cheaper than those reads (sqlite-vec: one `PRAGMA data_version`); without
   * it core reads them per query.
   *
   * ```ts
   * const before = await backend.changeToken?.()   // e.g. '7:12'
   * // ... another process commits an upsert ...
   * before !== (await backend.changeToken?.())     // true
   * ```
   */
  changeToken?(): Promise<string>;
  /**
   * Optional. Delete the tombstones (delete entries of the feed, in every collection) that all
   * of `readers` have passed: those at or before the oldest of these cursors, or every committed
   * one when `readers` is empty. Returns how many were deleted. Afterwards `readChanges` and
   * `countChanges` from a non-null cursor older than the newest deleted tombstone throw
   * `CURSOR_EXPIRED` (that reader may have missed deletes); reading from `null` is always fine.
   * Core calls it from `vx.pruneTombstones()` with the cursors of every index.
   */
  pruneTombstones?(readers: readonly ChangeCursor[]): Promise<number>;

  /**
   * Optional. Give the space of deleted items and collections back to the file system (SQLite
   * `VACUUM`, PostgreSQL `VACUUM` of the collection tables) and return the store's size in
   * bytes before and after. Core calls it from `vx.compact()` after pruning tombstones.
   */
  compact?(): Promise<{ bytesBefore: number; bytesAfter: number }>;

  /**
   * Optional. Write a consistent snapshot of the whole store to `file` while writers go on
   * (SQLite `VACUUM INTO`), atomically: the file appears complete or not at all. Refuses an
   * existing file. Returns its size.
   */
  backup?(file: string): Promise<{ bytes: number }>;

  /**
   * Optional. Run `fn` with a reader on which every read sees one point-in-time snapshot of the
   * whole store (PostgreSQL: one `REPEATABLE READ READ ONLY` transaction on one connection),
   * however long `fn` runs and whatever writers commit meanwhile: a transaction that committed
   * before the snapshot is seen whole, one that committed after it not at all. The snapshot ends
   * when `fn` settles (the reader must not be used afterwards). Core uses it for
   * `vx.copyTo(target, { snapshot: true })`, which `vecdex backup` runs on a backend without
   * `backup`; without it, each read sees the store as of that read (today's copy behaviour).
   *
   * ```ts
   * const n = await backend.readSnapshot?.(async (r) => (await r.count('a')) + (await r.count('b')))
   * ```
   */
  readSnapshot?<T>(fn: (reader: SnapshotReader) => Promise<T>): Promise<T>;

  /**
   * Optional. The store's own health checks for `vx.doctor()` / `vecdex doctor`: schema version,
   * a quick integrity check, journal size, the change feed's tombstone backlog, server
   * extensions and privileges. Must write nothing and stay fast on a large store (no full
   * scans beyond what the integrity check itself needs); each failing check says what to do.
   *
   * ```ts
   * async diagnose() { return [{ name: 'store.schema', status: 'ok', message: 'schema version 4' }] }
   * ```
   */
  diagnose?(): Promise<DoctorCheck[]>;

  // ---- aliases (optional: core keeps them in a reserved collection otherwise) ----------------

  /**
   * Optional, all four or none. Collection aliases stored natively (a row each). `setAlias`
   * creates or repoints one atomically: a reader sees the old target or the new one. Core has
   * validated the names (the alias is no collection, the target exists and is no alias). Without
   * them core stores aliases as items of the reserved collection `_vecdex.aliases`.
   */
  getAlias?(alias: string): Promise<CollectionAlias | null>;
  listAliases?(): Promise<CollectionAlias[]>;
  setAlias?(alias: string, collection: string, updatedAt: number): Promise<void>;
  /** False when there was no such alias. */
  deleteAlias?(alias: string): Promise<boolean>;

  // ---- index catalog -------------------------------------------------------------------------

  /** Store a new index definition. Throws `INDEX_EXISTS` if the name is taken. */
  createIndexDefinition(definition: IndexDefinition): Promise<void>;
  getIndexDefinition(name: string): Promise<IndexDefinition | null>;
  listIndexDefinitions(): Promise<IndexDefinition[]>;
  /** Delete a definition and its sync state; false if it did not exist. */
  deleteIndexDefinition(name: string): Promise<boolean>;
  getIndexState(name: string): Promise<IndexSyncState | null>;
  putIndexState(name: string, state: IndexSyncState): Promise<void>;
  /**
   * Optional. Keep an index's build, sync and rebuild record (a small table), then delete that
   * index's oldest events beyond `keep`. `deleteIndexDefinition` deletes its events too. Without
   * these two methods core keeps the events in a reserved collection of the store.
   *
   * ```ts
   * await backend.appendIndexEvent({ index: 'docs-hnsw', kind: 'sync', at: Date.now(), durationMs: 3, items: 12, reason: null, cause: null }, 500)
   * ```
   */
  appendIndexEvent?(event: IndexEvent, keep: number): Promise<void>;
  /** Optional (with `appendIndexEvent`). The index's newest `limit` events, newest first. */
  listIndexEvents?(index: string, limit: number): Promise<IndexEvent[]>;

  // ---- lifecycle -----------------------------------------------------------------------------

  /** Release connections and file handles. Idempotent; any other call afterwards throws `STORE_CLOSED`. */
  close(): Promise<void>;
}

/**
 * The reads of a {@link StorageBackend} that a copy or backup needs, as `readSnapshot` hands them
 * out: all answered from one snapshot. A whole backend is a `SnapshotReader` too (each read then
 * sees the store as of that read).
 */
export type SnapshotReader = Pick<
  StorageBackend,
  | 'name'
  | 'capabilities'
  | 'getCollection'
  | 'listCollections'
  | 'get'
  | 'count'
  | 'scan'
  | 'headCursor'
  | 'getIndexDefinition'
  | 'listIndexDefinitions'
  | 'getAlias'
  | 'listAliases'
>;

export interface ScanOptions {
  /** Items per batch. */
  batchSize: number;
  /** Include vectors (default true). */
  vectors?: boolean;
  filter?: FilterNode | null;
}
