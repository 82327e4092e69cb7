import {
  VecdexError,
  validateK,
  type IndexChange,
  type IndexContext,
  type IndexEntry,
  type IndexHit,
  type IndexSaveOptions,
  type IndexSearchOptions,
  type IndexStats,
  type IndexVerification,
  type JsonValue,
  type VectorIndex,
} from '@vecdex/core';
import path from 'node:path';
import { IndexVectors, LabelMap, PendingChanges, catalogState, savedBytes, verificationOf } from '@vecdex/core/plugin-kit';
import { type ApplyProgress, type VectorShape, applyChanges, toNativeVector } from './hnsw-apply.js';
import { checkHnswFile } from './hnsw-file-check.js';
import { HNSW_FILES, type HnswManifest } from './hnsw-files.js';
import { paramsToJson, queryEf, threadsFor, type HnswParams } from './hnsw-params.js';
import {
  type BindingLike,
  HNSWLIB_NODE_VERSION,
  type HnswSpace,
  type HnswlibBinding,
  type NativeHnsw,
  type NativeVector,
  completeBinding,
} from './load-hnswlib.js';
import { efFor, searchNative } from './hnsw-search.js';
import { fromNativeDistance } from './native-distance.js';
import { type SavedFiles, SearchWorkers } from './search-workers.js';
import { type ReadResult, expectedFile, readVerifiedIndex, verifySavedFiles } from './read-index.js';

/**
 * A `VectorIndex` on hnswlib's HNSW graph, in process memory, persisted by `save()`.
 *
 * - Labels are slots: a key keeps its label while it lives; a deleted key's slot is a tombstone
 *   (`markDelete`) whose label the next new key reuses in place (see `LabelMap`).
 * - An upsert of a live key replaces its vector in place (`addPoint` on an existing label is
 *   hnswlib's `updatePoint`): no tombstone, no new slot.
 * - Capacity doubles before an add would exceed it (`resizeIndex`).
 * - A save after a few changes appends them as a journal (the plugin kit's `appendJournal`)
 *   instead of rewriting the graph; a load replays them (see `journalFiles`).
 * - `build` and `load` prepare a new native index and swap it in only when complete, so searches
 *   meanwhile see the previous one; mutations and saves run one at a time.
 */
export class HnswIndex implements VectorIndex {
  readonly #binding: HnswlibBinding;
  readonly #context: IndexContext;
  readonly #params: HnswParams;
  readonly #space: HnswSpace;
  /**
   * A reusable vector on its way into the binding (which copies it at once): a `Float32Array`
   * for vecdex's native build, a `number[]` for hnswlib-node, which reads it element by element
   * (`napi_get_element`; measured here, a double array, a small-integer one and a fresh
   * `Array.from` per query cost the same, within 3 % on 784-d Fashion-MNIST queries).
   */
  readonly #scratch: NativeVector;
  readonly #shape: VectorShape;
  #native: NativeHnsw | null;
  #labels = new LabelMap();
  #queue: Promise<unknown> = Promise.resolve();
  #generation = 0;
  #bytesOnDisk: number | undefined;
  #lastLoadProblem: string | null = null;
  /** The feed cursor of the files last saved or loaded (undefined: not recorded). */
  #cursor: string | null | undefined = undefined;
  /** The saved files the in-memory index equals (null once changed since its save or load). */
  #cleanFiles: SavedFiles | null = null;
  #workers: SearchWorkers | null = null;
  /** The manifest the files were last saved or loaded as (null: none, or a build since). */
  #saved: HnswManifest | null = null;
  /**
   * An `apply` in flight (null: none). With the native build it inserts off this thread, and
   * hnswlib's inserts are not safe beside a search: searches wait for it (they waited as long
   * when `apply` ran on this thread).
   */
  #applying: Promise<void> | null = null;
  /** Changes applied since: the next save appends them as a journal when they fit its budget. */
  readonly #pending: PendingChanges;

  constructor(binding: BindingLike, context: IndexContext, params: HnswParams, space: HnswSpace) {
    this.#binding = completeBinding(binding);
    this.#context = context;
    this.#params = params;
    this.#space = space;
    this.#scratch = this.#binding.vector(context.dimensions);
    this.#shape = { dimensions: context.dimensions, metric: context.metric, name: context.definition.name };
    this.#pending = new PendingChanges(context.dimensions);
    this.#native = this.#create(params.initialCapacity);
  }

