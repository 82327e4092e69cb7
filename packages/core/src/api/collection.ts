import type { StorageBackend } from '../contracts/storage-backend.js';
import { isReservedCollectionName } from '../ingest/reserved-names.js';
import { errors } from '../errors/error-factories.js';
import type { Filter } from '../filter/filter-ast.js';
import { parseFilter } from '../filter/parse-filter.js';
import type { ChangeBatch, ChangeCursor } from '../model/change.js';
import type { CollectionInfo } from '../model/collection.js';
import type { Item, NormalizedItem, StoredItem, Vector } from '../model/item.js';
import type { Indexes } from '../indexes/index-manager.js';
import type { SearchHit } from '../model/search.js';
import type { QueryEmbedder } from '../query/query-embedder.js';
import type { HybridHit } from './hybrid-search.js';
import type { SearchPlan } from './plan-search.js';
import { type QueryDeps, type QueryTarget, noEmbedder, targetModel } from './prepare-query.js';
import { runSearchRequest, runSimilar } from './run-query.js';
import type { QueryInput, SearchRequest, SimilarOptions } from './search-options.js';
import { runSimilarMany } from './similar-many.js';
import { TokenCache } from './token-cache.js';
import { type DeleteWhere, deleteWhere } from './delete-where.js';
import { type ItemUpdate, type UpdateOptions, type UpdateResult, updateItems } from './update-items.js';
import { validateId } from '../validation/validate-id.js';
import { normalizeItem } from '../validation/validate-item.js';

export type { QueryInput, SearchRequest, SimilarOptions } from './search-options.js';

export interface UpsertResult {
  /** Items written (after collapsing repeated ids in the batch, last one wins). */
  upserted: number;
}

/**
 * A handle on one collection. Getting a handle does no I/O; each call checks the collection
 * exists and throws `UNKNOWN_COLLECTION` if it does not.
 *
 * ```ts
 * const docs = vx.collection('docs')
 * await docs.upsert([{ id: 'a', vector: [1, 0, 0], metadata: { lang: 'en' } }])
 * const hits = await docs.similar([1, 0.1, 0], { k: 5, filter: { lang: 'en' } })
 * ```
 */
export class Collection {
  readonly name: string;
  readonly #backend: StorageBackend;
  readonly #indexes: Indexes;
  readonly #embedder: QueryEmbedder | null;
  readonly #resolve: (name: string) => Promise<CollectionInfo | null>;
  readonly #targets: TokenCache<QueryTarget>;

  /**
   * `embedder` embeds query texts (`vx.collection()` passes the store's); without one, text
   * queries are refused. `resolve` finds the collection by name (`vx.collection()` passes one that
   * follows aliases: each call resolves once and works on that collection throughout).
   * `targets` keeps what queries resolved while the store is unchanged (`vx.collection()` passes
   * one shared by all its handles).
   */
  constructor(
    name: string,
    backend: StorageBackend,
    indexes: Indexes,
    embedder: QueryEmbedder | null = null,
    resolve?: (name: string) => Promise<CollectionInfo | null>,
    targets: TokenCache<QueryTarget> = new TokenCache(),
  ) {
    this.name = name;
    this.#backend = backend;
    this.#indexes = indexes;
    this.#embedder = embedder;
    this.#resolve = resolve ?? ((n) => backend.getCollection(n));
    this.#targets = targets;
  }

