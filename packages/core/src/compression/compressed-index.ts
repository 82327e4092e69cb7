import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type {
  IndexChange,
  IndexEntry,
  IndexHit,
  IndexSaveOptions,
  IndexSearchOptions,
  IndexStats,
  VectorIndex,
} from '../contracts/index-plugin.js';
import type { StorageBackend } from '../contracts/storage-backend.js';
import { VecdexError } from '../errors/vecdex-error.js';
import type { JsonValue } from '../model/item.js';
import type { Metric } from '../model/metric.js';
import { type FileRecord, fsyncPath, sha256, writeFileAtomic } from '../plugin-kit/atomic-files.js';
import { IndexVectors } from '../plugin-kit/index-vectors.js';
import { MAX_K, validateK } from '../validation/validate-k.js';
import type { CompressionSpec } from './compression-spec.js';
import type { PcaModel } from './pca.js';
import { bytesPerDimension } from './precision.js';
import { Reduction } from './reduction.js';
import { rescoreHits } from './rescore.js';

/** The catalog-state key the reduction's file record is kept under (stripped before the plugin's `load`). */
const STATE_KEY = '__reduction';
const PCA_FILE = 'reduction-pca.json';

export interface CompressedContext {
  name: string;
  /** The collection's (full) dimensions; the plugin was opened with the reduced ones. */
  dimensions: number;
  metric: Metric;
  directory: string;
  backend: StorageBackend;
}

/**
 * Core's side of a compressed index, wrapped around the plugin's instance: it reduces every
 * vector (items and queries) before the plugin sees it, fits and keeps the PCA projection, and
 * rescores: the plugin is asked for `k × oversample` candidates on its compact vectors, which
 * are re-ranked with the store's full vectors, so returned distances are exact. The plugin
 * stores its compact copy natively (its `precisions`); plugins without rescoring get it here.
 */
export class CompressedIndex implements VectorIndex {
  readonly #inner: VectorIndex;
  readonly #spec: CompressionSpec;
  readonly #context: CompressedContext;
  readonly #reduction: Reduction | null;
  readonly #query: IndexVectors;
  #record: FileRecord | null = null;
  #dirty = false;

  constructor(inner: VectorIndex, spec: CompressionSpec, context: CompressedContext) {
    this.#inner = inner;
    this.#spec = spec;
    this.#context = context;
    this.#reduction = spec.reduce === null ? null : new Reduction(spec.reduce, context.dimensions, context.metric);
    this.#query = new IndexVectors({ dimensions: context.dimensions, metric: 'l2', definition: { name: context.name } });
  }

  get inner(): VectorIndex {
    return this.#inner;
  }

  async build(
    source: AsyncIterable<IndexEntry[]>,
    options: { onProgress?: (done: number) => void; expectedCount?: number } = {},
  ): Promise<void> {
    const reduction = this.#reduction;
    if (reduction === null) return this.#inner.build(source, options);
    const spec = this.#spec.reduce;
    let head: IndexEntry[][] = [];
    let rest: AsyncIterator<IndexEntry[]> | null = null;
    if (spec?.method === 'pca') {
      // The first `sample` vectors of the store are the PCA's sample (fitted afresh on every build).
      const dims = this.#context.dimensions;
      const iterator = source[Symbol.asyncIterator]();
      let n = 0;
      while (n < spec.sample) {
        const next = await iterator.next();
        if (next.done === true) break;
        head.push(next.value);
        n += next.value.length;
      }
      const count = Math.min(n, spec.sample);
      const sample = new Float32Array(count * dims);
      let row = 0;
      for (const batch of head) {
        for (const e of batch) {
          if (row === count) break;
          this.#query.copy(e.vector, sample, row * dims, e);
          row++;
        }
      }
      reduction.fit(sample, count, dims);
      this.#dirty = true;
      rest = iterator;
    } else {
      rest = source[Symbol.asyncIterator]();
    }
    const iterator = rest;
    const reduced = async function* (): AsyncIterable<IndexEntry[]> {
      for (const batch of head) yield batch.map((e) => ({ ...e, vector: reduction.apply(e.vector) }));
      head = [];
      for (;;) {
        const next = await iterator.next();
        if (next.done === true) return;
        yield next.value.map((e) => ({ ...e, vector: reduction.apply(e.vector) }));
      }
    };
    await this.#inner.build(reduced(), options);
  }

  apply(changes: readonly IndexChange[]): Promise<void> {
    const reduction = this.#reduction;
    if (reduction === null) return this.#inner.apply(changes);
    return this.#inner.apply(changes.map((c) => (c.op === 'upsert' ? { ...c, vector: reduction.apply(c.vector) } : c)));
  }

