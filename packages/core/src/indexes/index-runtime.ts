import path from 'node:path';
import type { IndexSearchOptions, IndexHit, VectorIndex } from '../contracts/index-plugin.js';
import type { StorageBackend } from '../contracts/storage-backend.js';
import { VecdexError, isVecdexError } from '../errors/vecdex-error.js';
import type { ChangeCursor } from '../model/change.js';
import type { IndexDefinition, IndexSyncState } from '../model/index-definition.js';
import type { RebuildCause } from '../model/index-event.js';
import type { PluginRegistry } from '../registry/plugin-registry.js';
import { streamEntries, toIndexChanges } from './index-entries.js';
import { ensureIndexDirectory } from './index-directory.js';
import { isTrivial, pluginParams, readCompression } from '../compression/compression-spec.js';
import { CompressedIndex } from '../compression/compressed-index.js';

export interface ProgressEvent {
  phase: 'build' | 'sync';
  done: number;
  total?: number;
}
export type ProgressFn = (event: ProgressEvent) => void;

export interface SyncResult {
  applied: number;
  /** Why the index was rebuilt instead of (or after) applying changes, if it was. */
  rebuilt: string | null;
  /** The same as a code (null when not rebuilt). */
  cause?: RebuildCause | null;
}

const BATCH = 1000;

/**
 * When more changes are pending than this fraction of the indexed items, a sync rebuilds
 * instead: replacing most vectors one by one costs more than building afresh.
 */
export const REBUILD_FRACTION = 0.5;

/**
 * One opened index: its plugin instance plus the catalog state, and the build/sync logic.
 *
 * Crash safety rests on two facts: the plugin saves atomically, and the catalog cursor is
 * written only after a save. A crash between the two leaves files newer than the cursor; the
 * next sync replays those changes, which is harmless because the feed holds each item's latest
 * state (an upsert replays the same vector, a delete of an absent key is a no-op).
 *
 * Two processes syncing the same index can interleave the other way too: one saves files at an
 * older position after the other saved newer ones, and the catalog ends with the newer cursor.
 * So `save` is told the cursor, plugins keep it with their files, and `open` continues from the
 * cursor of the files it actually loaded.
 */
export class IndexRuntime {
  readonly definition: IndexDefinition;
  readonly #backend: StorageBackend;
  readonly #index: VectorIndex;
  /** The plugin says the store keeps the index current itself (see `maintainedByStore`). */
  readonly #maintainedByStore: boolean;
  #state: IndexSyncState | null;
  /** Why this process last rebuilt the index instead of loading or syncing it, if it did. */
  lastRebuildReason: string | null = null;
  /** `lastRebuildReason` as a code. */
  lastRebuildCause: RebuildCause | null = null;
  /** A head cursor at which no change of these collections was pending (see `pending`). */
  #cleanHead: ChangeCursor | null = null;
  /** A store change token under which nothing was pending (see `pending`). */
  #cleanToken: string | null = null;

  private constructor(
    definition: IndexDefinition,
    backend: StorageBackend,
    index: VectorIndex,
    state: IndexSyncState | null,
    maintainedByStore: boolean,
  ) {
    this.definition = definition;
    this.#backend = backend;
    this.#index = index;
    this.#maintainedByStore = maintainedByStore;
    this.#state = state;
  }

