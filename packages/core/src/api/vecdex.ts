import { type CompactResult, compactStore } from './compact-store.js';
import { type CopyOptions, type CopyReport, copyStore } from './copy-store.js';
import type { StorageBackend } from '../contracts/storage-backend.js';
import { errors } from '../errors/error-factories.js';
import type { ChangeCursor } from '../model/change.js';
import type { ResolvedConfig } from '../config/vecdex-config.js';
import type { PluginRegistry } from '../registry/plugin-registry.js';
import { Indexes } from '../indexes/index-manager.js';
import { type DoctorReport, diagnosePlugins, diagnoseStore, report } from '../doctor/run-doctor.js';
import { validateUserName } from '../validation/validate-name.js';
import type { Vector } from '../model/item.js';
import type { SearchHit } from '../model/search.js';
import { type ProviderRequest, mergeEmbeddingSettings } from '../providers/create-provider.js';
import { QueryCache } from '../query/query-cache.js';
import { QueryEmbedder } from '../query/query-embedder.js';
import { Collection } from './collection.js';
import { Collections } from './collections.js';
import { Aliases } from './aliases.js';
import type { HybridHit } from './hybrid-search.js';
import { resolveIndexTarget } from './index-search.js';
import type { SearchPlan } from './plan-search.js';
import type { QueryDeps, QueryTarget } from './prepare-query.js';
import { runSearchRequest, runSimilar } from './run-query.js';
import type { IndexSearchRequest, IndexSimilarOptions, QueryInput } from './search-options.js';
import { TokenCache } from './token-cache.js';

/** What `openVecdex` hands the store besides config (see `OpenVecdexOptions`). */
export interface VecdexOptions {
  /** Environment for provider settings (API keys and bases). Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Embedding settings over the config's `embedding` section for query texts (CLI flags, an API key). */
  embedding?: ProviderRequest;
}

/**
 * An open vecdex store: a backend plus the loaded plugins. Make one with `openVecdex()`.
 *
 * ```ts
 * const vx = await openVecdex()
 * await vx.collections.create({ name: 'docs', dimensions: 3, metric: 'cosine' })
 * await vx.collection('docs').upsert([{ id: 'a', vector: [1, 0, 0] }])
 * await vx.close()
 * ```
 */
export class Vecdex {
  /** The storage backend, for operations the collection API does not cover. */
  readonly backend: StorageBackend;
  readonly config: ResolvedConfig;
  readonly plugins: PluginRegistry;
  readonly collections: Collections;
  /** Collection aliases (`docs` → `docs_v2`), followed by every read and search path. */
  readonly aliases: Aliases;
  /** Index lifecycle: create, build, sync, status, drop. */
  readonly indexes: Indexes;
  /**
   * The cache of query-text embeddings: memory (LRU with a TTL) in front of the store's
   * persistent embedding cache. `stats()` for hits, misses and sizes; `clear()` to empty it.
   */
  readonly queryCache: QueryCache;
  readonly #embedder: QueryEmbedder;
  /** What queries of `collection()` handles resolved, kept while the store's change token holds. */
  readonly #targets = new TokenCache<QueryTarget>();
  /** The same for `search` / `similar` over an index or collections (keyed by what they name). */
  readonly #indexTargets = new TokenCache<QueryTarget>();
  #closed = false;

  constructor(backend: StorageBackend, config: ResolvedConfig, plugins: PluginRegistry, options: VecdexOptions = {}) {
    this.backend = backend;
    this.config = config;
    this.plugins = plugins;
    this.aliases = new Aliases(backend);
    this.collections = new Collections(backend, this.aliases);
    this.indexes = new Indexes(backend, plugins, config.dataDir, (n) => this.aliases.resolve(n));
    const settings = mergeEmbeddingSettings(config.embedding, options.embedding);
    this.queryCache = new QueryCache(backend, settings.queryCache ?? {});
    this.#embedder = new QueryEmbedder({ registry: plugins, settings, env: options.env ?? process.env, cache: this.queryCache });
  }

  /** A handle on a collection, or on an alias of one (no I/O until used; each call follows the alias once). */
  collection(name: string): Collection {
    return new Collection(
      validateUserName('collection', name),
      this.backend,
      this.indexes,
      this.#embedder,
      (n) => this.aliases.resolve(n),
      this.#targets,
    );
  }

