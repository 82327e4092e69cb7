import {
  VecdexError,
  distance,
  validateK,
  type IndexChange,
  type IndexContext,
  type IndexEntry,
  type IndexHit,
  type IndexSearchOptions,
  type IndexStats,
  type JsonValue,
  type VectorIndex,
} from '@vecdex/core';
import { readFlatFile, removeFlatFiles, writeFlatFile } from './flat-file.js';

const keyOf = (collection: string, id: string): string => `${collection}\u0000${id}`;

/**
 * An exact index: entries in a Map keyed by `(collection, id)` (one index may span collections
 * whose ids overlap), searched by a full scan. Vectors are copied on the way in, because the
 * caller may reuse its buffers.
 */
export class FlatIndex implements VectorIndex {
  readonly #context: IndexContext;
  #entries = new Map<string, IndexEntry>();
  #bytesOnDisk: number | undefined;
  #lastLoadProblem: string | null = null;
  #closed = false;

  constructor(context: IndexContext) {
    this.#context = context;
  }

  async build(source: AsyncIterable<IndexEntry[]>, options: { onProgress?: (done: number) => void } = {}): Promise<void> {
    const next = new Map<string, IndexEntry>();
    let done = 0;
    for await (const batch of source) {
      for (const e of batch) next.set(keyOf(e.collection, e.id), this.#copy(e));
      done += batch.length;
      options.onProgress?.(done);
    }
    this.#open();
    this.#entries = next;
  }

  async apply(changes: readonly IndexChange[]): Promise<void> {
    const entries = this.#open();
    for (const c of changes) {
      if (c.op === 'upsert') entries.set(keyOf(c.collection, c.id), this.#copy(c));
      else entries.delete(keyOf(c.collection, c.id));
    }
  }

  async search(query: Float32Array, options: IndexSearchOptions): Promise<IndexHit[]> {
    const entries = this.#open();
    const k = validateK(options.k);
    if (options.params !== undefined && Object.keys(options.params).length > 0) {
      throw new VecdexError('INVALID_ARGUMENT', 'the bruteforce index takes no search params; remove them', {
        details: { name: Object.keys(options.params)[0] },
      });
    }
    this.#checkDimensions(query.length, 'query vector');
    const { metric } = this.#context;
    const hits: IndexHit[] = [];
    for (const e of entries.values()) {
      if (options.allow !== undefined && !options.allow({ collection: e.collection, id: e.id })) continue;
      hits.push({ collection: e.collection, id: e.id, distance: distance(metric, query, e.vector) });
    }
    hits.sort((a, b) => a.distance - b.distance);
    return hits.slice(0, k);
  }

  async save(): Promise<{ [key: string]: JsonValue }> {
    const entries = [...this.#open().values()];
    const state = await writeFlatFile(this.#context, entries);
    this.#bytesOnDisk = state.bytes as number;
    return state;
  }

  async load(state: { [key: string]: JsonValue }): Promise<boolean> {
    this.#open();
    const read = await readFlatFile(this.#context, state);
    this.#lastLoadProblem = read.ok ? null : read.reason;
    if (!read.ok) return false;
    this.#entries = new Map(read.entries.map((e) => [keyOf(e.collection, e.id), e]));
    this.#bytesOnDisk = read.entries.length * this.#context.dimensions * 4;
    return true;
  }

  stats(): IndexStats {
    return {
      items: this.#entries.size,
      deleted: 0,
      bytesOnDisk: this.#bytesOnDisk,
      needsCompaction: false,
      lastLoadProblem: this.#lastLoadProblem,
    };
  }

  async drop(): Promise<void> {
    await removeFlatFiles(this.#context.directory);
    this.#bytesOnDisk = undefined;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#entries = new Map();
  }

  #copy(e: IndexEntry): IndexEntry {
    this.#checkDimensions(e.vector.length, `item "${e.id}"`);
    return { collection: e.collection, id: e.id, vector: Float32Array.from(e.vector) };
  }

  #checkDimensions(actual: number, what: string): void {
    const expected = this.#context.dimensions;
    if (actual !== expected) {
      throw new VecdexError(
        'DIMENSION_MISMATCH',
        `${what} has ${actual} dimensions but index "${this.#context.definition.name}" expects ${expected}`,
        { details: { expected, actual } },
      );
    }
  }

  #open(): Map<string, IndexEntry> {
    if (this.#closed) throw new VecdexError('STORE_CLOSED', `index "${this.#context.definition.name}" is closed; open it again`);
    return this.#entries;
  }
}