  /** The collection's definition (of the collection an alias points to, for an alias). */
  async info(): Promise<CollectionInfo> {
    const info = await this.#resolve(this.name);
    if (info === null) {
      const known = (await this.#backend.listCollections()).map((c) => c.name).filter((n) => !isReservedCollectionName(n));
      throw errors.unknownCollection(this.name, known);
    }
    return info;
  }

  /**
   * Insert or replace items, all or nothing: every item is validated first, and the batch is
   * written in one transaction, so a bad item leaves the collection exactly as it was.
   */
  async upsert(items: readonly Item[]): Promise<UpsertResult> {
    if (!Array.isArray(items)) throw errors.invalidArgument('items', 'an array of items', items);
    const info = await this.info();
    const ctx = { collection: info.name, dimensions: info.dimensions, metric: info.metric };
    const byId = new Map<string, NormalizedItem>();
    for (const raw of items) {
      const item = normalizeItem(raw, ctx);
      byId.delete(item.id); // keep the last write's position
      byId.set(item.id, item);
    }
    if (byId.size > 0) await this.#backend.upsert(info.name, [...byId.values()]);
    return { upserted: byId.size };
  }

  /**
   * Change metadata and/or content of stored items without their vectors (merged key by key by
   * default, or replaced with `mode: 'replace'`), in one transaction, one change each in the feed.
   *
   * ```ts
   * await docs.update([{ id: 'a', metadata: { reviewed: true } }])            // other keys stay
   * await docs.update([{ id: 'b', metadata: { lang: 'en' } }], { mode: 'replace' })
   * ```
   */
  async update(updates: readonly ItemUpdate[], options: UpdateOptions = {}): Promise<UpdateResult> {
    return updateItems(this.#backend, await this.info(), updates, options);
  }

  /**
   * Delete items by id, or every item matching a filter, atomically (a tombstone each in the
   * change feed, as for any delete). Returns how many were deleted (with `dryRun`, how many would be).
   *
   * ```ts
   * await docs.delete(['a', 'b'])
   * await docs.delete({ filter: { source: 'old-crawl' } })
   * await docs.delete({ filter: { year: { $lt: 2015 } }, dryRun: true })   // just the count
   * ```
   */
  async delete(ids: readonly string[] | string | DeleteWhere): Promise<number> {
    if (typeof ids === 'object' && ids !== null && !Array.isArray(ids)) {
      return deleteWhere(this.#backend, (await this.info()).name, ids as DeleteWhere);
    }
    const list = (typeof ids === 'string' ? [ids] : (ids as readonly string[])).map(validateId);
    const { name } = await this.info();
    return list.length === 0 ? 0 : this.#backend.delete(name, [...new Set(list)]);
  }

  /** One item with its vector, or null. */
  async get(id: string): Promise<StoredItem | null> {
    const [item] = await this.getMany([id]);
    return item ?? null;
  }

  /** Items that exist, in the order asked; missing ids are skipped. */
  async getMany(ids: readonly string[], options: { vectors?: boolean } = {}): Promise<StoredItem[]> {
    const list = ids.map(validateId);
    return this.#backend.get((await this.info()).name, list, options);
  }

  /** Number of items, optionally matching a filter. */
  async count(filter?: Filter | null): Promise<number> {
    const parsed = parseFilter(filter);
    return this.#backend.count((await this.info()).name, parsed);
  }

  /** Every item, in batches (default 1,000). */
  async *scan(options: { batchSize?: number; vectors?: boolean; filter?: Filter | null } = {}): AsyncIterable<StoredItem[]> {
    const batchSize = options.batchSize ?? 1000;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw errors.invalidArgument('batchSize', 'a positive integer', batchSize);
    const filter = parseFilter(options.filter);
    yield* this.#backend.scan((await this.info()).name, { batchSize, vectors: options.vectors ?? true, filter });
  }

  /**
   * The k nearest items to a vector, to the item with a given id (left out of the results
   * unless `includeSelf`), or to a text embedded with the collection's recorded model
   * (`{ text }`; several texts: `similarMany`). Uses `options.index`, else the collection's
   * default index, else exact search; `exact: true` always searches exactly.
   *
   * ```ts
   * await docs.similar({ text: 'how do I rotate keys?' }, { k: 10, filter: { lang: 'en' } })
   * await docs.similar(q, { k: 10, offset: 10, maxDistance: 0.4, mmr: { lambda: 0.5 } })
   * ```
   */
  async similar(query: Vector | string | QueryInput, options: SimilarOptions = {}): Promise<SearchHit[]> {
    return (await runSimilar(this.#deps(), await this.#target(), query, options)).hits;
  }

  /**
   * Many vector queries at once, with one set of options: vectors, ids (`string` or `{ id }`) or
   * texts (`{ text }`, all embedded in one batched request). One result list per query, in order.
   *
   * ```ts
   * const [a, b] = await docs.similarMany([{ text: 'wool coat' }, { text: 'rain boots' }], { k: 5 })
   * ```
   */
  async similarMany(queries: readonly (Vector | string | QueryInput)[], options: SimilarOptions = {}): Promise<SearchHit[][]> {
    return runSimilarMany(this.#deps(), await this.#target(), queries, options);
  }

  /**
   * Like `similar`, and also says how the query was answered (the plan). The object form takes
   * a vector (or id), a text, or both; a text alone is hybrid (embedded text + keywords, fused
   * with RRF) when the collection records a model and the backend has full text, else see
   * `mode`. Its hits are ranked by `score`:
   *
   * ```ts
   * const { hits, plan } = await docs.search({ text: 'wool coat', k: 10 })
   * await docs.search({ text: 'wool coat', mode: 'keyword' })
   * ```
   */
  async search(request: SearchRequest): Promise<{ hits: HybridHit[]; plan: SearchPlan }>;
  async search(query: Vector | string, options?: SimilarOptions): Promise<{ hits: SearchHit[]; plan: SearchPlan }>;
  async search(
    query: Vector | string | SearchRequest,
    options: SimilarOptions = {},
  ): Promise<{ hits: SearchHit[] | HybridHit[]; plan: SearchPlan }> {
    if (isSearchRequest(query)) return runSearchRequest(this.#deps(), await this.#target(), query);
    return runSimilar(this.#deps(), await this.#target(), query, options);
  }

  /**
   * The vectors of query texts under the collection's model, through the query cache: what
   * `similar({ text })` searches with (for adapters that need the embedding itself).
   */
  async embedQueries(texts: readonly string[], options: { signal?: AbortSignal } = {}): Promise<Float32Array[]> {
    if (!Array.isArray(texts)) throw errors.invalidArgument('texts', 'an array of strings', texts);
    if (texts.length === 0) return [];
    if (this.#embedder === null) throw noEmbedder();
    return (await this.#embedder.embed(targetModel(await this.#target()), texts, options)).vectors;
  }

  #deps(): QueryDeps {
    return { backend: this.#backend, indexes: this.#indexes, embedder: this.#embedder };
  }

  /**
   * What a query of this handle searches. With a backend that has `changeToken`, its token is
   * read first (one cheap read) and the target resolved under an equal token is reused: no
   * collection lookup, and the token lets the index's freshness check skip its own read.
   */
  #target(): Promise<QueryTarget> {
    return this.#targets.through(this.#backend, this.name, async () => {
      const info = await this.info();
      return { collections: [info], defaultIndex: info.defaultIndex, what: `collection "${info.name}"` };
    });
  }

  /** Changes to this collection after a cursor (see `StorageBackend.readChanges`). */
  async changes(after: ChangeCursor | null, options: { limit?: number; vectors?: boolean } = {}): Promise<ChangeBatch> {
    return this.#backend.readChanges({
      collections: [(await this.info()).name],
      after,
      limit: options.limit ?? 1000,
      vectors: options.vectors ?? true,
    });
  }
}

/** The object form of `search()`: a plain object naming `vector`, `id` or `text` (anything else is checked as a vector). */
function isSearchRequest(query: unknown): query is SearchRequest {
  if (typeof query !== 'object' || query === null || Array.isArray(query) || ArrayBuffer.isView(query)) return false;
  const proto = Object.getPrototypeOf(query);
  if (proto !== Object.prototype && proto !== null) return false;
  return 'vector' in query || 'id' in query || 'text' in query;
}
