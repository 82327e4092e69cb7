import type { StorageBackend } from '../contracts/storage-backend.js';
import { EmbeddingCache } from '../ingest/embedding-cache.js';
import { RESERVED_COLLECTION_PREFIX } from '../ingest/reserved-names.js';
import { LruCache } from './lru-cache.js';

/** Where a query text's vector came from. */
export type QuerySource = 'memory' | 'store' | 'provider';

/**
 * The query-embedding cache's settings (`embedding.queryCache` in the config; `false` turns
 * both layers off).
 *
 * ```ts
 * embedding: { provider: 'openai', queryCache: { maxEntries: 5000, ttlMs: 3_600_000 } }
 * ```
 */
export interface QueryCacheOptions {
  /** Query texts whose vectors this process keeps in memory (default 1,000; 0 turns memory off). */
  maxEntries?: number;
  /** How long a vector stays in memory, in milliseconds (default one hour). */
  ttlMs?: number;
  /**
   * Also keep query vectors in the store's persistent embedding cache (default true), the one
   * ingest uses, so other processes (each CLI run) reuse them and a text that was ingested is
   * never embedded again. Written in batches and on `vx.close()`.
   */
  store?: boolean;
}

export const DEFAULT_QUERY_CACHE: Readonly<Required<QueryCacheOptions>> = Object.freeze({
  maxEntries: 1000,
  ttlMs: 3_600_000,
  store: true,
});

/** Vectors waiting for the store are written once this many have gathered (and on close). */
const STORE_WRITE_BATCH = 64;

/** What `vx.queryCache.stats()` reports. */
export interface QueryCacheStats {
  memory: { entries: number; maxEntries: number; ttlMs: number; hits: number; misses: number };
  /** `caches` lists every persistent cache collection in the store (ingest's included), with its size. */
  store: {
    enabled: boolean;
    hits: number;
    misses: number;
    pendingWrites: number;
    failedWrites: number;
    caches: { name: string; model: string | null; dimensions: number; entries: number }[];
  };
  /** Texts this process sent to embedding providers for queries, and the requests (retries included). */
  provider: { texts: number; requests: number };
}

interface Pending {
  model: string;
  dimensions: number;
  hash: string;
  vector: Float32Array;
}

/**
 * Query vectors by content hash (sha256 of model and text): an in-process LRU with a size bound
 * and a TTL in front of the store's persistent per-model embedding cache. The hash covers the
 * model, so one cache serves every model without mixing them. `vx.queryCache`.
 *
 * Store writes are gathered and written in batches: every write moves the store's change feed,
 * which makes cached filter counts recompute, so a server answering many new texts should not
 * write once per query.
 */
export class QueryCache {
  readonly #backend: StorageBackend;
  readonly #options: Required<QueryCacheOptions>;
  readonly #memory: LruCache<Float32Array>;
  readonly #stores = new Map<string, EmbeddingCache>();
  readonly #pending = new Map<string, Pending>();
  readonly #counts = { memoryHits: 0, memoryMisses: 0, storeHits: 0, storeMisses: 0, failedWrites: 0, texts: 0, requests: 0 };

  constructor(backend: StorageBackend, options: QueryCacheOptions | false = {}, now?: () => number) {
    this.#backend = backend;
    this.#options = options === false ? { maxEntries: 0, ttlMs: 0, store: false } : { ...DEFAULT_QUERY_CACHE, ...options };
    this.#memory = new LruCache({ maxEntries: this.#options.maxEntries, ttlMs: this.#options.ttlMs, ...(now ? { now } : {}) });
  }

  /** The cached vectors of these hashes, memory first, then the store. */
  async lookup(
    model: string,
    dimensions: number,
    hashes: readonly string[],
  ): Promise<Map<string, { vector: Float32Array; source: QuerySource }>> {
    const found = new Map<string, { vector: Float32Array; source: QuerySource }>();
    const rest: string[] = [];
    for (const hash of new Set(hashes)) {
      const key = memoryKey(dimensions, hash);
      const v = this.#memory.get(key) ?? this.#pending.get(key)?.vector;
      if (v !== undefined) {
        this.#counts.memoryHits++;
        found.set(hash, { vector: v, source: 'memory' });
      } else {
        this.#counts.memoryMisses++;
        rest.push(hash);
      }
    }
    if (rest.length > 0 && this.#options.store) {
      const stored = await this.#store(model, dimensions).lookup(rest);
      for (const hash of rest) {
        const v = stored.get(hash);
        if (v === undefined) {
          this.#counts.storeMisses++;
          continue;
        }
        this.#counts.storeHits++;
        this.#memory.set(memoryKey(dimensions, hash), v);
        found.set(hash, { vector: v, source: 'store' });
      }
    }
    return found;
  }

