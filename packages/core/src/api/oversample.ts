import type { StorageBackend } from '../contracts/storage-backend.js';
import type { FilterNode } from '../filter/filter-ast.js';
import { filterPredicate } from '../filter/filter-predicate.js';
import type { IndexQuery, Indexes } from '../indexes/index-manager.js';
import { MAX_K } from '../validation/validate-k.js';
import { fetchItems, hitKey } from './hit-fields.js';

/** Oversampled candidates beyond this many switch to the in-search filter (the filter and the query disagree). */
export const OVERSAMPLE_MAX_CANDIDATES = 2000;

export interface OversampleInput {
  index: string;
  vector: Float32Array;
  filter: FilterNode;
  k: number;
  /** How many matching hits are enough (k, or fewer when fewer items match). */
  want: number;
  selectivity: number;
  total: number;
  base: Partial<IndexQuery>;
  /** The hit belongs to the searched collections and is not excluded. */
  mine: (key: { collection: string; id: string }) => boolean;
  needsAllow: boolean;
  /** The structured form of `mine`, when one collection is searched (native indexes filter in SQL). */
  where?: IndexQuery['where'];
}

/**
 * Broad filters: ask the index for `k / selectivity · 1.5` candidates without the filter, keep
 * those whose metadata (read from the store) matches, and double the request while fewer than
 * `want` are kept. Candidates whose item is gone from the store (a stale index) are never kept.
 * Null when the candidates would exceed {@link OVERSAMPLE_MAX_CANDIDATES}: the caller then
 * filters inside the search instead.
 */
export async function oversample(
  backend: StorageBackend,
  indexes: Indexes,
  o: OversampleInput,
): Promise<{
  hits: { collection: string; id: string; distance: number }[];
  asked: number;
  pending: number;
  synced: number;
} | null> {
  const match = filterPredicate(o.filter);
  const limit = Math.min(MAX_K, OVERSAMPLE_MAX_CANDIDATES, o.total);
  let asked = Math.min(limit, Math.max(o.k, Math.ceil((o.k / o.selectivity) * 1.5)));
  let synced = 0;
  for (;;) {
    const q = { ...o.base, k: asked, ...(o.needsAllow ? { allow: o.mine, ...(o.where ? { where: o.where } : {}) } : {}) };
    const { hits, pending, synced: now } = await indexes.search(o.index, o.vector, q as IndexQuery);
    synced += now;
    // Only the metadata is matched: no vectors, no content.
    const items = await fetchItems(backend, hits, { vectors: false, content: false });
    const kept = hits.filter((h) => {
      const it = items.get(hitKey(h));
      return it !== undefined && match(it.metadata);
    });
    if (kept.length >= o.want) return { hits: kept.slice(0, o.k), asked, pending, synced };
    if (asked >= limit || hits.length < asked) return null;
    // How many candidates the matching share seen so far says are needed: when that is beyond
    // the limit (the filter and the query's neighbourhood disagree), give up now, not after
    // doubling a few more times.
    const needed = Math.ceil((o.want / Math.max(kept.length / hits.length, 1e-9)) * 1.5);
    if (needed > limit) return null;
    asked = Math.min(limit, Math.max(asked * 2, needed));
  }
}
