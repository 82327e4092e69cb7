import type { PlannerHints } from '../contracts/planner-hints.js';
import type { StorageBackend } from '../contracts/storage-backend.js';
import { VecdexError } from '../errors/vecdex-error.js';
import type { FilterNode } from '../filter/filter-ast.js';
import { FilterStats } from './filter-stats.js';
import type { IndexQuery, Indexes } from '../indexes/index-manager.js';
import type { StalePolicy } from '../indexes/index-status.js';
import type { CollectionInfo } from '../model/collection.js';
import type { JsonValue } from '../model/item.js';
import type { Metric } from '../model/metric.js';
import type { Include, SearchHit } from '../model/search.js';
import { MAX_K } from '../validation/validate-k.js';
import { isIndexedFilter } from '../filter/indexed-filter.js';
import { hitKey, resolveHits } from './hit-fields.js';
import { oversample } from './oversample.js';
import { describeCompression, readCompression } from '../compression/compression-spec.js';

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
 * When the filter is answered from the indexes of declared filterable fields (every collection
 * searched declares them, see `isIndexedFilter`) and matches under OVERSAMPLE_MIN_SELECTIVITY,
 * exact search over the matching items costs what they are (their ids from a B-tree, their
 * vectors gathered from sqlite-vec's in-memory copy and scanned), not what the collection is:
 * the query runs exactly while matching × dimensions stays within this many vector components
 * (10,000 items at 128 dimensions, 1,630 at 784).
 *
 * Measured with `node bench/filter-scale.mjs --count 200000 --index hnswlib` and at 1M without
 * an index (clustered 128-d, metadata { g: i % 1000, h: i % 100, t: i % 10 } declared, hnswlib
 * M 16 / efConstruction 100 / efSearch 64, 30 queries, k 10; a 2-core box at load average
 * 27–40), mean ms per query:
 *
 * | items | matching       | exact-subset | index, filter inside (ids cached) | oversample |
 * | 200k  | 200 (0.1 %)    | 4.1          | 820 (recall 0.990)                | 369 (0.81) |
 * | 200k  | 2,000 (1 %)    | 6.9–19       | 56–67 (0.997–1.0)                 | 32–41      |
 * | 200k  | 20,000 (10 %)  | 141          | 11.5 (0.997)                      | 4.8 (0.99) |
 * | 1M    | 1,000 (0.1 %)  | 2.2          |                                   |            |
 * | 1M    | 10,000 (1 %)   | 86–118       | ~107 (issue 14, an idle machine)  |            |
 * | 1M    | 100,000 (10 %) | 698          |                                   |            |
 *
 * Exact over the subset grew by ~7–12 µs per matching item then (SQLite reading each id, the
 * copy's id → slot map, the gather: memory-bound), the in-search filter falls as more items
 * pass; they met near 10,000 matching items at 128 dimensions. Undeclared, the same filters
 * cost 0.25–0.7 s (200k) and 1.9–3.3 s (1M) per count, id list or exact search on this box,
 * whatever they match, which is why EXACT_SUBSET_THRESHOLD stays 500 for them.
 *
 * This is the default for index plugins that declare no `planner` hints (`PlannerHints`). Since
 * the exact-subset path reads rowids from the field indexes and keeps subsets (`SubsetCache` in
 * backend-sqlitevec), it costs ~0.6 µs per matching item, and with a filter no earlier query
 * used (`--cold`) the in-search filter pays for collecting the matching ids first. Measured
 * with `node bench/filter-scale.mjs --count 1000000 --index hnswlib|usearch --cold
 * --skip-undeclared --selectivities 0.001,0.003,0.01,0.03,0.1 --queries 20` (load average 2–11),
 * mean ms per query with each path's count, recall@10 1.0 for exact, 0.91–0.995 otherwise:
 *
 * | 1M, matching   | exact-subset | hnswlib: inside / oversample | usearch: inside / oversample |
 * | 1,000 (0.1 %)  | 1.1–1.4      | 124 / 74                     | 37 / 73                      |
 * | 10,000 (1 %)   | 8.6–9.2      | 27 / 14                      | 19 / 12.4                    |
 * | 30,000 (3 %)   | 20–22        | 43 / 5.9                     | 39 / 6.4                     |
 * | 100,000 (10 %) | 62–63        | 124 / 7.7                    | 121 / 8.0                    |
 *
 * So hnswlib and usearch declare `exactSubsetMaxScan` 2,560,000 (20,000 × 128) with
 * `oversampleMinSelectivity` 0.02, and the FAISS plugin (whose filter runs on its results and
 * comes back short) 12,800,000; this default stays for plugins that measured nothing.
 */
export const EXACT_SUBSET_MAX_SCAN = 1_280_000;

/**
 * From this fraction of the collection matching the filter upwards, an index query searches
 * unfiltered for `k / selectivity · 1.5` candidates and filters them afterwards (doubling while
 * short), instead of first collecting every matching id for an in-search filter (at 50 % of 60k
 * items, collecting the ids costs ~300 ms cold): bench/filtered-recall.mjs measured 10.4 ms at
 * 10 % and 3.4 ms at 50 % per query, recall@10 0.997 and 1.0. When the filter disagrees with the
 * query's neighbourhood (another class than the query's), few candidates match and the planner
 * falls back to the in-search filter.
 *
 * The default for plugins without `planner` hints: at 1M × 128 with a new filter each query,
 * oversampling beat the in-search filter (which first collects the matching ids) from 1 % and
 * exact search over the matches from ~2 % through hnswlib and usearch (see EXACT_SUBSET_MAX_SCAN),
 * so both declare 0.02; FAISS keeps 0.1 (its candidates had recall 0.06–0.44 below it).
 */
export const OVERSAMPLE_MIN_SELECTIVITY = 0.1;

const NOTHING_EXCLUDED: ReadonlySet<string> = new Set();

/** The thresholds a query through one index is planned with: its plugin's hints, else the defaults above. */
interface Thresholds {
  maxItems: number;
  maxScan: number;
  minSelectivity: number;
  /** `, <plugin>'s planner hint` for each threshold the plugin set, for the plan's reason. */
  said: { maxItems: string; maxScan: string; minSelectivity: string };
}

function thresholdsOf(plugin: string, hints: PlannerHints | undefined): Thresholds {
  const said = (v: number | undefined) => (v === undefined ? '' : `, index plugin ${plugin}'s planner hint`);
  return {
    maxItems: hints?.exactSubsetMaxItems ?? EXACT_SUBSET_THRESHOLD,
    maxScan: hints?.exactSubsetMaxScan ?? EXACT_SUBSET_MAX_SCAN,
    minSelectivity: hints?.oversampleMinSelectivity ?? OVERSAMPLE_MIN_SELECTIVITY,
    said: {
      maxItems: said(hints?.exactSubsetMaxItems),
      maxScan: said(hints?.exactSubsetMaxScan),
      minSelectivity: said(hints?.oversampleMinSelectivity),
    },
  };
}

export interface SearchPlanInput {
  /**
   * The collections searched: one, or several that one index covers (then of the same
   * dimensions and metric). Hits of several collections are merged by distance.
   */
  collections: readonly CollectionInfo[];
  vector: Float32Array;
  k: number;
  filter: FilterNode | null;
  exclude: { collection: string; id: string }[];
  include: Include;
  /** Index to use; null = exact. */
  index: string | null;
  params?: { [key: string]: JsonValue };
  stale?: StalePolicy;
  /** Rank by this metric instead of the collections'; an index (built for theirs) is then bypassed. */
  metric?: Metric;
  /** The store's change token read as the query began (see `QueryTarget.token`). */
  token?: string;
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
  /** Changes the index applied just before answering (the default stale: 'sync'), when any. */
  synced?: number;
  /** Items matching the filter, when there is one and it was counted. */
  matching?: number;
  /** `matching` as a fraction of the items searched (0–1), when counted. */
  selectivity?: number;
  /** The vector side's own plan, for `hybrid`. */
  vector?: SearchPlan;
  /** The collections searched, when more than one (`vx.search`). */
  collections?: string[];
  /**
   * How a query text became the query vector: the model, and where the vector came from
   * (`memory`: this process's query cache; `store`: the persistent embedding cache;
   * `provider`: a request to the embedding provider).
   */
  embedding?: { model: string; source: 'memory' | 'store' | 'provider' };
}

/**
 * Answer one similarity query over one collection or several an index covers: exact search,
 * or an index with the filter applied inside the search or over oversampled candidates. Never
 * returns fewer than k hits while k matching items exist: when an index comes back short
 * (tombstones, a selective filter), the query is answered exactly instead. Never returns an item
 * that no longer exists, even from an index searched while behind (`stale: 'allow'`).
 */
export async function planAndSearch(
  backend: StorageBackend,
  indexes: Indexes,
  input: SearchPlanInput,
): Promise<{ hits: SearchHit[]; plan: SearchPlan }> {
  const { collections, vector, k, filter, exclude, include } = input;
  const first = collections[0];
  if (first === undefined) throw new VecdexError('INVALID_ARGUMENT', 'a search needs at least one collection');
  const names = collections.map((c) => c.name);
  const many = names.length > 1 ? { collections: names } : {};
  let matching: number | undefined;
  let selectivity: number | undefined;
  const exact = async (strategy: SearchPlan['strategy'], reason: string) => ({
    hits: await backend.searchExact({
      collections: names,
      vector,
      k,
      metric: input.metric ?? first.metric,
      filter,
      exclude,
      include,
    }),
    plan: {
      strategy,
      index: input.index,
      reason,
      pending: 0,
      ...(matching !== undefined ? { matching } : {}),
      ...(selectivity !== undefined ? { selectivity } : {}),
      ...many,
    },
  });
  if (input.index === null) {
    return exact(
      'exact',
      names.length === 1
        ? 'no index requested and the collection has no default index'
        : `no index requested: exact search over ${names.length} collections`,
    );
  }
  if (input.metric !== undefined && input.metric !== first.metric) {
    return exact(
      'index-fallback-exact',
      `index "${input.index}" ranks by ${first.metric}, the metric it was built for; the query asks for ${input.metric}, so it was answered exactly`,
    );
  }
  const def = indexes.opened(input.index) ?? (await indexes.definition(input.index));
  const uncovered = names.find((n) => !def.collections.includes(n));
  if (uncovered !== undefined) {
    throw new VecdexError(
      'INVALID_ARGUMENT',
      `index "${def.name}" does not cover collection "${uncovered}" (it covers ${def.collections.join(', ')})`,
      { details: { index: def.name, collection: uncovered } },
    );
  }
  const chosen = new Set(names);
  const excluded = exclude.length === 0 ? NOTHING_EXCLUDED : new Set(exclude.filter((e) => chosen.has(e.collection)).map(hitKey));
  // Counts and id sets of filters, reused while the store is unchanged (see FilterStats); made
  // when first needed (an unfiltered query that comes back full needs none).
  let filterStats: FilterStats | null = null;
  const stats = () => {
    filterStats ??= new FilterStats(backend);
    return filterStats;
  };
  const countOf = async (f: FilterNode | null) => {
    let n = 0;
    for (const c of collections) n += await stats().count(c, f);
    return n;
  };
  const countAll = () => countOf(null);
  const base: { stale: StalePolicy; params?: { [key: string]: JsonValue } } = { stale: input.stale ?? 'sync' };
  if (input.params) base.params = input.params;
  const mine = (key: { collection: string; id: string }) => chosen.has(key.collection) && !excluded.has(hitKey(key));
  const needsAllow = def.collections.length > names.length || excluded.size > 0;
  // The structured form of `mine` for plugins that filter in their own query language (native
  // indexes, which cover one collection); over several collections only `allow` says it.
  const whereOf = (f: FilterNode | null) =>
    names.length === 1
      ? { collection: first.name, filter: f, exclude: exclude.filter((e) => e.collection === first.name).map((e) => e.id) }
      : undefined;
  let reason = 'default or requested index';
  let allowedIds: Map<string, Set<string>> | null = null;
  if (filter !== null) {
    matching = await countOf(filter);
    const all = await countAll();
    selectivity = all === 0 ? 0 : matching / all;
    const pct = `${(selectivity * 100).toPrecision(2)} %`;
    const t = thresholdsOf(def.plugin, indexes.plannerHints(def));
    if (matching <= t.maxItems) {
      return exact(
        'exact-subset',
        `the filter matches ${matching} items (≤ ${t.maxItems}${t.said.maxItems}): exact search over them is fastest`,
      );
    }
    if (
      selectivity < t.minSelectivity &&
      matching * first.dimensions <= t.maxScan &&
      collections.every((c) => isIndexedFilter(filter, c.filterable))
    ) {
      return exact(
        'exact-subset',
        `the filter matches ${matching} items through filterable fields' indexes (${matching} × ${first.dimensions} dimensions ≤ ${t.maxScan.toLocaleString('en')}${t.said.maxScan}): exact search over them is fastest`,
      );
    }
    const want = Math.min(k, matching - excluded.size);
    if (selectivity >= t.minSelectivity) {
      const where = whereOf(null);
      const over = await oversample(backend, indexes, {
        index: def.name,
        vector,
        filter,
        k,
        want,
        selectivity,
        total: all,
        base,
        mine,
        needsAllow,
        ...(where ? { where } : {}),
      });
      if (over !== null) {
        const { hits } = await resolveHits(backend, over.hits, include, false);
        const why = `the filter matches ${matching} of ${all} items (${pct} ≥ ${t.minSelectivity * 100} %${t.said.minSelectivity}): searched for ${over.asked} unfiltered candidates and kept the matching ones`;
        return {
          hits,
          plan: {
            strategy: 'index-oversample',
            index: def.name,
            reason: why,
            pending: over.pending,
            ...(over.synced > 0 ? { synced: over.synced } : {}),
            matching,
            selectivity,
            ...many,
          },
        };
      }
      reason = `the filter matches ${matching} of ${all} items (${pct}), but oversampled candidates stayed short (the filter and the query disagree): filter applied inside the index search`;
    } else {
      reason = `the filter matches ${matching} of ${all} items (${pct} < ${t.minSelectivity * 100} %${t.said.minSelectivity}, > ${t.maxItems}${t.said.maxItems}): filter applied inside the index search`;
    }
    allowedIds = new Map();
    for (const c of collections) allowedIds.set(c.name, await stats().ids(c, filter));
  }
  const ids = allowedIds;
  let allowedCount: number | null = null;
  if (ids !== null) {
    allowedCount = 0;
    for (const set of ids.values()) allowedCount += set.size;
  }
  const allow =
    !needsAllow && ids === null
      ? undefined
      : (key: { collection: string; id: string }) => mine(key) && (ids === null || ids.get(key.collection)?.has(key.id) === true);
  const where = whereOf(filter);
  const allowSelectivity = allowedCount === null ? undefined : allowedCount / Math.max(1, await countAll());
  // Plain assignments, not spreads: this runs per query.
  const ask = (n: number) => {
    const query: IndexQuery = { k: n, stale: base.stale };
    if (base.params !== undefined) query.params = base.params;
    if (input.token !== undefined) query.token = input.token;
    if (allow !== undefined) {
      query.allow = allow;
      if (where !== undefined) query.where = where;
      if (allowSelectivity !== undefined) query.selectivity = allowSelectivity;
    }
    return indexes.search(def.name, vector, query);
  };
  const initial = await ask(k);
  let pending = initial.pending;
  // Behind the store (stale: 'allow'), the index may return items deleted since its cursor:
  // check them against the store even when no field is wanted.
  let resolved = await resolveHits(backend, initial.hits, include, pending > 0);
  if (resolved.dropped > 0) {
    // At most `pending` (or, for a delete racing this query, `dropped`) entries are gone: asking
    // for that many more finds k live ones whenever the index holds them.
    const again = await ask(Math.min(MAX_K, k + Math.max(pending, resolved.dropped)));
    pending = again.pending;
    const live = await resolveHits(backend, again.hits, include, true);
    resolved = { hits: live.hits.slice(0, k), dropped: resolved.dropped };
  }
  const hits = resolved.hits;
  if (hits.length < k) {
    const excludedAllowed =
      ids === null
        ? excluded.size
        : exclude.filter((e) => chosen.has(e.collection) && ids.get(e.collection)?.has(e.id) === true).length;
    const available = (allowedCount ?? (await countAll())) - excludedAllowed;
    if (hits.length < Math.min(k, available)) {
      return exact(
        'index-fallback-exact',
        `index "${def.name}" returned ${hits.length} of ${Math.min(k, available)} possible hits${resolved.dropped > 0 ? ` (it was ${pending} change(s) behind and named ${resolved.dropped} deleted item(s))` : ''}`,
      );
    }
  }
  if (resolved.dropped > 0) reason += `; left out ${resolved.dropped} item(s) deleted since the index's last sync`;
  const compression = readCompression(def.params);
  if (compression !== null) reason += `; compressed: ${describeCompression(compression, first.dimensions)}`;
  return {
    hits,
    plan: {
      strategy: 'index',
      index: def.name,
      reason,
      pending,
      ...(initial.synced > 0 ? { synced: initial.synced } : {}),
      ...(matching !== undefined ? { matching } : {}),
      ...(selectivity !== undefined ? { selectivity } : {}),
      ...many,
    },
  };
}
