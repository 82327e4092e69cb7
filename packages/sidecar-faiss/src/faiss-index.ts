import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  VecdexError,
  validateK,
  type IndexChange,
  type IndexContext,
  type IndexEntry,
  type IndexHit,
  type IndexKey,
  type IndexSaveOptions,
  type IndexSearchOptions,
  type IndexStats,
  type JsonValue,
  type VectorIndex,
  type IndexVerification,
} from '@vecdex/core';
import { type FaissParams, queryParams } from './faiss-params.js';
import { LabelMap, catalogState, verificationOf } from '@vecdex/core/plugin-kit';
import { checkFaissFile } from './faiss-file-check.js';
import { FAISS_FILES } from './faiss-files.js';
import { type IndexPlan, defaultNprobe, planIndex } from './index-plan.js';
import type { FaissBinding, NativeIndex } from './load-faiss.js';
import { patchSerialized, type Tuning } from './native-tuning.js';
import { searchNative } from './faiss-search.js';
import { exportIndex, type ExportResult } from './export-index.js';
import { readVerifiedIndex, verifySavedFiles, type ReadResult } from './read-index.js';
import { FAISS_NODE_VERSION } from './load-faiss.js';
import { VectorBuffer } from './vector-buffer.js';
import { needsRebuild } from './rebuild-reason.js';

/**
 * The most numbers a training sample holds: faiss-node trains on one `number[]`, and V8 arrays
 * stop at ~134M elements (2^26 here: 524,288 rows of 128-d, 87,381 of 768-d, 537 MB as doubles).
 */
const MAX_TRAIN_ELEMENTS = 2 ** 26;
/** Per-query tuned copies kept (IVF nprobe / HNSW efSearch other than the default). */
const MAX_VARIANTS = 2;

/** What one built or loaded FAISS index is: the native object, its labels and how it was made. */
export interface FaissState {
  native: NativeIndex;
  labels: LabelMap;
  plan: IndexPlan;
  /** Live vectors when it was trained (0: needed no training). */
  trainedCount: number;
}

/**
 * A `VectorIndex` on a FAISS index (faiss-node), in process memory, persisted by `save()`.
 *
 * - `build` reads every vector, picks the index (`planIndex`), trains on a sample when the
 *   index type needs it, sets nprobe / efSearch / efConstruction (`native-tuning.ts`), adds.
 * - `apply`: on `Flat`, removals are real (`removeIds`, labels renumbered); on every other type
 *   a removed or replaced entry becomes a tombstone and the new vector is appended.
 * - `stats().needsCompaction` asks core to rebuild when tombstones pass `compactThreshold`, when
 *   an index trained on n vectors now holds more than `retrainGrowth`·n, or when a stand-in
 *   `Flat` can now be replaced by the index the definition asks for; `rebuildReason` says which.
 * - `build` and `load` prepare a new state and swap it in when complete; mutations and saves
 *   run one at a time.
 */
export class FaissIndex implements VectorIndex {
  readonly #binding: FaissBinding;
  readonly #context: IndexContext;
  readonly #params: FaissParams;
  readonly #metricType: number;
  #state: FaissState | null;
  #variants = new Map<string, NativeIndex>();
  #version = 0;
  #queue: Promise<unknown> = Promise.resolve();
  #generation = 0;
  #bytesOnDisk: number | undefined;
  #lastLoadProblem: string | null = null;
  /** The feed cursor of the files last saved or loaded (undefined: not recorded). */
  #cursor: string | null | undefined = undefined;

  constructor(binding: FaissBinding, context: IndexContext, params: FaissParams) {
    this.#binding = binding;
    this.#context = context;
    this.#params = params;
    this.#metricType = context.metric === 'l2' ? binding.MetricType.METRIC_L2 : binding.MetricType.METRIC_INNER_PRODUCT;
    const plan = planIndex(params, 0);
    this.#state = { native: this.#create(plan.factory), labels: new LabelMap(), plan, trainedCount: 0 };
  }