  build(source: AsyncIterable<IndexEntry[]>, options: { onProgress?: (done: number) => void } = {}): Promise<void> {
    return this.#exclusive(async () => {
      this.#cleanFiles = null;
      const native = this.#create(this.#params.initialCapacity);
      const labels = new LabelMap();
      const threads = threadsFor(this.#params);
      let done = 0;
      for await (const batch of source) {
        await applyChanges(
          native,
          labels,
          batch.map((entry) => ({ op: 'upsert', ...entry })),
          this.#scratch,
          this.#shape,
          threads,
        );
        done += batch.length;
        options.onProgress?.(done);
      }
      this.#native = native;
      this.#labels = labels;
      this.#pending.lose();
    });
  }

  /** Check the saved files as `load` does before reading them, without loading or writing (`vecdex doctor`). */
  async verify(state: { [key: string]: JsonValue }): Promise<IndexVerification> {
    return verificationOf(await verifySavedFiles(this.#context, this.#params, state, { deep: false }));
  }

  apply(changes: readonly IndexChange[]): Promise<void> {
    return this.#exclusive(async () => {
      const native = this.#open();
      this.#cleanFiles = null;
      const started = performance.now();
      const progress: ApplyProgress = { done: 0 };
      const applying = applyChanges(
        native,
        this.#labels,
        changes,
        this.#scratch,
        this.#shape,
        threadsFor(this.#params),
        progress,
      );
      this.#applying = applying;
      try {
        await applying;
      } finally {
        this.#applying = null;
        // A change that threw (a bad vector) changed nothing; the ones before it are applied.
        const { done } = progress;
        this.#pending.add(done === changes.length ? changes : changes.slice(0, done), (performance.now() - started) / 1000);
      }
    });
  }

  async search(query: Float32Array, options: IndexSearchOptions): Promise<IndexHit[]> {
    if (this.#applying !== null) await this.#applyDone();
    const native = this.#open();
    const labels = this.#labels;
    const k = validateK(options.k);
    const ef = queryEf(options.params, this.#params.efSearch);
    const vector = this.#toScratch(query);
    const want = Math.min(k, labels.live);
    if (want === 0) return [];
    const hits = searchNative(native, labels, this.#context.metric, vector, want, ef, options.allow);
    if (hits.length >= want || labels.free === 0) return hits;
    // Tombstones are still traversed, so a search can come back short (PITFALLS); ask once more
    // for k plus the tombstone count, which also widens ef.
    const wider = Math.min(labels.slots, want + labels.free);
    return searchNative(native, labels, this.#context.metric, vector, wider, Math.max(ef, wider), options.allow).slice(0, want);
  }

  /**
   * Many queries: with `searchWorkers` > 0 and the index unchanged since its last save or load,
   * the worker threads (each its own copy of that file) and this thread take queries from one
   * shared counter until none is left (so the share of each follows the CPU it gets); otherwise,
   * or with `allow`, one query at a time here.
   */
  async searchMany(queries: readonly Float32Array[], options: IndexSearchOptions): Promise<IndexHit[][]> {
    const file = this.#cleanFiles;
    const workers = this.#searchWorkers();
    const ready = workers?.ready ?? 0;
    const n = queries.length;
    if (workers === null || file === null || ready === 0 || options.allow !== undefined || n < 4 * (ready + 1)) {
      return this.#searchEach(queries, options);
    }
    const labels = this.#labels;
    const k = validateK(options.k);
    const ef = queryEf(options.params, this.#params.efSearch);
    const want = Math.min(k, labels.live);
    if (want === 0) return queries.map(() => []);
    const dims = this.#context.dimensions;
    const vectors = new IndexVectors(this.#context);
    const shared = (bytes: number) => new SharedArrayBuffer(bytes);
    const rows = new Float32Array(shared(n * dims * 4));
    for (let i = 0; i < n; i++) vectors.copy(queries[i] as Float32Array, rows, i * dims);
    const next = new Int32Array(shared(4));
    const counts = new Int32Array(shared(n * 4)).fill(-1);
    const found = new Float64Array(shared(n * want * 8));
    const distances = new Float32Array(shared(n * want * 4));
    const remote = workers.search({ queries: rows, next, k: want, ef, labels: found, distances, counts }).catch(() => null);
    const out: (IndexHit[] | undefined)[] = new Array(n);
    for (;;) {
      const q = Atomics.add(next, 0, 1);
      if (q >= n) break;
      out[q] = await this.search(queries[q] as Float32Array, options);
    }
    const replies = await remote;
    // A change meanwhile (or a failed worker): the workers' answers no longer fit the labels.
    const trusted = replies !== null && this.#cleanFiles === file;
    const metric = this.#context.metric;
    for (let q = 0; q < n; q++) {
      if (out[q] !== undefined) continue;
      const c = counts[q] as number;
      if (!trusted || c < 0) {
        out[q] = await this.search(queries[q] as Float32Array, options);
        continue;
      }
      const hits: IndexHit[] = [];
      for (let j = 0; j < c; j++) {
        const key = labels.keyOf(found[q * want + j] as number);
        if (key !== null)
          hits.push({
            collection: key.collection,
            id: key.id,
            distance: fromNativeDistance(metric, distances[q * want + j] as number),
          });
      }
      // Short (tombstones traversed): this thread retries with the wider search.
      out[q] = hits.length < want && labels.free > 0 ? await this.search(queries[q] as Float32Array, options) : hits;
    }
    return out as IndexHit[][];
  }

  async #searchEach(queries: readonly Float32Array[], options: IndexSearchOptions): Promise<IndexHit[][]> {
    const out: IndexHit[][] = new Array(queries.length);
    for (let i = 0; i < queries.length; i++) out[i] = await this.search(queries[i] as Float32Array, options);
    return out;
  }

  /** The workers for the current clean files (started on first use; stale ones stopped). */
  #searchWorkers(): SearchWorkers | null {
    const count = this.#params.searchWorkers;
    const files = this.#cleanFiles;
    if (count === 0 || files === null) return null;
    if (this.#workers?.files !== files) {
      void this.#workers?.close();
      this.#workers = new SearchWorkers(files, this.#space, this.#shape, count, this.#params.updateNeighborProbability);
    }
    return this.#workers;
  }

  async #stopWorkers(): Promise<void> {
    const workers = this.#workers;
    this.#workers = null;
    await workers?.close();
  }

  save(options?: IndexSaveOptions): Promise<{ [key: string]: JsonValue }> {
    return this.#exclusive(async () => {
      const native = this.#open();
      const { directory, definition, metric, dimensions } = this.#context;
      const labels = this.#labels;
      const fields = {
        definition: { name: definition.name, createdAt: definition.createdAt },
        metric,
        dimensions,
        params: paramsToJson(this.#params),
        items: labels.live,
        deleted: labels.free,
        capacity: native.getMaxElements(),
        hnswlibNode: HNSWLIB_NODE_VERSION,
        ...(options !== undefined ? { cursor: options.cursor } : {}),
      };
      // A few changes since the graph was written whole: append them, unless replaying the
      // journal on load would outgrow its budget (then the whole graph is written again).
      const manifest = await HNSW_FILES.saveIncrementally(directory, {
        saved: this.#saved,
        pending: this.#pending,
        budget: { maxFiles: this.#params.journalFiles },
        fields,
        whole: async () =>
          HNSW_FILES.save(directory, {
            generation: Math.max(this.#generation + 1, await HNSW_FILES.nextGeneration(directory)),
            labels,
            write: (file) => native.writeIndex(file),
            // hnswlib's saveIndex does not check its writes: a short file (disk full) shows up here.
            check: (file) => checkHnswFile(file, expectedFile(this.#params, dimensions, labels.slots), { deep: false }),
            fields,
          }),
      });
      this.#saved = manifest;
      this.#generation = manifest.generation;
      this.#cursor = manifest.cursor;
      this.#bytesOnDisk = savedBytes(manifest);
      this.#cleanFiles = keepIfSame(this.#cleanFiles, savedFiles(directory, manifest));
      return catalogState(manifest);
    });
  }

  load(state: { [key: string]: JsonValue }): Promise<boolean> {
    return this.#exclusive(async () => {
      this.#open();
      const read = await readVerifiedIndex(this.#binding, this.#space, this.#context, this.#params, state).catch(
        (e: unknown): ReadResult => ({ ok: false, reason: `unexpected error: ${(e as Error)?.message ?? String(e)}` }),
      );
      this.#lastLoadProblem = read.ok ? null : read.reason;
      if (!read.ok) return false;
      this.#native = read.native;
      this.#labels = read.labels;
      this.#cleanFiles = savedFiles(this.#context.directory, read.manifest);
      this.#generation = read.manifest.generation;
      this.#cursor = read.manifest.cursor;
      this.#bytesOnDisk = savedBytes(read.manifest);
      this.#saved = read.manifest;
      this.#pending.reset();
      return true;
    });
  }

  stats(): IndexStats {
    const labels = this.#labels;
    return {
      items: labels.live,
      deleted: labels.free,
      bytesOnDisk: this.#bytesOnDisk,
      capacity: this.#native?.getMaxElements() ?? 0,
      slots: labels.slots,
      M: this.#params.M,
      efConstruction: this.#params.efConstruction,
      efSearch: this.#params.efSearch,
      compactThreshold: this.#params.compactThreshold,
      searchWorkers: this.#params.searchWorkers,
      buildThreads: threadsFor(this.#params),
      binding: this.#binding.name,
      nativeSkipped: this.#binding.nativeSkipped,
      searchWorkersReady: this.#workers?.files === this.#cleanFiles ? (this.#workers?.ready ?? 0) : 0,
      journalFiles: this.#params.journalFiles,
      needsCompaction: this.needsCompaction(),
      generation: this.#generation,
      lastLoadProblem: this.#lastLoadProblem,
      ...(this.#cursor !== undefined ? { cursor: this.#cursor } : {}),
    };
  }

  /** True once tombstones exceed `compactThreshold` of all slots: core should rebuild. */
  needsCompaction(): boolean {
    const { live, free } = this.#labels;
    return free > 0 && free / (live + free) > this.#params.compactThreshold;
  }

  drop(): Promise<void> {
    return this.#exclusive(async () => {
      await this.#stopWorkers();
      await HNSW_FILES.remove(this.#context.directory);
      this.#bytesOnDisk = undefined;
    });
  }

  close(): Promise<void> {
    return this.#exclusive(async () => {
      // hnswlib-node frees native memory when the object is collected; drop our references.
      await this.#stopWorkers();
      this.#native = null;
      this.#labels = new LabelMap();
    });
  }

  /** A query into the scratch array (see `#scratch`), checked and, for cosine, normalised. */
  #toScratch(vector: ArrayLike<number>): NativeVector {
    return toNativeVector(vector, this.#scratch, this.#shape);
  }

  #create(capacity: number): NativeHnsw {
    const native = new this.#binding.HierarchicalNSW(this.#space, this.#context.dimensions);
    const { M, efConstruction, randomSeed, efSearch } = this.#params;
    // allowReplaceDeleted stays false: with it, hnswlib's addPoint would move a label onto an
    // arbitrary tombstone and drop that tombstone's old label from its lookup, which breaks a
    // label later reused (see README). We revive a label's own tombstone instead.
    native.initIndex(capacity, M, efConstruction, randomSeed, false);
    native.setUpdateNeighborProbability?.(this.#params.updateNeighborProbability);
    efFor(native, efSearch);
    return native;
  }

  /** Until no `apply` is in flight (one may start as another ends). */
  async #applyDone(): Promise<void> {
    while (this.#applying !== null) await this.#applying.catch(() => undefined);
  }

  #open(): NativeHnsw {
    if (this.#native === null) {
      throw new VecdexError('STORE_CLOSED', `hnswlib index "${this.#context.definition.name}" is closed`);
    }
    return this.#native;
  }

  /** Run mutations, saves and loads one at a time (a native write must not overlap a resize). */
  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

/** `current` when it names the same files as `next` (a save of the cursor alone): the workers reading them stay. */
function keepIfSame(current: SavedFiles | null, next: SavedFiles): SavedFiles {
  const same =
    current !== null &&
    current.index === next.index &&
    current.labels === next.labels &&
    current.journal.length === next.journal.length &&
    current.journal.every((f, i) => f === next.journal[i]);
  return same ? current : next;
}

/** The files a manifest names, as search workers read them (the graph, then the journals replayed). */
function savedFiles(directory: string, manifest: HnswManifest): SavedFiles {
  return {
    index: path.join(directory, manifest.files.index.name),
    labels: path.join(directory, manifest.files.labels.name),
    journal: (manifest.journal ?? []).map((j) => path.join(directory, j.name)),
  };
}
