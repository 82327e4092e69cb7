import type { PlannerHints } from '@vecdex/core';

/**
 * What a filtered query costs through FAISS, for core's planner (`IndexPluginSpec.planner`).
 * faiss-node cannot filter inside a search: the plugin asks for more candidates (×4 per round)
 * and keeps the allowed ones, so a selective filter through the index is slow and, for HNSW,
 * comes back short (core then answers exactly, having paid for both). On declared filterable
 * fields exact search over the matches is therefore taken up to the oversampling threshold
 * (kept at core's 10 %: below it oversampled candidates had recall 0.06–0.44), for up to
 * 100,000 matching items at 128 dimensions (12,800,000 components: exact over 100,000 of 1M
 * took 62 ms in the hnswlib and usearch runs of the same benchmark, recall 1.0).
 *
 * Measured with `node bench/filter-scale.mjs --count 100000 --index faiss --cold
 * --skip-undeclared --selectivities 0.001,0.003,0.01,0.03,0.1 --queries 20` (100k × 128 clustered,
 * l2, declared fields, factory HNSW16 / efConstruction 100; every query a filter no earlier query
 * used; a 2-core box at load average 2–4), mean ms per query (recall@10, fewest hits of 10):
 *
 * | matching      | exact-subset    | filter inside (ids collected) | oversample        |
 * | 100 (0.1 %)   | 0.38 (1.0, 10)  | 19.9 (0.015, 0)               | 20.2 (0.005, 0)   |
 * | 1,000 (1 %)   | 0.86 (1.0, 10)  | 22.2 (0.23, 0)                | 31.6 (0.19, 0)    |
 * | 3,000 (3 %)   | 2.05 (1.0, 10)  | 21.3 (0.41, 2)                | 19.9 (0.44, 2)    |
 * | 10,000 (10 %) | 5.20 (1.0, 10)  | 9.4 (0.94, 10)                | 2.95 (0.965, 10)  |
 *
 * At 1M (`--count 1000000`, build 205 s, load average 1–2.6) with these hints: the filter
 * through the index came back short at 0.1–1 % (recall 0.07–0.62, 200–290 ms) and at 3 % for
 * some queries (recall 0.84, 54 ms); the planner answered exactly, 1.4 / 4.4 / 10.9 / 19.7 ms at
 * 0.1 / 0.3 / 1 / 3 %, recall 1.0, and oversampled at 10 % (8.0 ms, recall 0.88: the graph's at
 * its default efSearch). Not measured for IVF factories (an IVF index filters by probing more
 * cells and declines when the filter disagrees with them, see faiss-search.ts).
 */
export const FAISS_PLANNER_HINTS: PlannerHints = Object.freeze({
  exactSubsetMaxScan: 12_800_000,
});
