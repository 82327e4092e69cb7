import type { Filter } from '../filter/filter-ast.js';
import type { StalePolicy } from '../indexes/index-status.js';
import type { JsonValue, Vector } from '../model/item.js';
import type { Metric } from '../model/metric.js';
import type { Include } from '../model/search.js';
import type { FusionOptions } from './hybrid-search.js';

/**
 * A query as an object, never confusable with an item id: a vector, a stored item's id, or a
 * text that is embedded with the collection's recorded model and then searched like a vector.
 *
 * ```ts
 * await docs.similar({ text: 'how do I rotate keys?' }, { k: 10, filter: { lang: 'en' } })
 * await docs.similar({ id: 'doc-42' })
 * await docs.similar({ vector: [0.1, 0.2, 0.3] })
 * ```
 */
export type QueryInput = { vector: Vector } | { id: string } | { text: string };

/**
 * Maximal marginal relevance: re-rank `fetchK` nearest candidates, picking each next hit by
 * `lambda · sim(query, hit) − (1 − lambda) · max sim(hit, picked)`, so near-duplicates give way
 * to hits that add something. Similarity is the negated distance of the collection's metric
 * (for cosine, the cosine similarity, as in LangChain).
 *
 * ```ts
 * await docs.similar({ text: 'wool coat' }, { k: 5, mmr: { lambda: 0.5, fetchK: 40 } })
 * ```
 */
export interface MmrOptions {
  /** 1 = relevance only, 0 = diversity only; from 0 to 1 (default 0.5). */
  lambda?: number;
  /** Candidates to re-rank (default max(20, 4 · (offset + k)); at least offset + k, at most 10,000). */
  fetchK?: number;
}

/**
 * How `search({ text })` ranks: `hybrid` fuses the embedded text's vector ranking with the
 * keyword ranking (RRF), `vector` embeds the text and searches by vector only, `keyword`
 * searches content only (bm25). Default: `hybrid` when the collection records a model and the
 * backend has full text, `vector` when it has no full text, `keyword` when no model is recorded.
 */
export type SearchMode = 'hybrid' | 'vector' | 'keyword';

export interface SimilarOptions {
  /** How many hits (default 10, at most 10,000 together with `offset`). */
  k?: number;
  /** Skip this many best hits first, for paging (default 0). An offset past the results gives `[]`. */
  offset?: number;
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
   * Leave out hits farther than this distance (a similarity threshold; finite, and for cosine
   * from 0 to 2, for l2 and l1 at least 0). The result may then hold fewer than k hits.
   */
  maxDistance?: number;
  /** Re-rank for diversity (maximal marginal relevance); vector queries only. */
  mmr?: MmrOptions;
  /** Aborts embedding a query text (the request in flight and the retries). */
  signal?: AbortSignal;
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
 * await docs.search({ text: 'red shoes', k: 10, filter: { lang: 'en' } })   // hybrid when docs has a model
 * await docs.search({ text: 'red shoes', mode: 'keyword' })                 // keyword only (bm25)
 * await docs.search({ text: 'red shoes', vector: [0.1, 0.2, 0.3], fusion: { weights: { keyword: 2 } } })
 * ```
 */
export interface SearchRequest extends Omit<SimilarOptions, 'text'> {
  /** The query vector. */
  vector?: Vector;
  /** Use this stored item's vector as the query (the item itself is left out unless `includeSelf`). */
  id?: string;
  /** The query text: words for the keyword side, and (modes hybrid and vector) embedded for the vector side. */
  text?: string;
  /** How a text is ranked (see {@link SearchMode}); with a vector or id and a text it is always hybrid. */
  mode?: SearchMode;
  /** Leave out hits whose fused `score` is below this (a finite number ≥ 0). */
  minScore?: number;
}

/**
 * `vx.search()` over the collections of an index: the request of `Collection.search`, plus
 * which collections. Without `collections`, every collection `index` covers; without `index`,
 * the named collections' common default index, else exact search over them.
 *
 * ```ts
 * await vx.search({ index: 'notes-all', text: 'rotate keys', k: 10, filter: { lang: 'en' } })
 * await vx.search({ collections: ['tils', 'posts'], vector: [0.1, 0.2, 0.3], exact: true })
 * ```
 */
export interface IndexSearchRequest extends Omit<SearchRequest, 'id' | 'includeSelf'> {
  /** Search these collections (each covered by `index` when one is named). */
  collections?: readonly string[];
}

/** `vx.similar()` options: those of `Collection.similar`, plus which collections (as {@link IndexSearchRequest}). */
export interface IndexSimilarOptions extends Omit<SimilarOptions, 'includeSelf'> {
  collections?: readonly string[];
}
