import { createHash } from 'node:crypto';
import type { StorageBackend } from '../contracts/storage-backend.js';
import { isVecdexError } from '../errors/vecdex-error.js';
import type { Metric } from '../model/metric.js';
import { normalizeItem } from '../validation/validate-item.js';
import { RESERVED_COLLECTION_PREFIX } from './reserved-names.js';

/**
 * Vectors already computed, keyed by content hash (which covers the model), kept in a hidden
 * collection per model and dimension count in the same store: `_vecdex.cache.<16 hex>`.
 *
 * Why a collection: it needs nothing beyond the `StorageBackend` contract, so it works on every
 * backend (SQLite, PostgreSQL, third-party), is as durable and transactional as the data, and is
 * shared by every process using the store. Items hold the vector and the hash only, never the
 * text. The reserved prefix keeps it out of `collections.list()`.
 */
export class EmbeddingCache {
  readonly name: string;
  readonly #backend: StorageBackend;
  readonly #model: string;
  readonly #dimensions: number;
  #ready: Promise<boolean> | null = null;

  constructor(backend: StorageBackend, model: string, dimensions: number) {
    this.#backend = backend;
    this.#model = model;
    this.#dimensions = dimensions;
    this.name = cacheCollectionName(model, dimensions);
  }

  /** Cached vectors of the hashes that have one. */
  async lookup(hashes: readonly string[]): Promise<Map<string, Float32Array>> {
    const found = new Map<string, Float32Array>();
    if (hashes.length === 0 || !(await this.#exists())) return found;
    for (const item of await this.#backend.get(this.name, [...new Set(hashes)], { vectors: true })) {
      if (item.vector !== undefined && item.vector.length === this.#dimensions) found.set(item.id, item.vector);
    }
    return found;
  }

  /** Remember vectors by hash. */
  async store(entries: readonly { hash: string; vector: Float32Array }[]): Promise<void> {
    if (entries.length === 0) return;
    await this.#create();
    const ctx = { collection: this.name, dimensions: this.#dimensions, metric: this.#metric() };
    await this.#backend.upsert(
      this.name,
      entries.map((e) => normalizeItem({ id: e.hash, vector: e.vector, contentHash: e.hash }, ctx)),
    );
  }

  async #exists(): Promise<boolean> {
    return (await this.#backend.getCollection(this.name)) !== null;
  }

  #create(): Promise<boolean> {
    this.#ready ??= (async () => {
      if (await this.#exists()) return true;
      try {
        await this.#backend.createCollection({
          name: this.name,
          dimensions: this.#dimensions,
          metric: this.#metric(),
          model: this.#model,
        });
      } catch (err) {
        // Another process created it meanwhile.
        if (!(isVecdexError(err, 'COLLECTION_EXISTS') || (await this.#exists()))) throw err;
      }
      return true;
    })();
    this.#ready.catch(() => {
      this.#ready = null;
    });
    return this.#ready;
  }

  // l2 accepts any vector (cosine refuses all-zero ones); the cache is never searched.
  #metric(): Metric {
    const metrics = this.#backend.capabilities.metrics as readonly Metric[];
    return metrics.includes('l2') ? 'l2' : (metrics[0] as Metric);
  }
}

/** `_vecdex.cache.` + 16 hex digits of sha256(model, dimensions). */
export function cacheCollectionName(model: string, dimensions: number): string {
  const h = createHash('sha256').update(`${model}\u0000${dimensions}`).digest('hex').slice(0, 16);
  return `${RESERVED_COLLECTION_PREFIX}cache.${h}`;
}
