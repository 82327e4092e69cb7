import type { StorageBackend } from '../contracts/storage-backend.js';
import { VecdexError } from '../errors/vecdex-error.js';
import type { FilterNode } from '../filter/filter-ast.js';
import { filterPredicate } from '../filter/filter-predicate.js';
import { FilterStats } from './filter-stats.js';
import type { IndexQuery, Indexes } from '../indexes/index-manager.js';
import type { StalePolicy } from '../indexes/index-status.js';
import type { CollectionInfo } from '../model/collection.js';
import type { JsonValue } from '../model/item.js';
import type { Metric } from '../model/metric.js';
import type { Include, SearchHit } from '../model/search.js';
import { MAX_K } from '../validation/validate-k.js';

/**
 * At or below this many matching items, a filtered query runs exact search over just those.
 *
 * Measured with `node bench/filtered-recall.mjs` (Fashion-MNIST, 60,000 × 784, l2, k = 10,
 * hnswlib M = 16, efConstruction = 200, efSearch 64, sqlite-vec 0.1.9, a shared 2-core box),
 * mean ms per query for m matching items (filter `{ r: { $lt: m } }`, independent of the vectors):
 *
 * | m     | exact over the subset | index, filter inside: cold (count + collect ids) | warm (ids cached) |
 * | 60    | 69                    | 320                                               | 241               |
 * | 250   | 103                   | 209                                               | 95                |
 * | 600   | 64                    | 106                                               | 27                |
 * | 1,000 | 133                   | 195                                               | 42                |
 * | 2,000 | 88                    | 115                                               | 15                |
 * | 8,000 | 215                   | 319                                               | 12                |
 *
 * (An earlier run on a busier machine: 162 / 731 / 507 ms at 60, 152 / 326 / 147 at 250, 133 /
 * 223 / 59 at 600.) Exact over a subset costs about the same whatever m (sqlite-vec evaluates
 * the filter over every row and scans the vec0 chunks), while filtered HNSW gets slow when few
 * entries pass (at 0.1 % it walks most of the graph: recall stays 1.0, a quarter second per
 * query). Exact also needs a count first (~80 ms here, cached for repeated filters). Warm, the
 * index wins from ~250 matching items; cold, the two meet at ~600–1,000. Recall@10 of the index
 * path was 1.0 at every m. 500 is the crossover taken.
 */
export const EXACT_SUBSET_THRESHOLD = 500;

/**
 * From this fraction of the collection matching the filter upwards, an index query searches
 * unfiltered for `k / selectivity · 1.5` candidates and filters them afterwards (doubling while
 * short), instead of first collecting every matching id for an in-search filter (at 50 % of 60k
 * items, collecting the ids costs ~300 ms cold): bench/filtered-recall.mjs measured 10.4 ms at
 * 10 % and 3.4 ms at 50 % per query, recall@10 0.997 and 1.0. When the filter disagrees with the
 * query's neighbourhood (another class than the query's), few candidates match and the planner
 * falls back to the in-search filter.
 */
export const OVERSAMPLE_MIN_SELECTIVITY = 0.1;

/** Oversampled candidates beyond this many switch to the in-search filter (the filter and the query disagree). */
const OVERSAMPLE_MAX_CANDIDATES = 2000;

export interface SearchPlanInput {
  info: CollectionInfo;
  vector: Float32Array;
  k: number;
  filter: FilterNode | null;
  exclude: { collection: string; id: string }[];
  include: Include;
  /** Index to use; null = exact. */
  index: string | null;
  params?: { [key: string]: JsonValue };
  stale?: StalePolicy;
  /** Rank by this metric instead of the collection's; an index (built for the collection's) is then bypassed. */
  metric?: Metric;
}

/** How a query was answered, for `--explain` and tests. */
export interface SearchPlan {
  /**
   * - `exact`: exact search (no index, or `exact: true`);
   * - `exact-subset`: few items match the filter, exact search over just those;
   * - `index`: the index, with the filter (if any) applied inside its search;
   * - `index-oversample`: the index, asked for more candidates, filtered afterwards (broad filters);
   * - `index-fallback-exact`: the index came back short of k while k items matched; answered exactly;
   * - `keyword` / `hybrid`: a text query (see `Collection.search`).
   */
  strategy: 'exact' | 'exact-subset' | 'index' | 'index-oversample' | 'index-fallback-exact' | 'keyword' | 'hybrid';
  index: string | null;
  reason: string;
  /** Changes the index was behind by when it answered (stale: 'allow'). */
  pending: number;
  /** Items matching the filter, when there is one and it was counted. */
  matching?: number;
  /** The vector side's own plan, for `hybrid`. */
  vector?: SearchPlan;
}