  async search(query: Float32Array, options: IndexSearchOptions): Promise<IndexHit[]> {
    const k = validateK(options.k);
    const q = this.#checked(query);
    const rescore = this.#spec.rescore;
    if (rescore === null) return this.#inner.search(q.reduced, options);
    const hits = await this.#inner.search(q.reduced, { ...options, k: this.#candidates(k) });
    return rescoreHits(this.#context.backend, this.#context.metric, q.full, hits, k);
  }

  async searchMany(queries: readonly Float32Array[], options: IndexSearchOptions): Promise<IndexHit[][]> {
    const k = validateK(options.k);
    const checked = queries.map((q) => this.#checked(q));
    const rescore = this.#spec.rescore;
    const inner = this.#inner;
    const wide = rescore === null ? options : { ...options, k: this.#candidates(k) };
    let lists: IndexHit[][];
    if (typeof inner.searchMany === 'function')
      lists = await inner.searchMany(
        checked.map((q) => q.reduced),
        wide,
      );
    else {
      lists = [];
      for (const q of checked) lists.push(await inner.search(q.reduced, wide));
    }
    if (rescore === null) return lists;
    const out: IndexHit[][] = [];
    for (let i = 0; i < lists.length; i++) {
      out.push(await rescoreHits(this.#context.backend, this.#context.metric, (checked[i] as Checked).full, lists[i] ?? [], k));
    }
    return out;
  }

  async save(options?: IndexSaveOptions): Promise<{ [key: string]: JsonValue }> {
    const state = await this.#inner.save(options);
    const pca = this.#reduction?.pca ?? null;
    if (pca === null) return state;
    if (this.#dirty || this.#record === null) {
      const json = JSON.stringify({
        dims: pca.dims,
        out: pca.out,
        explained: pca.explained,
        mean: Array.from(pca.mean),
        components: Array.from(pca.components),
      });
      this.#record = await writeFileAtomic(this.#context.directory, PCA_FILE, json);
      await fsyncPath(this.#context.directory);
      this.#dirty = false;
    }
    return { ...state, [STATE_KEY]: { ...this.#record } };
  }

  async load(state: { [key: string]: JsonValue }): Promise<boolean> {
    const { [STATE_KEY]: record, ...rest } = state;
    if (this.#spec.reduce?.method === 'pca') {
      const pca = await this.#readPca(record);
      if (pca === null) return false;
      this.#replacePca(pca);
    }
    return this.#inner.load(rest);
  }

  stats(): IndexStats {
    const inner = this.#inner.stats();
    const dims = this.#reduction?.out ?? this.#context.dimensions;
    const pca = this.#reduction?.pca ?? null;
    return {
      ...inner,
      precision: this.#spec.precision,
      indexedDimensions: dims,
      reduction: this.#spec.reduce === null ? null : `${this.#spec.reduce.method} ${this.#context.dimensions}→${dims}`,
      ...(pca !== null ? { pcaExplainedVariance: pca.explained } : {}),
      rescoreOversample: this.#spec.rescore?.oversample ?? null,
      compactBytesPerVector: dims * bytesPerDimension(this.#spec.precision),
    };
  }

  drop(): Promise<void> {
    return this.#inner.drop();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  export(file: string): Promise<{ [key: string]: JsonValue }> {
    if (typeof this.#inner.export !== 'function') {
      throw new VecdexError(
        'NOT_SUPPORTED',
        `index "${this.#context.name}" cannot be exported: its plugin has no export method`,
        {
          details: { index: this.#context.name },
        },
      );
    }
    return this.#inner.export(file);
  }

  #candidates(k: number): number {
    return Math.min(MAX_K, Math.max(k, Math.ceil(k * (this.#spec.rescore?.oversample ?? 1))));
  }

  #checked(query: Float32Array): Checked {
    const full = new Float32Array(this.#context.dimensions);
    this.#query.copy(query, full);
    return { full, reduced: this.#reduction === null ? full : this.#reduction.apply(full) };
  }

  async #readPca(record: JsonValue | undefined): Promise<PcaModel | null> {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) return null;
    const expected = (record as { sha256?: unknown }).sha256;
    const data = await readFile(path.join(this.#context.directory, PCA_FILE)).catch(() => null);
    if (data === null || sha256(data) !== expected) return null;
    const json = JSON.parse(data.toString('utf8')) as {
      dims: number;
      out: number;
      explained: number;
      mean: number[];
      components: number[];
    };
    if (json.dims !== this.#context.dimensions || json.out !== this.#reduction?.out) return null;
    this.#record = record as unknown as FileRecord;
    return {
      dims: json.dims,
      out: json.out,
      explained: json.explained,
      mean: Float32Array.from(json.mean),
      components: Float32Array.from(json.components),
    };
  }

  #replacePca(pca: PcaModel): void {
    this.#reduction?.setPca(pca);
  }
}

interface Checked {
  full: Float32Array;
  reduced: Float32Array;
}