  /**
   * Search several collections at once: every collection of an index (or the `collections`
   * named), with the request of `Collection.search` (vector, text, hybrid, filter on every
   * collection, `exact`, paging, thresholds). Hits carry their `collection`; the planner keeps
   * its guarantee (never fewer than k while k items match) over the collections together.
   *
   * ```ts
   * const { hits, plan } = await vx.search({ index: 'everything', text: 'rotate keys', k: 10, filter: { lang: 'en' } })
   * await vx.search({ index: 'everything', vector: [0.1, 0.2, 0.3], collections: ['tils', 'posts'], exact: true })
   * ```
   */
  async search(request: IndexSearchRequest): Promise<{ hits: HybridHit[]; plan: SearchPlan }> {
    if (typeof request !== 'object' || request === null) throw errors.invalidArgument('search', 'a query object', request);
    const { collections, ...rest } = request;
    return runSearchRequest(this.#deps(), await this.#indexTarget(rest.index, collections), rest);
  }

  /**
   * `Collection.similar` over several collections: the k nearest items by distance across
   * every collection of `options.index` (or the `collections` named).
   *
   * ```ts
   * await vx.similar({ text: 'rotate keys' }, { index: 'everything', k: 10 })
   * ```
   */
  async similar(query: Vector | QueryInput, options: IndexSimilarOptions): Promise<SearchHit[]> {
    const { collections, ...rest } = options ?? {};
    return (await runSimilar(this.#deps(), await this.#indexTarget(rest.index, collections), query, rest)).hits;
  }

  /**
   * Where `search` / `similar` run (`resolveIndexTarget`). With a backend that has
   * `changeToken`, the token is read first and a target resolved under an equal token is
   * reused, as a collection handle does: no definition or collection reads per query.
   */
  #indexTarget(index: string | undefined, collections: readonly string[] | undefined): Promise<QueryTarget> {
    // Only well-formed requests are kept (anything else is refused by resolveIndexTarget).
    const wellFormed =
      (index === undefined || typeof index === 'string') &&
      (collections === undefined || (Array.isArray(collections) && collections.every((c) => typeof c === 'string')));
    const key = wellFormed ? JSON.stringify([index ?? null, collections ?? null]) : null;
    return this.#indexTargets.through(this.backend, key, () =>
      resolveIndexTarget(this.backend, this.indexes, this.aliases, {
        ...(index !== undefined ? { index } : {}),
        ...(collections !== undefined ? { collections } : {}),
      }),
    );
  }

  #deps(): QueryDeps {
    return { backend: this.backend, indexes: this.indexes, embedder: this.#embedder };
  }

  /**
   * Delete the change feed's tombstones that no index needs any more: those at or before the
   * oldest cursor of every built index (and of `keep`, cursors your own feed readers hold).
   * Deleted items otherwise leave one tombstone each forever. A reader whose cursor is older
   * (one not listed) gets `CURSOR_EXPIRED` and reads again from the start; an index in that
   * state is rebuilt by its next sync. Throws `NOT_SUPPORTED` when the backend cannot prune.
   */
  async pruneTombstones(options: { keep?: readonly ChangeCursor[] } = {}): Promise<{ deleted: number; readers: number }> {
    const backend = this.backend;
    if (typeof backend.pruneTombstones !== 'function') throw errors.notSupported('pruning tombstones', backend.name);
    const readers: ChangeCursor[] = [...(options.keep ?? [])];
    for (const def of await backend.listIndexDefinitions()) {
      // An index the store maintains itself (a native index) never reads the feed.
      if (this.#maintainedByStore(def.plugin)) continue;
      const state = await backend.getIndexState(def.name);
      // A built index at the very beginning of the feed (cursor null) needs every tombstone.
      if (state !== null && state.cursor === null) return { deleted: 0, readers: readers.length + 1 };
      if (state?.cursor) readers.push(state.cursor);
    }
    return { deleted: await backend.pruneTombstones(readers), readers: readers.length };
  }

  /**
   * Give the space of deleted items and collections back: rebuild indexes holding deleted
   * entries, prune the tombstones every index has passed, then compact the store (SQLite
   * `VACUUM`). Returns the bytes before and after.
   *
   * ```ts
   * const { bytesBefore, bytesAfter } = await vx.compact()
   * ```
   */
  compact(): Promise<CompactResult> {
    return compactStore(this.backend, this.indexes, () => this.pruneTombstones());
  }

  /**
   * Write a consistent snapshot of the store to `file` while writers go on (sqlite-vec: `VACUUM
   * INTO`). Index definitions come along; index files do not (they are rebuilt from the copy when
   * it is opened). `NOT_SUPPORTED` on a backend without `backup`.
   *
   * ```ts
   * await vx.backup('/backups/vecdex-2026-12-02.db')
   * ```
   */
  backup(file: string): Promise<{ bytes: number }> {
    const backend = this.backend;
    if (typeof backend.backup !== 'function') throw errors.notSupported('backup', backend.name);
    return backend.backup(file);
  }

  /**
   * Check this open store without writing to it: versions, the plugins' native add-ons, the
   * backend's own checks (integrity, schema, journal, tombstone backlog), every index's files
   * against their manifest (never rebuilt here, unlike `indexes.status`), pending changes and
   * the embedding caches. `doctor()` from `@vecdex/core` does the same before any store is open
   * (config, plugin loading, the store opening read-only). See `DoctorReport`.
   *
   * ```ts
   * const { ok, checks } = await vx.doctor()
   * ```
   */
  async doctor(): Promise<DoctorReport> {
    const started = performance.now();
    const checks = await diagnosePlugins(this.plugins);
    checks.push(...(await diagnoseStore(this.backend, this.plugins, this.config.dataDir)));
    return report(checks, started);
  }

  /**
   * Copy this store's collections (or `options.collections`) with their items, index definitions
   * and aliases into another store, resumably, verifying counts and a sample of vectors bit for
   * bit at the end (see `copyStore`). The usual case: a SQLite store into PostgreSQL.
   *
   * ```ts
   * const pg = await openVecdex({ config: { backend: { use: 'pgvector', options: { connectionString: url } } } })
   * const report = await vx.copyTo(pg, { onProgress: (p) => console.log(p.allDone, '/', p.allTotal) })
   * ```
   */
  copyTo(target: Vecdex, options: CopyOptions = {}): Promise<CopyReport> {
    return copyStore(this.backend, target.backend, options);
  }

  #maintainedByStore(plugin: string): boolean {
    try {
      return this.plugins.index(plugin).maintainedByStore === true;
    } catch {
      return false; // plugin not loaded here: keep what its index may need
    }
  }

  /** Close the backend. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.queryCache.flush();
      await this.indexes.close();
    } finally {
      await this.backend.close();
    }
  }
}
