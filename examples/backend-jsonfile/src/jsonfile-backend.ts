import {
  METRICS,
  VecdexError,
  errors,
  filterPredicate,
  isVecdexError,
  type BackendCapabilities,
  type ChangeBatch,
  type ChangeCursor,
  type CollectionInfo,
  type CollectionPatch,
  type CollectionSpec,
  type ExactSearchRequest,
  type FilterNode,
  type IndexDefinition,
  type IndexSyncState,
  type NormalizedItem,
  type ReadChangesRequest,
  type ScanOptions,
  type SearchHit,
  type StorageBackend,
  type StoredItem,
} from '@vecdex/core';
import { countChanges, headCursor, readChanges } from './change-feed.js';
import { searchExact } from './exact-search.js';
import type { ResolvedOptions } from './jsonfile-options.js';
import { readSnapshot, writeSnapshot } from './snapshot-file.js';
import { type ItemRecord, StoreState } from './store-state.js';

const CAPABILITIES: BackendCapabilities = Object.freeze({
  metrics: METRICS,
  maxDimensions: 16_384,
  nativeIndexes: [],
  fullText: false,
  concurrentWriters: false,
});

/**
 * A `StorageBackend` that keeps everything in memory and persists it as one JSON snapshot.
 *
 * Every write call validates all its input first, then changes memory, then writes the snapshot
 * atomically; if the snapshot cannot be written, memory is reloaded from the file (still the
 * previous snapshot), so a failed call leaves nothing behind. Writes run one at a time. One
 * process per file: there is no locking between processes.
 */
export class JsonFileBackend implements StorageBackend {
  readonly name = 'jsonfile';
  readonly capabilities = CAPABILITIES;
  readonly #file: string;
  readonly #clock: () => number;
  #state: StoreState | null;
  #queue: Promise<unknown> = Promise.resolve();
  /** Set when memory could not be restored after a failed write: every call then fails. */
  #broken: VecdexError | null = null;

  private constructor(options: ResolvedOptions, state: StoreState) {
    this.#file = options.file;
    this.#clock = options.clock;
    this.#state = state;
  }

  static async open(options: ResolvedOptions): Promise<JsonFileBackend> {
    const snapshot = await readSnapshot(options.file);
    return new JsonFileBackend(options, snapshot === null ? new StoreState() : StoreState.fromSnapshot(snapshot));
  }

  // ---- collections -----------------------------------------------------------------------------