  /** Open the plugin instance and load its files; missing or corrupt files are rebuilt from the store. */
  static async open(
    definition: IndexDefinition,
    deps: { backend: StorageBackend; plugins: PluginRegistry; dataDir: string },
  ): Promise<{ runtime: IndexRuntime; rebuilt: string | null }> {
    const { backend } = deps;
    const first = await backend.getCollection(definition.collections[0] as string);
    if (first === null)
      throw new VecdexError('UNKNOWN_COLLECTION', `index "${definition.name}" covers a collection that no longer exists`);
    const directory = path.join(deps.dataDir, 'indexes', definition.name);
    const { movedAside } = await ensureIndexDirectory(directory, deps.dataDir);
    const plugin = deps.plugins.index(definition.plugin);
    // A compressed index: the plugin sees its own params, the reduced dimensions and the
    // precision; core wraps it to reduce vectors and rescore from the store's full vectors.
    const spec = readCompression(definition.params);
    const native = plugin.compressesNatively === true;
    const opened = await plugin.open({
      definition: spec === null ? definition : { ...definition, params: pluginParams(definition.params) },
      dimensions: native ? first.dimensions : (spec?.reduce?.dimensions ?? first.dimensions),
      metric: first.metric,
      directory,
      backend,
      ...(spec !== null ? { precision: spec.precision, calibration: spec.calibration, compression: spec } : {}),
    });
    const index =
      spec === null || isTrivial(spec) || native
        ? opened
        : new CompressedIndex(opened, spec, {
            name: definition.name,
            dimensions: first.dimensions,
            metric: first.metric,
            directory,
            backend,
          });
    const state = await backend.getIndexState(definition.name);
    const runtime = new IndexRuntime(definition, backend, index, state, plugin.maintainedByStore === true);
    if (state === null) return { runtime, rebuilt: null };
    if (await index.load(state.state)) {
      // The files know the cursor they were saved at (plugins that record it). Another process
      // may have saved them after this catalog cursor was written, at an older or newer
      // position: continue from the files' own cursor, so a sync replays whatever they lack
      // (replaying is harmless: the feed holds each item's latest state).
      const filesCursor = index.stats().cursor;
      if (filesCursor !== undefined && filesCursor !== state.cursor) runtime.#state = { ...state, cursor: filesCursor };
      return { runtime, rebuilt: null };
    }
    await runtime.build();
    const reason = index.stats().lastLoadProblem;
    runtime.lastRebuildCause = movedAside === null ? 'damaged-files' : 'directory-was-file';
    runtime.lastRebuildReason =
      movedAside === null
        ? `index files were missing or failed verification${typeof reason === 'string' ? ` (${reason})` : ''}`
        : `the index directory was a plain file (moved aside to ${movedAside})`;
    return { runtime, rebuilt: runtime.lastRebuildReason };
  }

  get built(): boolean {
    return this.#state !== null;
  }

  get state(): IndexSyncState | null {
    return this.#state;
  }

  get index(): VectorIndex {
    return this.#index;
  }

