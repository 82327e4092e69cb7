import type { StorageBackend } from '../contracts/storage-backend.js';
import { isReservedCollectionName } from '../ingest/reserved-names.js';
import { errors } from '../errors/error-factories.js';
import type { Filter } from '../filter/filter-ast.js';
import { parseFilter } from '../filter/parse-filter.js';
import type { ChangeBatch, ChangeCursor } from '../model/change.js';
import type { CollectionInfo } from '../model/collection.js';
import type { Item, NormalizedItem, StoredItem, Vector } from '../model/item.js';
import type { Indexes } from '../indexes/index-manager.js';
import type { StalePolicy } from '../indexes/index-status.js';
import type { JsonValue } from '../model/item.js';
import { isMetric, type Metric } from '../model/metric.js';
import type { Include, SearchHit } from '../model/search.js';
import { DEFAULT_RRF_K } from '../fusion/reciprocal-rank-fusion.js';
import { type FusionOptions, type HybridHit, hybridSearch } from './hybrid-search.js';
import { planAndSearch, type SearchPlan } from './plan-search.js';
import { validateId } from '../validation/validate-id.js';
import { normalizeItem } from '../validation/validate-item.js';
import { validateK } from '../validation/validate-k.js';
import { toVector } from '../validation/validate-vector.js';

export interface SimilarOptions {
  /** How many hits (default 10, at most 10,000). */
  k?: number;
  /** A metadata filter, e.g. `{ lang: 'en', year: { $gte: 2020 } }`. */
  filter?: Filter | null;
  /** Fields to return beside id and distance. Default: metadata only. */
  include?: Include;
  /** When searching by id, also return the query item itself (default false). */
  includeSelf?: boolean;
  /** Search through this index instead of the collection's default index. */
  index?: string;
  /** Exact search, bypassing every index. */
  exact?: boolean;
  /** When the index is behind the store: sync first (default), search anyway, or fail. */
  stale?: StalePolicy;
  /** Per-query index parameters, e.g. `{ efSearch: 128 }`. */
  params?: { [key: string]: JsonValue };
  /**
   * Rank by this metric instead of the collection's (default). Indexes are built for the
   * collection's metric, so such a query is answered by exact search, and the plan says why.
   */
  metric?: Metric;
  /**
   * Also search `content` for these words and fuse both rankings with Reciprocal Rank Fusion
   * (hybrid search). Hits then carry `score` and are sorted by it. Needs a backend with full text.
   */
  text?: string;
  /** With `text`: the RRF constant, the weight of each side, candidates per side. */
  fusion?: FusionOptions;
}

/**
 * One query for `search()`: a vector (or a stored item's id), a text, or both (hybrid).
 *
 * ```ts
 * await docs.search({ text: 'red shoes', vector: q, k: 10, filter: { lang: 'en' }, fusion: { weights: { keyword: 2 } } })
 * await docs.search({ text: 'red shoes' })      // keyword only
 * ```
 */
