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
  type JsonValue,
  type VectorIndex,
  type IndexVerification,
} from '@vecdex/core';
import { IndexVectors, LabelMap, PendingChanges, catalogState, savedBytes, verificationOf } from '@vecdex/core/plugin-kit';
import { addVectors } from './add-vectors.js';
import { applyChanges } from './apply-changes.js';
import { USEARCH_VERSION, type NativeUsearch, type UsearchBinding, type UsearchConfig } from './load-usearch.js';
import { checkUsearchFile, referenceFor } from './usearch-file-check.js';
import { USEARCH_FILES, type UsearchManifest } from './usearch-files.js';
import { type UsearchParams, paramsToJson, queryExpansion } from './usearch-params.js';
import { readVerifiedIndex, verifySavedFiles, type ReadResult } from './read-index.js';
import { collectHits, searchFiltered } from './usearch-search.js';

/** Vectors per native `add` call during a build: each call uses every thread, memory stays bounded. */
const ADD_CHUNK = 16_384;
/**
 * A `VectorIndex` on usearch's HNSW (in process memory, persisted by `save()`), whose builds,
 * batch applies and batch searches run on `threads` threads (default: every core).
 *
 * - Keys are labels (`LabelMap`, from the plugin kit) as BigUint64: a removed key's label is
 *   freed and taken by the next new key; usearch reuses the removed node's slot itself.
 * - An upsert of a live key is `remove` + `add` under the same label (usearch has no update).
 * - The index is created with `expansion_search` 1 and every search asks for
 *   max(k, efSearch) matches, keeping the first k: usearch's search uses max(expansion, wanted),
 *   so this is efSearch exactly, settable per query (the binding has no setter).
 * - usearch's `remove` does not repair the graph: after removals (an upsert of a live key is
 *   one), some live nodes can become unreachable (measured: 1–2 of 60 nodes in 3% of runs after
 *   five rounds of 30% churn). Removals since the last build are counted (`removedSinceBuild`,
 *   kept in the manifest) and `needsCompaction` asks core for a rebuild once they pass
 *   `compactThreshold` of the live entries.
 * - `allow` is applied to oversampled candidates (the binding has no filtered search): asked
 *   for k / selectivity · 1.5, widened ×4 while short, up to the whole index.
 */
export class UsearchIndex implements VectorIndex {
  readonly #binding: UsearchBinding;
  readonly #context: IndexContext;
  readonly #params: UsearchParams;
  readonly #config: UsearchConfig;
  readonly #vectors: IndexVectors;
  readonly #query: Float32Array;
  #native: NativeUsearch | null;
  #labels = new LabelMap();
  #queue: Promise<unknown> = Promise.resolve();
  #generation = 0;
  #bytesOnDisk: number | undefined;
  #lastLoadProblem: string | null = null;
  #cursor: string | null | undefined = undefined;
  #removedSinceBuild = 0;
  /** The manifest the files were last saved or loaded as (null: none, or a build since). */
  #saved: UsearchManifest | null = null;
  /** Changes applied since: the next save appends them as a journal when they fit its budget. */
  readonly #pending: PendingChanges;

  constructor(binding: UsearchBinding, context: IndexContext, params: UsearchParams, config: UsearchConfig) {
    this.#binding = binding;
    this.#context = context;
    this.#params = params;
    this.#config = config;
    this.#vectors = new IndexVectors(context);
    this.#query = new Float32Array(context.dimensions);
    this.#native = new binding.Index(config);
    this.#pending = new PendingChanges(context.dimensions);
  }