  /** Build from every item of the collections, then record the cursor taken *before* the scan. */
  async build(onProgress?: ProgressFn): Promise<void> {
    const collections = this.definition.collections;
    const head = await this.#backend.headCursor();
    let total = 0;
    for (const c of collections) total += await this.#backend.count(c);
    await this.#index.build(streamEntries(this.#backend, collections, BATCH), {
      onProgress: (done) => onProgress?.({ phase: 'build', done, total }),
      expectedCount: total,
    });
    await this.#commit(head);
  }

  /** Apply the changes committed since the cursor; rebuild instead when the plugin asks to compact. */
  async sync(onProgress?: ProgressFn): Promise<SyncResult> {
    if (this.#state === null) {
      await this.build(onProgress);
      return this.#rebuilt(0, 'never-built', 'the index had never been built');
    }
    if (this.#maintainedByStore) {
      // The store already indexed every write: nothing to apply, never a reason to rebuild.
      const head = await this.#backend.headCursor();
      if (head !== this.#state.cursor) await this.#commit(head);
      return { applied: 0, rebuilt: null };
    }
    try {
      return await this.#syncChanges(onProgress);
    } catch (err) {
      if (!isVecdexError(err, 'CURSOR_EXPIRED')) throw err;
      // Tombstones this index had not applied yet were pruned: only a full build is correct now.
      await this.build(onProgress);
      return this.#rebuilt(0, 'cursor-expired', "the change feed's tombstones were pruned past the index's cursor");
    }
  }

  async #syncChanges(onProgress: ProgressFn | undefined): Promise<SyncResult> {
    const state = this.#state as IndexSyncState;
    const collections = this.definition.collections;
    let cursor = state.cursor;
    const total = await this.#backend.countChanges(collections, cursor);
    const indexed = this.#index.stats().items;
    if (total > 1000 && total > indexed * REBUILD_FRACTION) {
      await this.build(onProgress);
      return this.#rebuilt(
        0,
        'pending-fraction',
        `${total} pending changes exceed ${REBUILD_FRACTION * 100}% of the ${indexed} indexed items`,
      );
    }
    let applied = 0;
    for (;;) {
      const batch = await this.#backend.readChanges({ collections, after: cursor, limit: BATCH });
      if (batch.changes.length > 0) await this.#index.apply(toIndexChanges(batch.changes));
      applied += batch.changes.length;
      cursor = batch.cursor;
      onProgress?.({ phase: 'sync', done: applied, total: Math.max(total, applied) });
      // Stop at what was pending when the sync began, so steady writers cannot keep it running forever.
      if (batch.done || batch.changes.length === 0 || applied >= total) break;
    }
    const after = this.#index.stats();
    if (after.needsCompaction === true) {
      await this.build(onProgress);
      // A plugin may say why (a FAISS index asks to retrain when its data outgrew its training set).
      return this.#rebuilt(
        applied,
        'compaction',
        typeof after.rebuildReason === 'string' ? after.rebuildReason : 'the deleted fraction passed the compaction threshold',
      );
    }
    if (applied > 0 || cursor !== state.cursor) await this.#commit(cursor);
    return { applied, rebuilt: null };
  }

  /**
   * Changes of the index's collections committed after its cursor. Asked before every search, so
   * the common answers are cheap: the store's head cursor (one tiny read) equal to the index's
   * cursor, or equal to a head at which nothing was pending (writes to other collections move the
   * head without concerning this index), means 0 without counting. A head cursor is positioned
   * after every committed change, so while it stays the same, nothing new was committed.
   * An index the store maintains itself (`maintainedByStore`) is never behind once built.
   *
   * `token`, the store's change token read before the query's first store read
   * (`StorageBackend.changeToken`), skips even the head cursor: equal to a token under which
   * nothing was pending, nothing was committed since, so nothing is pending now. The index
   * only moves ahead by this process's syncs (whose catalog write changes the token), so it
   * stays current for that token; one read after it and found current is current under it.
   */
  async pending(token?: string): Promise<number> {
    const state = this.#state;
    if (state === null) return this.#backend.countChanges(this.definition.collections, null);
    if (this.#maintainedByStore) return 0; // the store updates it with every write
    if (token !== undefined && token === this.#cleanToken) return 0;
    const head = await this.#backend.headCursor();
    if (head === state.cursor || (head !== null && head === this.#cleanHead)) {
      if (token !== undefined && this.#state === state) this.#cleanToken = token;
      return 0;
    }
    let count: number;
    try {
      count = await this.#backend.countChanges(this.definition.collections, state.cursor);
    } catch (err) {
      if (!isVecdexError(err, 'CURSOR_EXPIRED')) throw err;
      // Tombstones were pruned past the cursor: everything is to be redone (sync rebuilds).
      return Math.max(1, await this.#backend.countChanges(this.definition.collections, null));
    }
    if (count === 0 && this.#state === state) {
      this.#cleanHead = head;
      if (token !== undefined) this.#cleanToken = token;
    }
    return count;
  }

  /**
   * `pending(token)` is 0 without reading anything: the index was found current under this
   * change token (the per-query fast path; see `pending`).
   */
  currentAt(token: string | undefined): boolean {
    return token !== undefined && token === this.#cleanToken && this.#state !== null;
  }

  search(vector: Float32Array, options: IndexSearchOptions): Promise<IndexHit[]> {
    return this.#index.search(vector, options);
  }

  /** The plugin's `searchMany` when it has one, else its `search` for each query in turn. */
  async searchMany(vectors: readonly Float32Array[], options: IndexSearchOptions): Promise<IndexHit[][]> {
    const index = this.#index;
    if (typeof index.searchMany === 'function') return index.searchMany(vectors, options);
    const out: IndexHit[][] = new Array(vectors.length);
    for (let i = 0; i < vectors.length; i++) out[i] = await index.search(vectors[i] as Float32Array, options);
    return out;
  }

  async close(): Promise<void> {
    await this.#index.close();
  }

  async drop(): Promise<void> {
    await this.#index.drop();
  }

  #rebuilt(applied: number, cause: RebuildCause, reason: string): SyncResult {
    this.lastRebuildCause = cause;
    this.lastRebuildReason = reason;
    return { applied, rebuilt: reason, cause };
  }

  async #commit(cursor: string | null): Promise<void> {
    const pluginState = await this.#index.save({ cursor });
    const state: IndexSyncState = { cursor, state: pluginState, updatedAt: Date.now() };
    await this.#backend.putIndexState(this.definition.name, state);
    this.#state = state;
    this.#cleanHead = null;
    this.#cleanToken = null;
  }
}
