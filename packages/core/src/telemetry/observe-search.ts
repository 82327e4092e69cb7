import type { QueryTarget } from '../api/prepare-query.js';
import type { SearchPlan } from '../api/plan-search.js';
import { telemetry, traced } from './telemetry.js';

/**
 * A search as telemetry sees it: a `vecdex.search` span (plan, index, k, filter selectivity,
 * hits, changes synced first or still pending), the `vecdex.search.duration` histogram by plan,
 * and `vecdex.index.lag` (how far behind the index was when the query came). Free without
 * telemetry: one comparison, then `run()`.
 */
export async function observeSearch<T extends { hits: readonly unknown[]; plan: SearchPlan }>(
  target: QueryTarget,
  k: number | undefined,
  run: () => Promise<T>,
): Promise<T> {
  const t = telemetry();
  if (t === null) return run();
  const started = performance.now();
  const collections = target.collections.map((c) => c.name).join(',');
  return traced(
    'vecdex.search',
    { 'vecdex.collections': collections, ...(k === undefined ? {} : { 'vecdex.k': k }) },
    async (span) => {
      const result = await run();
      const ms = performance.now() - started;
      const plan = result.plan.vector ?? result.plan;
      const strategy = result.plan.strategy;
      if (span?.isRecording?.() !== false)
        span?.setAttributes({
          'vecdex.plan': strategy,
          'vecdex.index': plan.index ?? undefined,
          'vecdex.hits': result.hits.length,
          'vecdex.synced_first': plan.synced ?? 0,
          'vecdex.pending': plan.pending,
          'vecdex.filter.matching': plan.matching,
          'vecdex.filter.selectivity': plan.selectivity,
          'vecdex.embedding.source': result.plan.embedding?.source,
        });
      t.searchDuration.record(ms, { 'vecdex.plan': strategy });
      if (plan.index !== null && plan.index !== undefined) {
        t.indexLag.record((plan.synced ?? 0) + plan.pending, { 'vecdex.index': plan.index });
      }
      return result;
    },
  );
}