  /** Remember vectors a provider just made (memory now; the store in batches). */
  async remember(model: string, dimensions: number, entries: readonly { hash: string; vector: Float32Array }[]): Promise<void> {
    for (const e of entries) {
      const key = memoryKey(dimensions, e.hash);
      this.#memory.set(key, e.vector);
      if (this.#options.store) this.#pending.set(key, { model, dimensions, hash: e.hash, vector: e.vector });
    }
    if (this.#pending.size >= STORE_WRITE_BATCH) await this.flush();
  }

  /** Count what a provider was asked for (for `stats().provider`). */
  noteProviderCall(texts: number, requests: number): void {
    this.#counts.texts += texts;
    this.#counts.requests += requests;
  }

  /**
   * Write the vectors waiting for the store. A failed write is counted (`failedWrites`), not
   * thrown: a cache that cannot be written only costs a provider call later.
   */
  async flush(): Promise<void> {
    if (this.#pending.size === 0) return;
    const batch = [...this.#pending.values()];
    this.#pending.clear();
    const groups = new Map<string, Pending[]>();
    for (const p of batch) {
      const g = groups.get(`${p.dimensions}\u0000${p.model}`) ?? [];
      g.push(p);
      groups.set(`${p.dimensions}\u0000${p.model}`, g);
    }
    for (const g of groups.values()) {
      const { model, dimensions } = g[0] as Pending;
      try {
        await this.#store(model, dimensions).store(g.map((p) => ({ hash: p.hash, vector: p.vector })));
      } catch {
        this.#counts.failedWrites += g.length;
        // Its collection may have been dropped (`vecdex cache clear` in another process): look again next time.
        this.#stores.delete(`${dimensions}\u0000${model}`);
      }
    }
  }

  async stats(): Promise<QueryCacheStats> {
    const c = this.#counts;
    return {
      memory: {
        entries: this.#memory.size,
        maxEntries: this.#options.maxEntries,
        ttlMs: this.#options.ttlMs,
        hits: c.memoryHits,
        misses: c.memoryMisses,
      },
      store: {
        enabled: this.#options.store,
        hits: c.storeHits,
        misses: c.storeMisses,
        pendingWrites: this.#pending.size,
        failedWrites: c.failedWrites,
        caches: await this.#caches(),
      },
      provider: { texts: c.texts, requests: c.requests },
    };
  }

  /**
   * Empty the memory layer and (unless `store: false`) drop the store's persistent embedding
   * caches, of one model or all. Those are shared with ingest, which only loses time: texts are
   * embedded again when next needed. Returns how many entries went from each layer.
   */
  async clear(options: { store?: boolean; model?: string } = {}): Promise<{ memory: number; store: number }> {
    const memory = this.#memory.clear() + this.#pending.size;
    this.#pending.clear();
    let store = 0;
    if (options.store !== false) {
      for (const cache of await this.#caches()) {
        if (options.model !== undefined && cache.model !== options.model) continue;
        if (await this.#backend.deleteCollection(cache.name)) store += cache.entries;
      }
      this.#stores.clear();
    }
    return { memory, store };
  }

  async #caches(): Promise<QueryCacheStats['store']['caches']> {
    const out: QueryCacheStats['store']['caches'] = [];
    for (const info of await this.#backend.listCollections()) {
      if (!info.name.startsWith(`${RESERVED_COLLECTION_PREFIX}cache.`)) continue;
      out.push({
        name: info.name,
        model: info.model,
        dimensions: info.dimensions,
        entries: await this.#backend.count(info.name),
      });
    }
    return out;
  }

  #store(model: string, dimensions: number): EmbeddingCache {
    const key = `${dimensions}\u0000${model}`;
    let c = this.#stores.get(key);
    if (c === undefined) {
      c = new EmbeddingCache(this.#backend, model, dimensions);
      this.#stores.set(key, c);
    }
    return c;
  }
}

// The content hash already covers the model; the dimension count separates a model's sizes.
function memoryKey(dimensions: number, hash: string): string {
  return `${dimensions}:${hash}`;
}
