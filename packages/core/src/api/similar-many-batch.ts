import type { SearchHit } from '../model/search.js';
import { resolveHits } from './hit-fields.js';
import type { PreparedQuery, QueryDeps, QueryTarget } from './prepare-query.js';
import type { CheckedOptions } from './query-options.js';

/**
 * The queries of a `similarMany` batch answered in one `indexes.searchMany` call (which the
 * plugin may spread over every core: usearch's does), when nothing in the request needs the
 * per-query planner: an index, no filter, no MMR, no other metric, no query item to leave out,
 * and an index over exactly the target's collections (so no `allow`). Returns null when the batch
 * does not qualify; otherwise per query its hits (fields attached, `depth` of them), or null for a
 * query the planner must redo (a hit deleted since the index's sync, or fewer hits than the
 * collections hold: the planner then answers exactly, as for a single query).
 */
export async function searchBatchThroughIndex(
  deps: QueryDeps,
  target: QueryTarget,
  o: CheckedOptions,
  queries: readonly PreparedQuery[],
): Promise<(SearchHit[] | null)[] | null> {
  if (o.index === null || o.filter !== null || o.mmr !== null || o.metric !== undefined) return null;
  if (queries.length < 2 || queries.some((q) => q.exclude.length > 0)) return null;
  const def = await deps.indexes.definition(o.index);
  const names = target.collections.map((c) => c.name);
  if (def.collections.length !== names.length || !names.every((n) => def.collections.includes(n))) return null;
  const { hits, pending } = await deps.indexes.searchMany(
    o.index,
    queries.map((q) => q.vector),
    { k: o.depth, stale: o.stale ?? 'sync', ...(o.params ? { params: o.params } : {}) },
  );
  let available: number | null = null;
  const out: (SearchHit[] | null)[] = [];
  for (const found of hits) {
    const resolved = await resolveHits(deps.backend, found, o.include, pending > 0);
    if (resolved.dropped > 0) {
      out.push(null);
      continue;
    }
    if (resolved.hits.length < o.depth) {
      if (available === null) {
        available = 0;
        for (const c of names) available += await deps.backend.count(c, null);
      }
      if (resolved.hits.length < Math.min(o.depth, available)) {
        out.push(null);
        continue;
      }
    }
    out.push(resolved.hits);
  }
  return out;
}
