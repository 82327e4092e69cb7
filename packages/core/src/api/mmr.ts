import { distance, type Metric } from '../model/metric.js';

/** Default share of relevance against diversity. */
export const DEFAULT_MMR_LAMBDA = 0.5;

/**
 * Maximal marginal relevance (Carbonell & Goldstein, 1998): from candidates sorted by distance,
 * pick `k`, each next one maximising `lambda · sim(query, c) − (1 − lambda) · max sim(c, picked)`.
 * Similarity is the negated distance under `metric`: for cosine that is the cosine similarity
 * up to a constant, which is what LangChain's `maxMarginalRelevanceSearch` uses, and for l2/ip/l1
 * it keeps both terms in the metric's own units. The first pick is the nearest candidate.
 * Costs k · candidates distance computations.
 *
 * ```ts
 * maximalMarginalRelevance(candidates, { k: 5, lambda: 0.5, metric: 'cosine' })
 * ```
 */
export function maximalMarginalRelevance<H extends { distance: number; vector?: Float32Array }>(
  candidates: readonly H[],
  options: { k: number; lambda: number; metric: Metric },
): H[] {
  const { k, lambda, metric } = options;
  const n = candidates.length;
  const picked: H[] = [];
  const taken = new Uint8Array(n);
  // For each candidate, its smallest distance to anything picked so far (its largest similarity).
  const nearestPicked = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  while (picked.length < Math.min(k, n)) {
    let best = -1;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      if (taken[i] === 1) continue;
      const c = candidates[i] as H;
      const redundancy = picked.length === 0 ? 0 : -(nearestPicked[i] as number);
      const score = lambda * -c.distance - (1 - lambda) * redundancy;
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    const chosen = candidates[best] as H;
    taken[best] = 1;
    picked.push(chosen);
    const v = vectorOf(chosen);
    for (let i = 0; i < n; i++) {
      if (taken[i] === 1) continue;
      const d = distance(metric, v, vectorOf(candidates[i] as H));
      if (d < (nearestPicked[i] as number)) nearestPicked[i] = d;
    }
  }
  return picked;
}

function vectorOf(h: { vector?: Float32Array }): Float32Array {
  if (h.vector === undefined) throw new Error('maximalMarginalRelevance needs every candidate with its vector');
  return h.vector;
}
