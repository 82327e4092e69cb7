import type { FilterNode } from '../filter/filter-ast.js';
import { filterPredicate } from '../filter/filter-predicate.js';
import type { NormalizedItem } from '../model/item.js';
import { distance, type Metric } from '../model/metric.js';

/** One item ranked by the reference `distance()`. */
export interface Ranked {
  collection: string;
  id: string;
  distance: number;
}

export interface BruteForceInput {
  /** Items by collection. */
  items: ReadonlyMap<string, readonly NormalizedItem[]>;
  vector: Float32Array;
  metric: Metric;
  filter?: FilterNode | null;
  exclude?: readonly { collection: string; id: string }[];
}

/**
 * Every candidate (after filter and exclude) with its reference distance: `ranked` sorted
 * ascending, `byKey` keyed by `collection\0id`. Take `ranked.slice(0, k)` for the expected hits.
 */
export function bruteForce(input: BruteForceInput): { ranked: Ranked[]; byKey: Map<string, Ranked> } {
  const match = filterPredicate(input.filter ?? null);
  const excluded = new Set((input.exclude ?? []).map((e) => `${e.collection}\u0000${e.id}`));
  const ranked: Ranked[] = [];
  for (const [collection, items] of input.items) {
    for (const item of items) {
      if (excluded.has(`${collection}\u0000${item.id}`) || !match(item.metadata)) continue;
      ranked.push({ collection, id: item.id, distance: distance(input.metric, input.vector, item.vector) });
    }
  }
  ranked.sort((a, b) => a.distance - b.distance);
  return { ranked, byKey: new Map(ranked.map((r) => [`${r.collection}\u0000${r.id}`, r])) };
}