  build(source: AsyncIterable<IndexEntry[]>, options: { onProgress?: (done: number) => void } = {}): Promise<void> {
    return this.#exclusive(async () => {
      this.#open();
      const keys: IndexKey[] = [];
      const vectors = this.#buffer();
      for await (const batch of source) {
        for (const entry of batch) {
          vectors.push(entry.vector, entry);
          keys.push({ collection: entry.collection, id: entry.id });
        }
        options.onProgress?.(keys.length);
      }
      this.#swap(await this.#fill(keys, vectors));
    });
  }

  /** Check the saved files as `load` does before reading them, without loading or writing (`vecdex doctor`). */
  async verify(state: { [key: string]: JsonValue }): Promise<IndexVerification> {
    return verificationOf(await verifySavedFiles(this.#context, this.#params, state));
  }

  apply(changes: readonly IndexChange[]): Promise<void> {
    return this.#exclusive(async () => {
      const state = this.#open();
      const { native, labels, plan } = state;
      // The feed holds one change per key; should a batch repeat a key, its last change wins.
      const last = new Map<string, IndexChange>();
      for (const c of changes) {
        const k = `${c.collection}\u0000${c.id}`;
        last.delete(k);
        last.set(k, c);
      }
      const adds = this.#buffer();
      const added: IndexKey[] = [];
      const removed: number[] = [];
      for (const change of last.values()) {
        if (change.op === 'upsert') {
          adds.push(change.vector, change);
          added.push(change);
        }
      }
      // Every vector is checked before the first native call, so a bad one changes nothing.
      for (const change of last.values()) {
        const label = labels.release(change.collection, change.id);
        if (label !== undefined) removed.push(label);
      }
      this.#invalidate();
      if (plan.removable && removed.length > 0) {
        const n = native.removeIds(removed);
        if (n !== removed.length) throw new Error(`FAISS removed ${n} of ${removed.length} entries`);
        labels.compact();
      }
      this.#add(native, adds);
      for (const key of added) labels.append(key.collection, key.id);
    });
  }

  async search(query: Float32Array, options: IndexSearchOptions): Promise<IndexHit[]> {
    let state = this.#open();
    const k = validateK(options.k);
    const q = this.#buffer();
    q.push(query);
    const vector = q.take();
    const want = Math.min(k, state.labels.live);
    if (want === 0) return [];
    const defaults = this.#defaults(state);
    const wanted = queryParams(options.params, defaults);
    let native = state.native;
    const tuning: Tuning = {};
    if (state.plan.nlist !== null && wanted.nprobe !== defaults.nprobe) tuning.nprobe = wanted.nprobe;
    if (state.plan.hnsw && wanted.efSearch !== defaults.efSearch) tuning.efSearch = Math.max(wanted.efSearch, want);
    if (Object.keys(tuning).length > 0) {
      const version = this.#version;
      const variant = await this.#variant(state, tuning);
      // A mutation meanwhile invalidated the copy: answer from the current index instead.
      if (version === this.#version) native = variant;
      state = this.#open();
    }
    return searchNative(
      native,
      state.labels,
      this.#context.metric,
      vector,
      want,
      options.allow,
      state.plan.nlist !== null,
      options.selectivity,
    );
  }

  save(options?: IndexSaveOptions): Promise<{ [key: string]: JsonValue }> {
    return this.#exclusive(async () => {
      const { native, labels, plan, trainedCount } = this.#open();
      const { directory, definition, metric, dimensions } = this.#context;
      const generation = Math.max(this.#generation + 1, await FAISS_FILES.nextGeneration(directory));
      let fourcc = '';
      const manifest = await FAISS_FILES.save(directory, {
        generation,
        labels,
        write: (file) => native.write(file),
        // FAISS throws on a failed write; a short file (disk full) still shows up here.
        check: (file) => {
          const data = file.data as Buffer;
          fourcc = data.subarray(0, 4).toString('latin1');
          return checkFaissFile(data, { dimensions, count: labels.slots, fourcc: null, nlist: plan.nlist });
        },
        fields: () => ({
          definition: { name: definition.name, createdAt: definition.createdAt },
          metric,
          dimensions,
          params: { ...this.#params },
          factory: plan.factory,
          wanted: plan.wanted,
          fourcc,
          trainedCount,
          items: labels.live,
          deleted: labels.free,
          faissNode: FAISS_NODE_VERSION,
          ...(options !== undefined ? { cursor: options.cursor } : {}),
        }),
      });
      this.#generation = generation;
      this.#cursor = manifest.cursor;
      this.#bytesOnDisk = manifest.files.index.bytes + manifest.files.labels.bytes;
      return { ...catalogState(manifest), factory: plan.factory };
    });
  }

  load(state: { [key: string]: JsonValue }): Promise<boolean> {
    return this.#exclusive(async () => {
      this.#open();
      const read = await readVerifiedIndex(this.#binding, this.#context, this.#params, state).catch(
        (e: unknown): ReadResult => ({ ok: false, reason: `unexpected error: ${(e as Error)?.message ?? String(e)}` }),
      );
      this.#lastLoadProblem = read.ok ? null : read.reason;
      if (!read.ok) return false;
      this.#swap(read.state);
      this.#generation = read.manifest.generation;
      this.#cursor = read.manifest.cursor;
      this.#bytesOnDisk = read.manifest.files.index.bytes + read.manifest.files.labels.bytes;
      return true;
    });
  }

  /** Write a plain FAISS index file (`write_index` format) plus `<file>.ids.json` (label → key). */
  export(file: string): Promise<ExportResult> {
    return this.#exclusive(async () => {
      const state = this.#open();
      return exportIndex(state, this.#context, file);
    });
  }

  stats(): IndexStats {
    const state = this.#state;
    const labels = state?.labels ?? new LabelMap();
    const reason = state === null ? null : needsRebuild(state, this.#params);
    const defaults = state === null ? null : this.#defaults(state);
    return {
      items: labels.live,
      deleted: labels.free,
      bytesOnDisk: this.#bytesOnDisk,
      slots: labels.slots,
      factory: state?.plan.factory ?? null,
      wantedFactory: state?.plan.wanted ?? null,
      factoryNote: state?.plan.note ?? null,
      nlist: state?.plan.nlist ?? null,
      nprobe: state?.plan.nlist != null ? (defaults?.nprobe ?? null) : null,
      efSearch: state?.plan.hnsw === true ? this.#params.efSearch : null,
      trainedCount: state?.trainedCount ?? 0,
      compactThreshold: this.#params.compactThreshold,
      needsCompaction: reason !== null,
      rebuildReason: reason,
      generation: this.#generation,
      lastLoadProblem: this.#lastLoadProblem,
      ...(this.#cursor !== undefined ? { cursor: this.#cursor } : {}),
    };
  }

  needsCompaction(): boolean {
    return this.#state !== null && needsRebuild(this.#state, this.#params) !== null;
  }

  drop(): Promise<void> {
    return this.#exclusive(async () => {
      await FAISS_FILES.remove(this.#context.directory);
      this.#bytesOnDisk = undefined;
    });
  }

  close(): Promise<void> {
    return this.#exclusive(async () => {
      // faiss-node frees native memory when the objects are collected; drop our references.
      this.#state = null;
      this.#invalidate();
    });
  }

  /** Build a state from all vectors: plan, create, train on a sample if needed, tune, add. */
  async #fill(keys: IndexKey[], vectors: VectorBuffer): Promise<FaissState> {
    const n = keys.length;
    const dims = this.#context.dimensions;
    const plan = planIndex(this.#params, n);
    let native = this.#create(plan.factory);
    let trainedCount = 0;
    if (!native.isTrained()) {
      // faiss-node trains on one `number[]`: at most MAX_TRAIN_ELEMENTS of them (V8's array limit), unless the index needs more.
      const rows = Math.max(plan.minTrain, Math.min(Math.ceil(this.#params.sample * n), Math.floor(MAX_TRAIN_ELEMENTS / dims)));
      native.train(vectors.sample(rows));
      trainedCount = n;
    }
    const tuning: Tuning = {};
    if (plan.nlist !== null) tuning.nprobe = defaultNprobe(this.#params, plan);
    if (plan.hnsw) Object.assign(tuning, { efSearch: this.#params.efSearch, efConstruction: this.#params.efConstruction });
    // Still empty: the serialized copy is small (centroids, codebooks).
    if (Object.keys(tuning).length > 0) native = await this.#tuned(native, tuning, plan);
    this.#add(native, vectors);
    const labels = new LabelMap();
    for (const key of keys) labels.append(key.collection, key.id);
    return { native, labels, plan, trainedCount };
  }

  /** Add the buffer's vectors (it is emptied), one native call per chunk of CHUNK_ROWS rows. */
  #add(native: NativeIndex, vectors: VectorBuffer): void {
    for (const chunk of vectors.takeChunks()) native.add(chunk);
  }

  /** A per-query tuned copy (nprobe / efSearch), kept while the index does not change. */
  async #variant(state: FaissState, tuning: Tuning): Promise<NativeIndex> {
    const key = JSON.stringify(tuning);
    const cached = this.#variants.get(key);
    if (cached !== undefined) return cached;
    const version = this.#version;
    const copy = await this.#tuned(state.native, tuning, state.plan);
    if (version === this.#version) {
      if (this.#variants.size >= MAX_VARIANTS) this.#variants.delete(this.#variants.keys().next().value as string);
      this.#variants.set(key, copy);
    }
    return copy;
  }

  /**
   * A copy of `native` with `tuning` written into its serialized form. Goes through a file:
   * faiss-node's `toBuffer` leaks its whole serialization buffer on every call.
   */
  async #tuned(native: NativeIndex, tuning: Tuning, plan: IndexPlan): Promise<NativeIndex> {
    const tmp = path.join(this.#context.directory, `tune.${process.pid}.${++tunedFiles}.tmp`);
    try {
      native.write(tmp);
      const buf = await readFile(tmp);
      if (!patchSerialized(buf, tuning, plan.nlist)) {
        throw new VecdexError(
          'NOT_SUPPORTED',
          `faiss index "${this.#context.definition.name}": cannot set ${Object.keys(tuning).join(', ')} on ${plan.factory}`,
        );
      }
      return this.#binding.Index.fromBuffer(buf);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  #defaults(state: FaissState): { nprobe: number; efSearch: number } {
    return { nprobe: defaultNprobe(this.#params, state.plan), efSearch: this.#params.efSearch };
  }

  #create(factory: string): NativeIndex {
    try {
      return this.#binding.Index.fromFactory(this.#context.dimensions, factory, this.#metricType);
    } catch (cause) {
      throw new VecdexError(
        'INVALID_ARGUMENT',
        `faiss index "${this.#context.definition.name}": FAISS refused the factory string "${factory}" for ${this.#context.dimensions}-d vectors (${(cause as Error).message.split('\n')[0]}); see the FAISS wiki "The index factory"`,
        { cause, details: { name: 'factory', factory } },
      );
    }
  }

  #buffer(): VectorBuffer {
    return new VectorBuffer(this.#context.dimensions, this.#context.metric, `index "${this.#context.definition.name}"`);
  }

  #swap(state: FaissState): void {
    this.#state = state;
    this.#invalidate();
  }

  #invalidate(): void {
    this.#version++;
    this.#variants.clear();
  }

  #open(): FaissState {
    if (this.#state === null) throw new VecdexError('STORE_CLOSED', `faiss index "${this.#context.definition.name}" is closed`);
    return this.#state;
  }

  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

let tunedFiles = 0;