  build(source: AsyncIterable<IndexEntry[]>, options: { onProgress?: (done: number) => void } = {}): Promise<void> {
    return this.#exclusive(async () => {
      this.#open();
      const native = new this.#binding.Index(this.#config);
      const labels = new LabelMap();
      const dims = this.#context.dimensions;
      let keys = new BigUint64Array(ADD_CHUNK);
      let data = new Float32Array(ADD_CHUNK * dims);
      let n = 0;
      let done = 0;
      const flush = () => {
        if (n > 0) addVectors(native, keys.subarray(0, n), data.subarray(0, n * dims), dims, this.#params.threads);
        n = 0;
      };
      for await (const batch of source) {
        for (const entry of batch) {
          const existing = labels.get(entry.collection, entry.id);
          if (existing !== undefined) {
            // The same key twice in one build (the store yields each once; be safe): the last wins.
            flush();
            native.remove(BigUint64Array.of(BigInt(existing)));
            labels.release(entry.collection, entry.id);
          }
          this.#vectors.copy(entry.vector, data, n * dims, entry);
          keys[n++] = BigInt(labels.assignNext(entry.collection, entry.id));
          if (n === ADD_CHUNK) {
            flush();
            keys = new BigUint64Array(ADD_CHUNK);
            data = new Float32Array(ADD_CHUNK * dims);
          }
        }
        done += batch.length;
        options.onProgress?.(done);
      }
      flush();
      this.#native = native;
      this.#labels = labels;
      this.#removedSinceBuild = 0;
      this.#pending.lose();
    });
  }

  /** Check the saved files as `load` does before reading them, without loading or writing (`vecdex doctor`). */
  async verify(state: { [key: string]: JsonValue }): Promise<IndexVerification> {
    return verificationOf(
      await verifySavedFiles(this.#binding, this.#context, this.#params, this.#config, state, { deep: false }),
    );
  }

  apply(changes: readonly IndexChange[]): Promise<void> {
    return this.#exclusive(async () => {
      const native = this.#open();
      const started = performance.now();
      this.#removedSinceBuild += applyChanges(native, this.#labels, this.#vectors, changes, this.#params.threads);
      this.#pending.add(changes, (performance.now() - started) / 1000);
    });
  }

  async search(query: Float32Array, options: IndexSearchOptions): Promise<IndexHit[]> {
    const native = this.#open();
    const labels = this.#labels;
    const k = validateK(options.k);
    const ef = queryExpansion(options.params, this.#params.expansionSearch);
    this.#vectors.copy(query, this.#query);
    const want = Math.min(k, labels.live);
    if (want === 0) return [];
    const metric = this.#context.metric;
    if (options.allow !== undefined) {
      return searchFiltered(native, labels, metric, this.#query, want, ef, options.allow, options.selectivity);
    }
    const m = native.search(this.#query, Math.max(want, ef), 1);
    return collectHits(m.keys, m.distances, m.keys.length, labels, metric, want);
  }

  /** Many queries in one native call on `threads` threads (the `searchMany` of the contract). */
  async searchMany(queries: readonly Float32Array[], options: IndexSearchOptions): Promise<IndexHit[][]> {
    const native = this.#open();
    const labels = this.#labels;
    const k = validateK(options.k);
    const ef = queryExpansion(options.params, this.#params.expansionSearch);
    const want = Math.min(k, labels.live);
    if (want === 0 || queries.length === 0) return queries.map(() => []);
    const metric = this.#context.metric;
    if (options.allow !== undefined) {
      const out: IndexHit[][] = [];
      for (const q of queries) out.push(await this.search(q, options));
      return out;
    }
    const dims = this.#context.dimensions;
    const all = new Float32Array(queries.length * dims);
    for (let i = 0; i < queries.length; i++) this.#vectors.copy(queries[i] as Float32Array, all, i * dims);
    const wanted = Math.max(want, ef);
    const m = native.search(all, wanted, this.#params.threads);
    if (queries.length === 1) return [collectHits(m.keys, m.distances, m.keys.length, labels, metric, want)];
    const counts = m.counts as BigUint64Array;
    return queries.map((_, i) =>
      collectHits(
        m.keys.subarray(i * wanted, (i + 1) * wanted),
        m.distances.subarray(i * wanted, (i + 1) * wanted),
        Number(counts[i]),
        labels,
        metric,
        want,
      ),
    );
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
        usearch: USEARCH_VERSION,
        removedSinceBuild: this.#removedSinceBuild,
        ...(options !== undefined ? { cursor: options.cursor } : {}),
      };
      // A few changes since the files were written whole: append them, unless replaying the
      // journal on load would outgrow its budget (then the whole index is written again).
      const manifest = await USEARCH_FILES.saveIncrementally(directory, {
        saved: this.#saved,
        pending: this.#pending,
        budget: { maxFiles: this.#params.journalFiles },
        fields,
        whole: async () => {
          const generation = Math.max(this.#generation + 1, await USEARCH_FILES.nextGeneration(directory));
          const ref = await referenceFor(this.#binding, this.#config);
          return USEARCH_FILES.save(directory, {
            generation,
            labels,
            write: (file) => native.save(file),
            check: (file) => checkUsearchFile(file, ref, { dimensions, labels, deep: false }),
            fields,
          });
        },
      });
      this.#saved = manifest;
      this.#generation = manifest.generation;
      this.#cursor = manifest.cursor;
      this.#bytesOnDisk = savedBytes(manifest);
      return catalogState(manifest);
    });
  }

  load(state: { [key: string]: JsonValue }): Promise<boolean> {
    return this.#exclusive(async () => {
      this.#open();
      const read = await readVerifiedIndex(this.#binding, this.#context, this.#params, this.#config, state).catch(
        (e: unknown): ReadResult => ({ ok: false, reason: `unexpected error: ${(e as Error)?.message ?? String(e)}` }),
      );
      this.#lastLoadProblem = read.ok ? null : read.reason;
      if (!read.ok) return false;
      this.#native = read.native;
      this.#labels = read.labels;
      this.#generation = read.manifest.generation;
      this.#cursor = read.manifest.cursor;
      this.#removedSinceBuild = read.manifest.removedSinceBuild ?? 0;
      this.#bytesOnDisk = savedBytes(read.manifest);
      this.#saved = read.manifest;
      this.#pending.reset();
      return true;
    });
  }

  stats(): IndexStats {
    const labels = this.#labels;
    const needsCompaction = this.needsCompaction();
    return {
      ...(needsCompaction
        ? { rebuildReason: `${this.#removedSinceBuild} removals since the build (usearch does not repair its graph)` }
        : {}),
      items: labels.live,
      deleted: labels.free,
      bytesOnDisk: this.#bytesOnDisk,
      capacity: this.#native?.capacity() ?? 0,
      slots: labels.slots,
      removedSinceBuild: this.#removedSinceBuild,
      connectivity: this.#params.connectivity,
      expansionAdd: this.#params.expansionAdd,
      expansionSearch: this.#params.expansionSearch,
      dtype: this.#params.dtype,
      threads: this.#params.threads,
      compactThreshold: this.#params.compactThreshold,
      needsCompaction,
      generation: this.#generation,
      lastLoadProblem: this.#lastLoadProblem,
      ...(this.#cursor !== undefined ? { cursor: this.#cursor } : {}),
    };
  }

  /**
   * True once removals since the build exceed `compactThreshold` of the live entries (each may
   * have cut links usearch does not repair), or free slots exceed it of all slots: core rebuilds.
   */
  needsCompaction(): boolean {
    const { live, free } = this.#labels;
    const churn = this.#removedSinceBuild / Math.max(1, live);
    return churn > this.#params.compactThreshold || (free > 0 && free / (live + free) > this.#params.compactThreshold);
  }

  drop(): Promise<void> {
    return this.#exclusive(async () => {
      await USEARCH_FILES.remove(this.#context.directory);
      this.#bytesOnDisk = undefined;
    });
  }

  close(): Promise<void> {
    return this.#exclusive(async () => {
      // usearch frees native memory when the object is collected; drop our references.
      this.#native = null;
      this.#labels = new LabelMap();
    });
  }

  #open(): NativeUsearch {
    if (this.#native === null) {
      throw new VecdexError('STORE_CLOSED', `usearch index "${this.#context.definition.name}" is closed`);
    }
    return this.#native;
  }

  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
