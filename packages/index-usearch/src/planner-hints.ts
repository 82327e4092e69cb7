import type { PlannerHints } from '@vecdex/core';

/**
 * What a filtered query costs through usearch, for core's planner (`IndexPluginSpec.planner`).
 * The binding has no filtered search, so the plugin's `allow` path oversamples itself (see the
 * README), and core must first collect the matching ids for it (~10 ms for 10,000 of 1M, ~50 ms
 * for 100,000): with a filter no earlier query used it is never the cheapest path; exact
 * search over the matches is taken up to 2 % (20,000 items at 128 dimensions: 2,560,000
 * components), oversampling from 2 %. (With the ids cached, a repeated 1 % filter took 3 ms
 * inside the search against 0.5 ms exactly over its cached subset, so repeated filters do not
 * change the choice.)
 *
 * Measured with `node bench/filter-scale.mjs --count 1000000 --index usearch --cold
 * --skip-undeclared --selectivities 0.001,0.003,0.01,0.03,0.1 --queries 20` (1M × 128 clustered,
 * l2, declared fields, connectivity 16 / expansionAdd 100, expansionSearch 64 (the default);
 * every query a filter no earlier query used; a 2-core box at load average 2–4), mean ms per
 * query, each path with its count:
 *
 * | matching        | exact-subset | filter inside (ids collected) | oversample (recall) |
 * | 1,000 (0.1 %)   | 1.1          | 37                            | 73 (0.885)          |
 * | 3,000 (0.3 %)   | 2.5          | 16                            | 36 (0.985)          |
 * | 10,000 (1 %)    | 9.2          | 19                            | 12.4 (0.975)        |
 * | 30,000 (3 %)    | 21.9         | 39                            | 6.4 (0.91)          |
 * | 100,000 (10 %)  | 62           | 121                           | 8.0 (0.92)          |
 *
 * The oversampled paths' recall is the unfiltered search's at this expansionSearch (0.92–0.93
 * at 10 %); raise `efSearch` per query for more. At 100k the same run gave exact 0.3–8.6 ms,
 * the filter inside 31–12 ms and oversampling 55–2.4 ms from 0.1 to 10 %.
 */
export const USEARCH_PLANNER_HINTS: PlannerHints = Object.freeze({
  exactSubsetMaxScan: 2_560_000,
  oversampleMinSelectivity: 0.02,
});