/**
 * Answer one similarity query: exact search, or an index with the filter applied inside the
 * search or over oversampled candidates. Never returns fewer than k hits while k matching items
 * exist: when an index comes back short (tombstones, a selective filter), the query is answered
 * exactly instead.
 */
export async function planAndSearch(
  backend: StorageBackend,
  indexes: Indexes,
  input: SearchPlanInput,
): Promise<{ hits: SearchHit[]; plan: SearchPlan }> {
  const { info, vector, k, filter, exclude, include } = input;
  let matching: number | undefined;
  const exact = async (strategy: SearchPlan['strategy'], reason: string) => ({
    hits: await backend.searchExact({
      collections: [info.name],
      vector,
      k,
      metric: input.metric ?? info.metric,
      filter,
      exclude,
      include,
    }),
    plan: { strategy, index: input.index, reason, pending: 0, ...(matching !== undefined ? { matching } : {}) },
  });
  if (input.index === null) return exact('exact', 'no index requested and the collection has no default index');
  if (input.metric !== undefined && input.metric !== info.metric) {
    return exact(
      'index-fallback-exact',
      `index "${input.index}" ranks by ${info.metric}, the metric it was built for; the query asks for ${input.metric}, so it was answered exactly`,
    );
  }
  const def = await indexes.definition(input.index);
  if (!def.collections.includes(info.name)) {
    throw new VecdexError('INVALID_ARGUMENT', `index "${def.name}" does not cover collection "${info.name}"`, {
      details: { index: def.name, collection: info.name },
    });
  }
  const excluded = new Set(exclude.filter((e) => e.collection === info.name).map((e) => e.id));
  // Counts and id sets of filters, reused while the store is unchanged (see FilterStats).
  const stats = new FilterStats(backend);
  const countAll = () => stats.count(info, null);
  const base = {
    stale: input.stale ?? 'sync',
    ...(input.params ? { params: input.params } : {}),
  } satisfies Partial<IndexQuery>;
  const mine = (key: { collection: string; id: string }) => key.collection === info.name && !excluded.has(key.id);
  const needsAllow = def.collections.length > 1 || excluded.size > 0;
  let reason = 'default or requested index';
  let allowedIds: Set<string> | null = null;
  if (filter !== null) {
    matching = await stats.count(info, filter);
    const all = await countAll();
    const selectivity = all === 0 ? 0 : matching / all;
    const pct = `${(selectivity * 100).toPrecision(2)} %`;
    if (matching <= EXACT_SUBSET_THRESHOLD) {
      return exact(
        'exact-subset',
        `the filter matches ${matching} items (≤ ${EXACT_SUBSET_THRESHOLD}): exact search over them is fastest`,
      );
    }
    const want = Math.min(k, matching - excluded.size);
    if (selectivity >= OVERSAMPLE_MIN_SELECTIVITY) {
      const over = await oversample(backend, indexes, def.name, input, {
        k,
        want,
        selectivity,
        total: all,
        base,
        mine,
        needsAllow,
      });
      if (over !== null) {
        const out = await attachFields(backend, info.name, over.hits, include);
        const why = `the filter matches ${matching} of ${all} items (${pct} ≥ ${OVERSAMPLE_MIN_SELECTIVITY * 100} %): searched for ${over.asked} unfiltered candidates and kept the matching ones`;
        return {
          hits: out,
          plan: { strategy: 'index-oversample', index: def.name, reason: why, pending: over.pending, matching },
        };
      }
      reason = `the filter matches ${matching} of ${all} items (${pct}), but oversampled candidates stayed short (the filter and the query disagree): filter applied inside the index search`;
    } else {
      reason = `the filter matches ${matching} of ${all} items (${pct} < ${OVERSAMPLE_MIN_SELECTIVITY * 100} %, > ${EXACT_SUBSET_THRESHOLD}): filter applied inside the index search`;
    }
    allowedIds = await stats.ids(info, filter);
  }
  const ids = allowedIds;
  const allow =
    !needsAllow && ids === null
      ? undefined
      : (key: { collection: string; id: string }) => mine(key) && (ids === null || ids.has(key.id));
  const where = { collection: info.name, filter, exclude: [...excluded] };
  const selectivity = ids === null ? undefined : ids.size / Math.max(1, await countAll());
  const { hits, pending } = await indexes.search(def.name, vector, {
    ...base,
    k,
    ...(allow ? { allow, where } : {}),
    ...(allow && selectivity !== undefined ? { selectivity } : {}),
  });
  if (hits.length < k) {
    const available =
      (ids?.size ?? (await countAll())) - (ids === null ? excluded.size : [...excluded].filter((id) => ids.has(id)).length);
    if (hits.length < Math.min(k, available)) {
      return exact(
        'index-fallback-exact',
        `index "${def.name}" returned ${hits.length} of ${Math.min(k, available)} possible hits`,
      );
    }
  }
  const out = await attachFields(backend, info.name, hits, include);
  return {
    hits: out,
    plan: { strategy: 'index', index: def.name, reason, pending, ...(matching !== undefined ? { matching } : {}) },
  };
}

