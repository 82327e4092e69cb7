import type { StorageBackend } from './storage-backend.js';
import type { IndexDefinition } from '../model/index-definition.js';
import type { JsonValue } from '../model/item.js';
import type { Metric } from '../model/metric.js';
import type { FilterNode } from '../filter/filter-ast.js';

/**
 * An ANN index plugin (hnswlib, FAISS, a backend's native index...). Indexes are derived data:
 * the store is the source of truth, and an index that cannot be loaded is rebuilt from it.
 *
 * Entries are addressed by {@link IndexKey} because one index may span several collections
 * whose item ids overlap.
 */
export interface IndexPluginSpec {
  readonly kind: 'index';
  /** The name users give as `plugin` in an index definition, e.g. `hnswlib`. */
  readonly name: string;
  /** Metrics the plugin supports; core refuses others at index creation. */
  readonly metrics: readonly Metric[];
  /** Validate and fill defaults; throw `INVALID_ARGUMENT` naming the bad parameter. */
  normalizeParams(params: { [key: string]: JsonValue }): { [key: string]: JsonValue };
  /** Open (not yet load) an index instance. */
  open(context: IndexContext): Promise<VectorIndex>;
}

export interface IndexContext {
  definition: IndexDefinition;
  dimensions: number;
  metric: Metric;
  /** A directory the plugin owns for its files (created by core). */
  directory: string;
  /** The store, for plugins that live inside it (pgvector's native indexes). */
  backend: StorageBackend;
}

/** One entry's identity in an index. */
export interface IndexKey {
  collection: string;
  id: string;
}

export interface IndexEntry extends IndexKey {
  vector: Float32Array;
}

/** A change as an index applies it: add or replace `vector`, or remove. */
export type IndexChange = (IndexEntry & { op: 'upsert' }) | (IndexKey & { op: 'delete' });

export interface IndexSearchOptions {
  k: number;
  /** Only entries for which this returns true may be returned (a filter applied in the search). */
  allow?: (key: IndexKey) => boolean;
  /**
   * What `allow` was built from, for plugins that apply it in their own query language (a
   * backend's native index filters in SQL): hits must come from `collection`, match `filter`
   * and not be one of `exclude`. When both are given they say the same thing; plugins that only
   * understand `allow` ignore this.
   */
  where?: { collection: string; filter: FilterNode | null; exclude: readonly string[] };
  /** Per-query plugin parameters, e.g. `{ efSearch: 100 }`. */
  params?: { [key: string]: JsonValue };
}

export interface IndexHit extends IndexKey {
  distance: number;
}

export interface IndexStats {
  /** Live entries. */
  items: number;
  /** Removed entries still occupying space (tombstones). */
  deleted: number;
  /** Bytes on disk, when persisted. */
  bytesOnDisk?: number;
  /** True when removed entries are enough of the index that the next sync should rebuild it. */
  needsCompaction?: boolean;
  [key: string]: JsonValue | undefined;
}

export interface VectorIndex {
  /** Replace the contents with everything from `source` (batches streamed from the store). */
  build(
    source: AsyncIterable<IndexEntry[]>,
    options?: { onProgress?: (done: number) => void; expectedCount?: number },
  ): Promise<void>;
  /** Apply one batch of changes; upserts add or replace, deletes remove (absent keys are ignored). */
  apply(changes: readonly IndexChange[]): Promise<void>;
  search(query: Float32Array, options: IndexSearchOptions): Promise<IndexHit[]>;
  /** Persist atomically; `state` comes back to `load`. Returns plugin state to keep in the catalog. */
  save(): Promise<{ [key: string]: JsonValue }>;
  /** Load what `save` wrote. Returns false when files are missing or corrupt (core rebuilds). */
  load(state: { [key: string]: JsonValue }): Promise<boolean>;
  stats(): IndexStats;
  /** Remove the index's files. */
  drop(): Promise<void>;
  close(): Promise<void>;
}