  createCollection(spec: Required<CollectionSpec>): Promise<CollectionInfo> {
    return this.#write((s) => {
      if (s.collections.has(spec.name)) throw errors.collectionExists(spec.name);
      if (!CAPABILITIES.metrics.includes(spec.metric))
        throw errors.unsupportedMetric(spec.metric, CAPABILITIES.metrics, this.name);
      const info: CollectionInfo = { ...spec, defaultIndex: null, createdAt: this.#clock() };
      s.collections.set(spec.name, info);
      s.items.set(spec.name, new Map());
      return { ...info };
    });
  }

  async getCollection(name: string): Promise<CollectionInfo | null> {
    const info = this.#open().collections.get(name);
    return info === undefined ? null : { ...info };
  }

  async listCollections(): Promise<CollectionInfo[]> {
    return [...this.#open().collections.values()].map((c) => ({ ...c }));
  }

  updateCollection(name: string, patch: CollectionPatch): Promise<CollectionInfo> {
    return this.#write((s) => {
      const info = this.#collection(s, name);
      const next = { ...info };
      if (patch.defaultIndex !== undefined) next.defaultIndex = patch.defaultIndex;
      if (patch.model !== undefined) next.model = patch.model;
      s.collections.set(name, next);
      return { ...next };
    });
  }

  deleteCollection(name: string): Promise<boolean> {
    return this.#write((s) => {
      if (!s.collections.delete(name)) return false;
      s.items.delete(name);
      for (const [key, e] of s.feed) if (e.collection === name) s.feed.delete(key);
      return true;
    });
  }

  // ---- items -----------------------------------------------------------------------------------

  upsert(collection: string, items: readonly NormalizedItem[]): Promise<void> {
    return this.#write((s) => {
      const { dimensions } = this.#collection(s, collection);
      // Validate the whole batch before touching anything: all or nothing.
      for (const item of items) {
        if (item.vector.length !== dimensions)
          throw errors.dimensionMismatch(collection, dimensions, item.vector.length, item.id);
      }
      const records = s.items.get(collection) as Map<string, ItemRecord>;
      const modified = this.#modified(s);
      for (const item of items) {
        records.set(item.id, {
          id: item.id,
          vector: Float32Array.from(item.vector),
          content: item.content,
          metadata: structuredClone(item.metadata),
          contentHash: item.contentHash ?? null,
          modified,
        });
        s.record('upsert', collection, item.id, modified);
      }
    });
  }

  async get(collection: string, ids: readonly string[], options: { vectors?: boolean } = {}): Promise<StoredItem[]> {
    const s = this.#open();
    this.#collection(s, collection);
    const records = s.items.get(collection) as Map<string, ItemRecord>;
    const out: StoredItem[] = [];
    for (const id of ids) {
      const r = records.get(id);
      if (r !== undefined) out.push(toStored(r, options.vectors !== false));
    }
    return out;
  }

  delete(collection: string, ids: readonly string[]): Promise<number> {
    return this.#write((s) => {
      this.#collection(s, collection);
      const records = s.items.get(collection) as Map<string, ItemRecord>;
      const present = [...new Set(ids)].filter((id) => records.has(id));
      if (present.length === 0) return 0;
      const modified = this.#modified(s);
      for (const id of present) {
        records.delete(id);
        s.record('delete', collection, id, modified);
      }
      return present.length;
    });
  }

  async count(collection: string, filter?: FilterNode | null): Promise<number> {
    const s = this.#open();
    this.#collection(s, collection);
    const records = s.items.get(collection) as Map<string, ItemRecord>;
    if (filter === undefined || filter === null) return records.size;
    const match = filterPredicate(filter);
    let n = 0;
    for (const r of records.values()) if (match(r.metadata)) n++;
    return n;
  }

  async *scan(collection: string, options: ScanOptions): AsyncIterable<StoredItem[]> {
    const s = this.#open();
    this.#collection(s, collection);
    // Records are replaced, never mutated: this array is a consistent snapshot.
    const records = [...(s.items.get(collection) as Map<string, ItemRecord>).values()];
    const match = filterPredicate(options.filter ?? null);
    const size = Math.max(1, Math.floor(options.batchSize));
    let batch: StoredItem[] = [];
    for (const r of records) {
      if (!match(r.metadata)) continue;
      batch.push(toStored(r, options.vectors !== false));
      if (batch.length === size) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }

  // ---- search ------------------------------------------------------------------------------------

  async searchExact(request: ExactSearchRequest): Promise<SearchHit[]> {
    const s = this.#open();
    for (const c of request.collections) {
      const { dimensions } = this.#collection(s, c);
      if (request.vector.length !== dimensions) throw errors.dimensionMismatch(c, dimensions, request.vector.length);
    }
    if (!CAPABILITIES.metrics.includes(request.metric))
      throw errors.unsupportedMetric(request.metric, CAPABILITIES.metrics, this.name);
    return searchExact(s, request);
  }

  // ---- change feed -------------------------------------------------------------------------------

  async readChanges(request: ReadChangesRequest): Promise<ChangeBatch> {
    return readChanges(this.#open(), request);
  }

  async countChanges(collections: readonly string[], after: ChangeCursor | null): Promise<number> {
    return countChanges(this.#open(), collections, after);
  }

  async headCursor(): Promise<ChangeCursor | null> {
    return headCursor(this.#open());
  }

  // ---- index catalog -----------------------------------------------------------------------------

  createIndexDefinition(definition: IndexDefinition): Promise<void> {
    return this.#write((s) => {
      if (s.indexes.has(definition.name)) {
        throw new VecdexError('INDEX_EXISTS', `index "${definition.name}" already exists`, {
          details: { index: definition.name },
        });
      }
      s.indexes.set(definition.name, structuredClone(definition));
    });
  }

  async getIndexDefinition(name: string): Promise<IndexDefinition | null> {
    const d = this.#open().indexes.get(name);
    return d === undefined ? null : structuredClone(d);
  }

  async listIndexDefinitions(): Promise<IndexDefinition[]> {
    return [...this.#open().indexes.values()].map((d) => structuredClone(d));
  }

  deleteIndexDefinition(name: string): Promise<boolean> {
    return this.#write((s) => {
      s.indexStates.delete(name);
      return s.indexes.delete(name);
    });
  }

  async getIndexState(name: string): Promise<IndexSyncState | null> {
    const st = this.#open().indexStates.get(name);
    return st === undefined ? null : structuredClone(st);
  }

  putIndexState(name: string, state: IndexSyncState): Promise<void> {
    return this.#write((s) => {
      s.indexStates.set(name, structuredClone(state));
    });
  }

  // ---- lifecycle ---------------------------------------------------------------------------------

  async close(): Promise<void> {
    if (this.#state === null) return;
    await this.#queue;
    this.#state = null;
  }

  // ---- internals ---------------------------------------------------------------------------------

  #open(): StoreState {
    if (this.#broken !== null && this.#state !== null) throw this.#broken;
    if (this.#state === null) {
      throw new VecdexError('STORE_CLOSED', `the jsonfile store ${this.#file} is closed; open it again`, {
        details: { file: this.#file },
      });
    }
    return this.#state;
  }

  #collection(s: StoreState, name: string): CollectionInfo {
    const info = s.collections.get(name);
    if (info === undefined) throw errors.unknownCollection(name, [...s.collections.keys()]);
    return info;
  }

  /** `modified` for a write: the clock, but never less than any earlier write's. */
  #modified(s: StoreState): number {
    s.lastModified = Math.max(s.lastModified, this.#clock());
    return s.lastModified;
  }

  /**
   * Memory back to the last saved snapshot (the file is only ever replaced whole). If even that
   * cannot be read, the instance refuses every further call rather than guess, so it can never
   * save a wrong state over the file.
   */
  async #reload(): Promise<void> {
    try {
      const previous = await readSnapshot(this.#file);
      this.#state = previous === null ? new StoreState() : StoreState.fromSnapshot(previous);
    } catch (cause) {
      this.#broken = new VecdexError(
        'BACKEND_FAILURE',
        `the jsonfile store ${this.#file} could not be read back after a failed write; open it again`,
        { cause, details: { file: this.#file } },
      );
    }
  }

  /**
   * Run one write: `change` validates, then mutates memory; then the snapshot is saved. If the
   * save fails, memory is reloaded from the file, which still holds the previous snapshot.
   */
  #write<T>(change: (s: StoreState) => T): Promise<T> {
    const run = this.#queue.then(async () => {
      const s = this.#open();
      let result: T;
      try {
        result = change(s);
      } catch (err) {
        // Our own refusals come before any change; anything else may have stopped half way.
        if (!isVecdexError(err)) await this.#reload();
        throw err;
      }
      try {
        await writeSnapshot(this.#file, s.toSnapshot());
      } catch (err) {
        await this.#reload();
        throw new VecdexError(
          'BACKEND_FAILURE',
          `could not write ${this.#file}: ${(err as Error).message}; nothing was changed`,
          {
            cause: err,
            details: { file: this.#file },
          },
        );
      }
      return result;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

function toStored(r: ItemRecord, vectors: boolean): StoredItem {
  const out: StoredItem = {
    id: r.id,
    content: r.content,
    metadata: structuredClone(r.metadata),
    contentHash: r.contentHash,
    modified: r.modified,
  };
  if (vectors) out.vector = Float32Array.from(r.vector);
  return out;
}
