import type { PlannerHints } from '@vecdex/core';

/**
 * What a filtered query costs through hnswlib, for core's planner (`IndexPluginSpec.planner`).
 * hnswlib applies a filter inside its search through a JavaScript callback per visited node,
 * and walks much of the graph when few entries pass, so the in-search filter is the dearest
 * path at every selectivity measured: exact search over the matches is taken up to 2 % (20,000
 * items at 128 dimensions: 2,560,000 components), oversampling from 2 %.
 *
 * Measured with `node bench/filter-scale.mjs --count 1000000 --index hnswlib --cold
 * --skip-undeclared --selectivities 0.001,0.003,0.01,0.03,0.1 --queries 20` (1M × 128 clustered,
 * l2, declared fields, M 16 / efConstruction 100, efSearch 64; every query a filter no earlier
 * query used; a 2-core box at load average 2–11), mean ms per query, each path with its count:
 *
 * | matching        | exact-subset | filter inside (ids collected) | oversample (recall) |
 * | 1,000 (0.1 %)   | 1.4          | 124                           | 74 (0.88)           |
 * | 3,000 (0.3 %)   | 2.5          | 44                            | 34 (0.98)           |
 * | 10,000 (1 %)    | 8.6          | 27                            | 14 (0.985)          |
 * | 30,000 (3 %)    | 20.3         | 43                            | 5.9 (0.98)          |
 * | 100,000 (10 %)  | 63           | 124                           | 7.7 (0.975)         |
 *
 * Exact search over the matches grows by ~0.6 µs per matching item and has recall 1.0;
 * oversampling falls as more items pass; they meet near 1.5–2 %. At 100k the same run gave
 * exact 0.4–5.4 ms and oversampling 52–1.9 ms from 0.1 to 10 % (crossover near 5 %: taking
 * oversampling from 2 % there costs ~1.5 ms at 3 %).
 */
export const HNSWLIB_PLANNER_HINTS: PlannerHints = Object.freeze({
  exactSubsetMaxScan: 2_560_000,
  oversampleMinSelectivity: 0.02,
});
