import { errors } from '../errors/error-factories.js';

/** The RRF constant most systems use (Cormack, Clarke & Büttcher, SIGIR 2009). */
export const DEFAULT_RRF_K = 60;

/** One ranked list to fuse: keys best first, and how much its ranks count. */
export interface RankedList {
  /** Names the list in the fused hits' `ranks`, e.g. `vector` or `keyword`. */
  name: string;
  /** Best first. A key repeated in one list counts at its first (best) rank. */
  keys: readonly { collection: string; id: string }[];
  /** Multiplies this list's contributions (default 1; 0 leaves the list out of the scores). */
  weight?: number;
}

/** A fused entry: its score and its 1-based rank in each list that had it. */
export interface FusedEntry {
  collection: string;
  id: string;
  score: number;
  ranks: { [list: string]: number };
}

/**
 * Reciprocal Rank Fusion: each entry scores `Σ weight / (k + rank)` over the lists it appears
 * in (ranks from 1), and the result is sorted by descending score. Only ranks matter, so lists
 * with incomparable scores (bm25, distances) fuse without calibration; a larger `k` flattens
 * the advantage of top ranks. Ties keep the order of first appearance (lists in order given).
 *
 * ```ts
 * reciprocalRankFusion([
 *   { name: 'vector', keys: [{ collection: 'c', id: 'a' }, { collection: 'c', id: 'b' }] },
 *   { name: 'keyword', keys: [{ collection: 'c', id: 'b' }] },
 * ])
 * // b: 1/62 + 1/61, a: 1/61 → [b, a]
 * ```
 */
export function reciprocalRankFusion(lists: readonly RankedList[], options: { k?: number } = {}): FusedEntry[] {
  const k = options.k ?? DEFAULT_RRF_K;
  if (typeof k !== 'number' || !Number.isFinite(k) || k < 0)
    throw errors.invalidArgument('fusion.k', 'a finite number ≥ 0 (default 60)', k);
  const byKey = new Map<string, FusedEntry & { order: number }>();
  for (const list of lists) {
    const weight = list.weight ?? 1;
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      throw errors.invalidArgument(`fusion.weights.${list.name}`, 'a finite number ≥ 0 (default 1)', weight);
    }
    list.keys.forEach((key, i) => {
      const id = `${key.collection}\u0000${key.id}`;
      let entry = byKey.get(id);
      if (entry === undefined) {
        entry = { collection: key.collection, id: key.id, score: 0, ranks: {}, order: byKey.size };
        byKey.set(id, entry);
      }
      if (entry.ranks[list.name] !== undefined) return;
      entry.ranks[list.name] = i + 1;
      entry.score += weight / (k + i + 1);
    });
  }
  return [...byKey.values()].sort((a, b) => b.score - a.score || a.order - b.order).map(({ order: _order, ...entry }) => entry);
}
