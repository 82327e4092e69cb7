import type { StorageBackend } from './storage-backend.js';
import type { IndexDefinition } from '../model/index-definition.js';
import type { JsonValue } from '../model/item.js';
import type { Metric } from '../model/metric.js';
import type { FilterNode } from '../filter/filter-ast.js';
import type { DoctorCheck, IndexVerification } from './doctor-check.js';
import type { Int8Calibration, Precision } from '../compression/precision.js';
import type { CompressionSpec } from '../compression/compression-spec.js';
import type { PlannerHints } from './planner-hints.js';

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
  /**
   * The index lives inside one collection (a backend's native index on that collection's
   * table): core refuses a definition over several collections.
   */
  readonly singleCollection?: boolean;
  /**
   * The store updates the index in the same transaction as every write (a backend's native
   * index): it is never behind, so core skips the pending-changes check before each search
   * (one round trip to the store fewer per query), and `sync` only records the store's head
   * cursor: it applies nothing and never rebuilds for the number of changes.
   */
  readonly maintainedByStore?: boolean;
  /**
   * Precisions the plugin stores its copy of the vectors in (default: `float32` only). Core
   * refuses others at index creation, naming the plugin and these. The plugin reads the chosen
   * one from `IndexContext.precision`; core rescores from the store's full vectors.
   */
  readonly precisions?: readonly Precision[];
  /**
   * Optional: refuse a compression for this metric and these params (checked at index creation
   * after `precisions`): return why, in words (core names the plugin), or `null` to accept.
   * E.g. usearch's HNSW stores int8 only for cosine; pgvector reduces by truncation, not PCA.
   */
  checkCompression?(request: {
    precision: Precision;
    reduce: CompressionSpec['reduce'];
    metric: Metric;
    params: { [key: string]: JsonValue };
  }): string | null;
  /**
   * The plugin applies the whole compression itself (`IndexContext.compression`: precision,
   * reduction, rescoring), e.g. pgvector's expression indexes with a re-rank subquery in SQL.
   * Core then opens it with the collection's full dimensions and does not wrap it.
   */
  readonly compressesNatively?: boolean;
  /**
   * Optional cost hints for core's search planner, measured by the plugin's author: from how
   * many matching items a filtered query stops running exactly over them, and from which
   * selectivity it oversamples an unfiltered search rather than filtering inside it. Absent
   * members keep core's defaults; see {@link PlannerHints}. Refused at load (`PLUGIN_INVALID`)
   * when a member is not a number in its range.
   *
   * ```ts
   * planner: { exactSubsetMaxScan: 256_000, oversampleMinSelectivity: 0.05 }
   * ```
   */
  readonly planner?: PlannerHints;
  /** Validate and fill defaults; throw `INVALID_ARGUMENT` naming the bad parameter. */
  normalizeParams(params: { [key: string]: JsonValue }): { [key: string]: JsonValue };
  /** Open (not yet load) an index instance. Must not write to `directory`. */
  open(context: IndexContext): Promise<VectorIndex>;
  /**
   * Optional. Checks that need no index, for `vecdex doctor`: typically that the plugin's native
   * add-on loads (a `NODE_MODULE_VERSION` mismatch after a Node upgrade shows up here).
   *
   * ```ts
   * async diagnose() { await loadMyBinding(); return [{ name: 'addon.mylib', status: 'ok', message: 'mylib 1.2 loads' }] }
   * ```
   */
  diagnose?(): Promise<DoctorCheck[]>;
}

export interface IndexContext {
  definition: IndexDefinition;
  /** The dimensions the index sees (a reduced index's, not the collection's). */
  dimensions: number;
  metric: Metric;
  /**
   * How to store the vectors: `float32` unless the definition asks for one of the plugin's
   * `precisions`. For `int8`, `calibration` says how to fit the ranges (see `Int8Quantizer` in
   * the plugin kit); `binary` is only asked for angle metrics (cosine, ip).
   */
  precision?: Precision;
  calibration?: Int8Calibration;
  /** The whole spec, for plugins that `compressesNatively`. */
  compression?: CompressionSpec;
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
  /**
   * With `allow`: the planner's estimate of the fraction of entries it accepts (0–1). Filtered
   * search loses recall when few entries pass (an IVF index probes cells holding none of them);
   * plugins may widen their search for small values (more IVF cells, a larger ef). Optional.
   */
  selectivity?: number;
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
  /** Why `needsCompaction` is true, in words (core reports it as the rebuild's reason). */
  rebuildReason?: string | null;
  /**
   * The feed cursor the loaded (or last saved) files reflect, as `save` was told it; absent when
   * the plugin does not record it. After `load`, core syncs from this cursor rather than the
   * catalog's: two processes syncing one index can leave the catalog's cursor paired with files
   * another process saved at an older position.
   */
  cursor?: string | null;
  [key: string]: JsonValue | undefined;
}

/** What core tells `save`. */
export interface IndexSaveOptions {
  /**
   * The feed cursor the index's contents reflect. Plugins should store it with the files (their
   * manifest) and report it as `stats().cursor` after a `load`.
   */
  cursor: string | null;
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
  /**
   * Optional: answer many queries with the same options at once (a plugin whose library
   * searches batches on several threads uses every core here). Returns one hit list per query,
   * in order, each what `search` would return for it. Plugins without it are searched one
   * query at a time by core (`vx.indexes.searchMany` loops over `search`).
   *
   * ```ts
   * const [first, second] = await index.searchMany([q1, q2], { k: 10, params: { efSearch: 64 } })
   * ```
   */
  searchMany?(queries: readonly Float32Array[], options: IndexSearchOptions): Promise<IndexHit[][]>;
  /** Persist atomically; `state` comes back to `load`. Returns plugin state to keep in the catalog. */
  save(options?: IndexSaveOptions): Promise<{ [key: string]: JsonValue }>;
  /** Load what `save` wrote. Returns false when files are missing or corrupt (core rebuilds). */
  load(state: { [key: string]: JsonValue }): Promise<boolean>;
  /**
   * Optional. Check the saved files against their manifest and the catalog `state` (what `load`
   * checks before native code reads a byte) without loading them and without writing anything:
   * `vecdex doctor` calls it on an instance it only opened. Never throws for bad files.
   *
   * ```ts
   * const v = await index.verify(state)   // { ok: false, reason: 'index.3.hnsw fails its checksum' }
   * ```
   */
  verify?(state: { [key: string]: JsonValue }): Promise<IndexVerification>;
  stats(): IndexStats;
  /** Remove the index's files. */
  drop(): Promise<void>;
  close(): Promise<void>;
  /**
   * Optional: write the index in its library's own file format to `file`, for use outside vecdex
   * (plus whatever the plugin needs beside it, e.g. a label → key map at `<file>.ids.json`).
   * Returns a description of what was written (file names, counts). Plugins without it make
   * `vx.indexes.export` fail with `NOT_SUPPORTED`.
   *
   * ```ts
   * await vx.indexes.export('docs-faiss', './docs.faiss')   // docs.faiss + docs.faiss.ids.json
   * ```
   */
  export?(file: string): Promise<{ [key: string]: JsonValue }>;
}