export interface SearchRequest extends Omit<SimilarOptions, 'text'> {
  /** The query vector. */
  vector?: Vector;
  /** Use this stored item's vector as the query (the item itself is left out unless `includeSelf`). */
  id?: string;
  /** Words to find in `content` (plain text: no query syntax, every word counts). */
  text?: string;
}

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

  constructor(name: string, backend: StorageBackend, indexes: Indexes) {
    this.name = name;
    this.#backend = backend;
    this.#indexes = indexes;
  }

  /** The collection's definition. */
  async info(): Promise<CollectionInfo> {
    const info = await this.#backend.getCollection(this.name);
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

  /** Delete items by id, atomically. Returns how many existed. */
  async delete(ids: readonly string[] | string): Promise<number> {
    const list = (typeof ids === 'string' ? [ids] : ids).map(validateId);
    await this.info();
    return list.length === 0 ? 0 : this.#backend.delete(this.name, [...new Set(list)]);
  }

  /** One item with its vector, or null. */
  async get(id: string): Promise<StoredItem | null> {
    const [item] = await this.getMany([id]);
    return item ?? null;
  }

  /** Items that exist, in the order asked; missing ids are skipped. */
  async getMany(ids: readonly string[], options: { vectors?: boolean } = {}): Promise<StoredItem[]> {
    const list = ids.map(validateId);
    await this.info();
    return this.#backend.get(this.name, list, options);
  }

  /** Number of items, optionally matching a filter. */
  async count(filter?: Filter | null): Promise<number> {
    const parsed = parseFilter(filter);
    await this.info();
    return this.#backend.count(this.name, parsed);
  }

  /** Every item, in batches (default 1,000). */
  async *scan(options: { batchSize?: number; vectors?: boolean; filter?: Filter | null } = {}): AsyncIterable<StoredItem[]> {
    const batchSize = options.batchSize ?? 1000;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw errors.invalidArgument('batchSize', 'a positive integer', batchSize);
    const filter = parseFilter(options.filter);
    await this.info();
    yield* this.#backend.scan(this.name, { batchSize, vectors: options.vectors ?? true, filter });
  }

  /**
   * The k nearest items to a vector, or to the item with a given id (which is left out of the
   * results unless `includeSelf`). Uses `options.index`, else the collection's default index,
   * else exact search; `exact: true` always searches exactly.
   */
  async similar(query: Vector | string, options: SimilarOptions = {}): Promise<SearchHit[]> {
    return (await this.search(query, options)).hits;
  }

  /**
   * Like `similar`, and also says how the query was answered (the plan). The object form takes
   * a vector (or id), a text, or both, and returns hybrid hits ranked by fused `score`:
   *
   * ```ts
   * const { hits, plan } = await docs.search({ text: 'wool coat', vector: q, k: 10 })
   * ```
   */
  async search(request: SearchRequest): Promise<{ hits: HybridHit[]; plan: SearchPlan }>;
  async search(query: Vector | string, options?: SimilarOptions): Promise<{ hits: SearchHit[]; plan: SearchPlan }>;
  async search(
    query: Vector | string | SearchRequest,
    options: SimilarOptions = {},
  ): Promise<{ hits: SearchHit[] | HybridHit[]; plan: SearchPlan }> {
    if (isSearchRequest(query)) return this.#searchRequest(query);
    const q = query as Vector | string;
    if (options.text !== undefined) {
      const { hits, plan } = await this.#searchRequest({ ...options, ...(typeof q === 'string' ? { id: q } : { vector: q }) });
      return { hits: hits.map(({ ranks: _ranks, ...h }) => ({ ...h, distance: h.distance as number })), plan };
    }
    const k = validateK(options.k ?? 10);
    const filter = parseFilter(options.filter);
    const info = await this.info();
    const { vector, exclude } = await this.#queryVector(info, q, options.includeSelf === true);
    const index = options.exact === true ? null : (options.index ?? info.defaultIndex);
    return planAndSearch(this.#backend, this.#indexes, {
      info,
      vector,
      k,
      filter,
      exclude,
      include: options.include ?? { metadata: true },
      index,
      ...(options.params ? { params: options.params } : {}),
      ...(options.stale ? { stale: options.stale } : {}),
      ...(options.metric !== undefined ? { metric: checkMetric(options.metric, this.#backend) } : {}),
    });
  }

  /** The object form of `search`: vector, id, text, or text with a vector or id (hybrid). */
  async #searchRequest(request: SearchRequest): Promise<{ hits: HybridHit[]; plan: SearchPlan }> {
    if (typeof request !== 'object' || request === null) throw errors.invalidArgument('search', 'a query object', request);
    const { vector: v, id, text, ...options } = request;
    if (v !== undefined && id !== undefined) throw errors.invalidArgument('search', 'either vector or id, not both', request);
    if (v === undefined && id === undefined && text === undefined) {
      throw errors.invalidArgument('search', 'a query: { vector }, { id }, { text } or text with a vector', request);
    }
    const k = validateK(options.k ?? 10);
    const filter = parseFilter(options.filter);
    const info = await this.info();
    const q = v ?? id;
    const { vector, exclude } =
      q === undefined ? { vector: null, exclude: [] } : await this.#queryVector(info, q, options.includeSelf === true);
    const index = options.exact === true ? null : (options.index ?? info.defaultIndex);
    const common = {
      info,
      k,
      filter,
      exclude,
      include: options.include ?? { metadata: true },
      index,
      ...(options.params ? { params: options.params } : {}),
      ...(options.stale ? { stale: options.stale } : {}),
      ...(options.metric !== undefined ? { metric: checkMetric(options.metric, this.#backend) } : {}),
    };
    if (text !== undefined) {
      return hybridSearch(this.#backend, this.#indexes, {
        ...common,
        text,
        vector,
        ...(options.fusion !== undefined ? { fusion: options.fusion } : {}),
      });
    }
    const { hits, plan } = await planAndSearch(this.#backend, this.#indexes, { ...common, vector: vector as Float32Array });
    return { hits: hits.map((h, i) => ({ ...h, score: 1 / (DEFAULT_RRF_K + i + 1), ranks: { vector: i + 1 } })), plan };
  }

  /** The query vector of a vector or a stored item's id (then left out of results unless `includeSelf`). */
  async #queryVector(
    info: CollectionInfo,
    query: Vector | string,
    includeSelf: boolean,
  ): Promise<{ vector: Float32Array; exclude: { collection: string; id: string }[] }> {
    if (typeof query !== 'string') {
      return {
        vector: toVector(query, { collection: info.name, dimensions: info.dimensions, metric: info.metric }),
        exclude: [],
      };
    }
    const id = validateId(query);
    const [item] = await this.#backend.get(info.name, [id], { vectors: true });
    if (item?.vector === undefined) {
      throw errors.invalidArgument('query id', `an id stored in collection "${info.name}"`, id);
    }
    return { vector: item.vector, exclude: includeSelf ? [] : [{ collection: info.name, id }] };
  }

  /** Changes to this collection after a cursor (see `StorageBackend.readChanges`). */
  async changes(after: ChangeCursor | null, options: { limit?: number; vectors?: boolean } = {}): Promise<ChangeBatch> {
    await this.info();
    return this.#backend.readChanges({
      collections: [this.name],
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

/** A per-query metric must be one the backend's exact search supports. */
function checkMetric(metric: unknown, backend: StorageBackend): Metric {
  if (!isMetric(metric)) throw errors.invalidArgument('metric', 'one of cosine, l2, ip, l1', metric);
  if (!backend.capabilities.metrics.includes(metric))
    throw errors.unsupportedMetric(metric, backend.capabilities.metrics, backend.name);
  return metric;
}
