/**
 * What a filtered query costs through an index, as the plugin's author measured it: core's
 * planner reads these to choose between exact search over the filter's matches
 * (`exact-subset`), an unfiltered index search oversampled and filtered afterwards
 * (`index-oversample`), and the filter applied inside the index search (`index`). Every member
 * is optional; an absent one keeps core's default (`EXACT_SUBSET_THRESHOLD`,
 * `EXACT_SUBSET_MAX_SCAN`, `OVERSAMPLE_MIN_SELECTIVITY`, exported by `@vecdex/core`), so a
 * plugin without hints plans as before. The plan never returns fewer than k hits whatever the
 * hints say: an index that comes back short is answered exactly.
 *
 * A backend's native indexes declare them the same way, on the specs its `indexPlugins()`
 * returns. Measure them with `bench/filter-scale.mjs --index <your plugin> --cold` at the sizes
 * you expect: the crossovers move with the collection's size, the dimensions and the machine,
 * so a hint is a default for typical use, not a guarantee.
 *
 * ```ts
 * export default definePlugin({
 *   kind: 'index',
 *   name: 'myindex',
 *   // the filter inside my search is cheap: exact only up to 2,000 matching 128-d vectors
 *   planner: { exactSubsetMaxScan: 256_000, oversampleMinSelectivity: 0.05 },
 *   ...
 * })
 * ```
 */
export interface PlannerHints {
  /**
   * At or below this many matching items a filtered query runs exact search over them,
   * whatever the filter (declared fields or not). Default `EXACT_SUBSET_THRESHOLD` (500).
   * A non-negative integer.
   */
  readonly exactSubsetMaxItems?: number;
  /**
   * For filters answered from declared filterable fields' indexes (exact search over the
   * matches then costs what they are), and below `oversampleMinSelectivity`: exact search over
   * the matches while matching items × dimensions stays within this many vector components.
   * Lower it when the filter inside your search is cheap (a native predicate), raise it when it
   * is dear (a callback per visited node). Default `EXACT_SUBSET_MAX_SCAN` (1,280,000: 10,000
   * items at 128 dimensions). A non-negative number.
   */
  readonly exactSubsetMaxScan?: number;
  /**
   * From this fraction of the searched items matching upwards (0–1], the planner asks the index
   * for `k / selectivity · 1.5` unfiltered candidates and keeps the matching ones (doubling
   * while short, up to 2,000 candidates), instead of the filter inside the search. Default
   * `OVERSAMPLE_MIN_SELECTIVITY` (0.1); 1 turns oversampling off but for filters matching
   * everything.
   */
  readonly oversampleMinSelectivity?: number;
}
