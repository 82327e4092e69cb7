import type { StorageBackend } from '../contracts/storage-backend.js';
import { errors } from '../errors/error-factories.js';
import { VecdexError } from '../errors/vecdex-error.js';
import type { FilterNode } from '../filter/filter-ast.js';
import { DEFAULT_RRF_K, type RankedList, reciprocalRankFusion } from '../fusion/reciprocal-rank-fusion.js';
import type { Indexes } from '../indexes/index-manager.js';
import type { StalePolicy } from '../indexes/index-status.js';
import type { CollectionInfo } from '../model/collection.js';
import type { JsonValue, Metadata, StoredItem } from '../model/item.js';
import { distance, type Metric } from '../model/metric.js';
import type { Include } from '../model/search.js';
import { MAX_K } from '../validation/validate-k.js';
import { fetchItems, hitKey } from './hit-fields.js';
import { planAndSearch, type SearchPlan } from './plan-search.js';
import { checkQueryText } from '../query/query-text.js';

export { MAX_TEXT_LENGTH } from '../query/query-text.js';

/**
 * How keyword and vector rankings are fused: Reciprocal Rank Fusion, each hit scoring
 * `Σ weight / (k + rank)` over the rankings it appears in.
 *
 * ```ts
 * { k: 60, weights: { vector: 1, keyword: 2 }, candidates: 100 }
 * ```
 */
export interface FusionOptions {
  /** The RRF constant (default 60); larger flattens the lead of top ranks. */
  k?: number;
  /** How much each ranking counts (default 1 each; 0 leaves a side out). */
  weights?: { vector?: number; keyword?: number };
  /** How many hits each side contributes before fusion (default max(2·k, 50), at most 10,000). */
  candidates?: number;
}

/**
 * A hit of a text (keyword or hybrid) query, best first by `score`. `distance` is the vector
 * distance whenever the query had a vector (also for hits only the keyword side found);
 * `keywordScore` is the backend's relevance (bm25 on SQLite, ts_rank on PostgreSQL) when the
 * keyword side found it; `ranks` are the 1-based ranks in each side's ranking.
 */
export interface HybridHit {
  collection: string;
  id: string;
  /** Fused RRF score; higher is better. */
  score: number;
  distance?: number;
  keywordScore?: number;
  ranks: { vector?: number; keyword?: number };
  metadata?: Metadata | null;
  content?: string | null;
  vector?: Float32Array;
}

export interface HybridSearchInput {
  /** One collection, or several an index covers (see `SearchPlanInput.collections`). */
  collections: readonly CollectionInfo[];
  text: string;
  vector: Float32Array | null;
  k: number;
  filter: FilterNode | null;
  exclude: { collection: string; id: string }[];
  include: Include;
  index: string | null;
  fusion?: FusionOptions;
  params?: { [key: string]: JsonValue };
  stale?: StalePolicy;
  /** Rank the vector side by this metric instead of the collections'. */
  metric?: Metric;
}

/**
 * Keyword search over `content`, fused with vector search when a vector is given. The filter and
 * the exclusions apply to both sides. Refuses with `NOT_SUPPORTED` on a backend without full text.
 */