/**
 * Broad filters: ask the index for `k / selectivity · 1.5` candidates without the filter, keep
 * those whose metadata matches, and double the request while fewer than `want` are kept. Null
 * when the candidates would exceed {@link OVERSAMPLE_MAX_CANDIDATES}: the caller then filters
 * inside the search instead.
 */
async function oversample(
  backend: StorageBackend,
  indexes: Indexes,
  index: string,
  input: SearchPlanInput,
  o: {
    k: number;
    want: number;
    selectivity: number;
    total: number;
    base: Partial<IndexQuery>;
    mine: (key: { collection: string; id: string }) => boolean;
    needsAllow: boolean;
  },
): Promise<{ hits: { collection: string; id: string; distance: number }[]; asked: number; pending: number } | null> {
  const match = filterPredicate(input.filter);
  const limit = Math.min(MAX_K, OVERSAMPLE_MAX_CANDIDATES, o.total);
  let asked = Math.min(limit, Math.max(o.k, Math.ceil((o.k / o.selectivity) * 1.5)));
  for (;;) {
    const where = { collection: input.info.name, filter: null, exclude: [] as string[] };
    const q = { ...o.base, k: asked, ...(o.needsAllow ? { allow: o.mine, where } : {}) } as IndexQuery;
    const { hits, pending } = await indexes.search(index, input.vector, q);
    const items = await backend.get(
      input.info.name,
      hits.map((h) => h.id),
      { vectors: false },
    );
    const ok = new Set(items.filter((it) => match(it.metadata)).map((it) => it.id));
    const kept = hits.filter((h) => ok.has(h.id));
    if (kept.length >= o.want) return { hits: kept.slice(0, o.k), asked, pending };
    if (asked >= limit || hits.length < asked) return null;
    // How many candidates the matching share seen so far says are needed: when that is beyond
    // the limit (the filter and the query's neighbourhood disagree), give up now, not after
    // doubling a few more times.
    const needed = Math.ceil((o.want / Math.max(kept.length / hits.length, 1e-9)) * 1.5);
    if (needed > limit) return null;
    asked = Math.min(limit, Math.max(asked * 2, needed));
  }
}

async function attachFields(
  backend: StorageBackend,
  collection: string,
  hits: { collection: string; id: string; distance: number }[],
  include: Include,
): Promise<SearchHit[]> {
  const wantFields = include.metadata === true || include.content === true || include.vector === true;
  if (!wantFields || hits.length === 0) return hits.map((h) => ({ collection: h.collection, id: h.id, distance: h.distance }));
  const items = await backend.get(
    collection,
    hits.map((h) => h.id),
    { vectors: include.vector === true },
  );
  const byId = new Map(items.map((it) => [it.id, it]));
  return hits.map((h) => {
    const it = byId.get(h.id);
    const hit: SearchHit = { collection: h.collection, id: h.id, distance: h.distance };
    if (include.metadata === true) hit.metadata = it?.metadata ?? null;
    if (include.content === true) hit.content = it?.content ?? null;
    if (include.vector === true && it?.vector !== undefined) hit.vector = it.vector;
    return hit;
  });
}
