import type { StorageBackend } from '../contracts/storage-backend.js';
import { VecdexError } from '../errors/vecdex-error.js';
import type { FilterNode } from '../filter/filter-ast.js';
import type { Indexes } from '../indexes/index-manager.js';
import type { StalePolicy } from '../indexes/index-status.js';
import type { CollectionInfo } from '../model/collection.js';
import type { JsonValue } from '../model/item.js';
import type { Include, SearchHit } from '../model/search.js';

/** At or below this many matching items, a filtered query runs exact search over just those. */
export const EXACT_SUBSET_THRESHOLD = 2000;

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
}

/** How a query was answered, for `--explain` and tests. */
export interface SearchPlan {
  strategy: 'exact' | 'exact-subset' | 'index' | 'index-fallback-exact';
  index: string | null;
  reason: string;
  /** Changes the index was behind by when it answered (stale: 'allow'). */
  pending: number;
}

/**
 * Answer one similarity query: exact search, or an index with the filter applied inside the
 * search. Never returns fewer than k hits while k matching items exist: when an index comes back
 * short (tombstones, a selective filter), the query is answered exactly instead.
 */
export async function planAndSearch(
  backend: StorageBackend,
  indexes: Indexes,
  input: SearchPlanInput,
): Promise<{ hits: SearchHit[]; plan: SearchPlan }> {
  const { info, vector, k, filter, exclude, include } = input;
  const exact = async (strategy: SearchPlan['strategy'], reason: string) => ({
    hits: await backend.searchExact({ collections: [info.name], vector, k, metric: info.metric, filter, exclude, include }),
    plan: { strategy, index: input.index, reason, pending: 0 },
  });
  if (input.index === null) return exact('exact', 'no index requested and the collection has no default index');
  const def = await indexes.definition(input.index);
  if (!def.collections.includes(info.name)) {
    throw new VecdexError('INVALID_ARGUMENT', `index "${def.name}" does not cover collection "${info.name}"`, {
      details: { index: def.name, collection: info.name },
    });
  }
  let allowedIds: Set<string> | null = null;
  if (filter !== null) {
    const matching = await backend.count(info.name, filter);
    if (matching <= EXACT_SUBSET_THRESHOLD) {
      return exact('exact-subset', `the filter matches ${matching} items (≤ ${EXACT_SUBSET_THRESHOLD}): exact search over them is fastest`);
    }
    allowedIds = new Set();
    for await (const batch of backend.scan(info.name, { batchSize: 5000, vectors: false, filter })) {
      for (const item of batch) allowedIds.add(item.id);
    }
  }
  const excluded = new Set(exclude.filter((e) => e.collection === info.name).map((e) => e.id));
  const single = def.collections.length === 1 && excluded.size === 0 && allowedIds === null;
  const allow = single
    ? undefined
    : (key: { collection: string; id: string }) =>
        key.collection === info.name && !excluded.has(key.id) && (allowedIds === null || allowedIds.has(key.id));
  const where = { collection: info.name, filter, exclude: [...excluded] };
  const query = {
    k,
    stale: input.stale ?? 'sync',
    ...(allow ? { allow, where } : {}),
    ...(input.params ? { params: input.params } : {}),
  };
  const { hits, pending } = await indexes.search(def.name, vector, query);
  if (hits.length < k) {
    const available = allowedIds?.size ?? (await backend.count(info.name)) - excluded.size;
    if (hits.length < Math.min(k, available)) {
      return exact('index-fallback-exact', `index "${def.name}" returned ${hits.length} of ${Math.min(k, available)} possible hits`);
    }
  }
  const out = await attachFields(backend, info.name, hits, include);
  return { hits: out, plan: { strategy: 'index', index: def.name, reason: 'default or requested index', pending } };
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