export async function hybridSearch(
  backend: StorageBackend,
  indexes: Indexes,
  input: HybridSearchInput,
): Promise<{ hits: HybridHit[]; plan: SearchPlan }> {
  const { collections, text, vector, k, filter, include } = input;
  const names = collections.map((c) => c.name);
  checkQueryText(text);
  if (backend.capabilities.fullText !== true || typeof backend.searchKeyword !== 'function') {
    const what = names.length === 1 ? `collection "${names[0]}"` : `collections ${names.join(', ')}`;
    throw new VecdexError(
      'NOT_SUPPORTED',
      `the ${backend.name} backend has no full-text index, so a keyword query cannot run on ${what}; search by vector only (mode: 'vector'), or use a backend with keyword search (sqlitevec, pgvector)`,
      { details: { backend: backend.name, collections: names } },
    );
  }
  const fusion = normalizeFusion(input.fusion, k);
  if (vector === null && fusion.weights.keyword === 0) {
    throw errors.invalidArgument('fusion.weights.keyword', 'above 0 for a query without a vector', 0);
  }
  const chosen = new Set(names);
  const excluded = new Set(input.exclude.filter((e) => chosen.has(e.collection)).map(hitKey));
  const lists: RankedList[] = [];
  let vectorPlan: SearchPlan | null = null;
  const distances = new Map<string, number>();
  if (vector !== null && fusion.weights.vector > 0) {
    const res = await planAndSearch(backend, indexes, {
      collections,
      vector,
      k: fusion.candidates,
      filter,
      exclude: input.exclude,
      include: {},
      index: input.index,
      ...(input.params ? { params: input.params } : {}),
      ...(input.stale ? { stale: input.stale } : {}),
      ...(input.metric !== undefined ? { metric: input.metric } : {}),
    });
    vectorPlan = res.plan;
    for (const h of res.hits) distances.set(hitKey(h), h.distance);
    lists.push({ name: 'vector', keys: res.hits, weight: fusion.weights.vector });
  }
  const keywordScores = new Map<string, number>();
  if (fusion.weights.keyword > 0) {
    const found = await backend.searchKeyword({
      collections: names,
      query: text,
      k: Math.min(MAX_K, fusion.candidates + excluded.size),
      filter,
      include: {},
    });
    const kept = found.filter((h) => !excluded.has(hitKey(h))).slice(0, fusion.candidates);
    for (const h of kept) keywordScores.set(hitKey(h), h.score);
    lists.push({ name: 'keyword', keys: kept, weight: fusion.weights.keyword });
  }
  const fused = reciprocalRankFusion(lists, { k: fusion.k }).slice(0, k);
  // Fields, and the vector distance of hits only the keyword side found.
  const missingDistance = vector !== null && fused.some((f) => !distances.has(hitKey(f)));
  const wantFields = include.metadata === true || include.content === true || include.vector === true;
  const needVectors = include.vector === true || missingDistance;
  const items =
    wantFields || missingDistance
      ? await fetchItems(backend, fused, { vectors: needVectors, content: include.content === true })
      : new Map<string, StoredItem>();
  const metric = input.metric ?? (collections[0] as CollectionInfo).metric;
  const hits = fused.map((f) => {
    const key = hitKey(f);
    const it = items.get(key);
    const hit: HybridHit = { collection: f.collection, id: f.id, score: f.score, ranks: f.ranks };
    const d =
      distances.get(key) ?? (vector !== null && it?.vector !== undefined ? distance(metric, vector, it.vector) : undefined);
    if (d !== undefined) hit.distance = d;
    const ks = keywordScores.get(key);
    if (ks !== undefined) hit.keywordScore = ks;
    if (include.metadata === true) hit.metadata = it?.metadata ?? null;
    if (include.content === true) hit.content = it?.content ?? null;
    if (include.vector === true && it?.vector !== undefined) hit.vector = it.vector;
    return hit;
  });
  const sides = `${keywordScores.size} keyword hits${vectorPlan ? ` and ${distances.size} vector hits` : ''}`;
  const many = names.length > 1 ? { collections: names } : {};
  const plan: SearchPlan =
    vectorPlan === null
      ? { strategy: 'keyword', index: null, reason: `keyword search over content (${sides})`, pending: 0, ...many }
      : {
          strategy: 'hybrid',
          index: vectorPlan.index,
          reason: `reciprocal rank fusion (k = ${fusion.k}, weights vector ${fusion.weights.vector} / keyword ${fusion.weights.keyword}) of ${sides}; vector side: ${vectorPlan.strategy}, ${vectorPlan.reason}`,
          pending: vectorPlan.pending,
          vector: vectorPlan,
          ...(vectorPlan.matching !== undefined ? { matching: vectorPlan.matching } : {}),
          ...many,
        };
  return { hits, plan };
}

function normalizeFusion(
  options: FusionOptions | undefined,
  k: number,
): { k: number; weights: { vector: number; keyword: number }; candidates: number } {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw errors.invalidArgument('fusion', 'an object like { k: 60, weights: { vector: 1, keyword: 1 } }', options);
  }
  const rrfK = options?.k ?? DEFAULT_RRF_K;
  if (typeof rrfK !== 'number' || !Number.isFinite(rrfK) || rrfK < 0)
    throw errors.invalidArgument('fusion.k', 'a finite number ≥ 0 (default 60)', rrfK);
  const weight = (name: 'vector' | 'keyword'): number => {
    const w = options?.weights?.[name] ?? 1;
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0)
      throw errors.invalidArgument(`fusion.weights.${name}`, 'a finite number ≥ 0 (default 1)', w);
    return w;
  };
  const weights = { vector: weight('vector'), keyword: weight('keyword') };
  if (weights.vector === 0 && weights.keyword === 0) {
    throw errors.invalidArgument('fusion.weights', 'at least one weight above 0', options?.weights);
  }
  const candidates = options?.candidates ?? Math.min(MAX_K, Math.max(2 * k, 50));
  if (typeof candidates !== 'number' || !Number.isInteger(candidates) || candidates < k || candidates > MAX_K) {
    throw errors.invalidArgument('fusion.candidates', `an integer from k (${k}) to ${MAX_K}`, candidates);
  }
  return { k: rrfK, weights, candidates };
}
