import { expect } from 'vitest';
import type { IndexHit, IndexKey, IndexSearchOptions, VectorIndex } from '../../contracts/index-plugin.js';
import { distance, type Metric } from '../../model/metric.js';
import { closeTo } from '../assertions.js';
import type { IndexSuiteContext } from './index-context.js';
import { type IndexModel, keyOf } from './index-model.js';

/** Brute force over the model: every allowed entry with its reference distance, ascending. */
export function reference(
  model: IndexModel,
  metric: Metric,
  query: Float32Array,
  allow?: (key: IndexKey) => boolean,
): IndexHit[] {
  const out: IndexHit[] = [];
  for (const e of model.entries.values()) {
    if (allow !== undefined && !allow(e)) continue;
    out.push({ collection: e.collection, id: e.id, distance: distance(metric, query, e.vector) });
  }
  return out.sort((a, b) => a.distance - b.distance);
}

/**
 * Checks searches against brute force. Every search must return valid hits: entries the model
 * holds and `allow` accepts, each once, sorted, each with the metric's distance to that
 * entry's current vector, at most k. An exact plugin must also match brute force rank by
 * rank; an approximate one must reach the suite's `minRecall` over all queries of the checker.
 */
export class HitChecker {
  readonly #ctx: IndexSuiteContext;
  readonly #metric: Metric;
  #found = 0;
  #wanted = 0;

  constructor(ctx: IndexSuiteContext, metric: Metric) {
    this.#ctx = ctx;
    this.#metric = metric;
  }

  /** Search `index` and check the hits; returns them. */
  async search(
    index: VectorIndex,
    model: IndexModel,
    query: Float32Array,
    k: number,
    allow?: (key: IndexKey) => boolean,
  ): Promise<IndexHit[]> {
    const options: IndexSearchOptions = { k };
    if (allow !== undefined) options.allow = allow;
    if (this.#ctx.options.searchParams !== undefined) options.params = this.#ctx.options.searchParams;
    const hits = await index.search(query, options);
    this.check(hits, model, query, k, allow);
    return hits;
  }

  check(hits: readonly IndexHit[], model: IndexModel, query: Float32Array, k: number, allow?: (key: IndexKey) => boolean): void {
    const ranked = reference(model, this.#metric, query, allow);
    const want = ranked.slice(0, k);
    expect(Array.isArray(hits), 'search returns an array').toBe(true);
    expect(hits.length, 'no more than k hits').toBeLessThanOrEqual(Math.min(k, ranked.length));
    const seen = new Set<string>();
    hits.forEach((hit, i) => {
      const entry = model.get(hit);
      if (entry === undefined) expect.fail(`hit ${hit.collection}/${hit.id} is not in the index (deleted, or never added)`);
      if (allow !== undefined && !allow(hit)) expect.fail(`hit ${hit.collection}/${hit.id} is refused by allow`);
      if (seen.has(keyOf(hit))) expect.fail(`hit ${hit.collection}/${hit.id} appears twice`);
      seen.add(keyOf(hit));
      const ref = distance(this.#metric, query, entry.vector);
      if (typeof hit.distance !== 'number' || !closeTo(hit.distance, ref)) {
        expect.fail(`hit ${hit.collection}/${hit.id} has distance ${hit.distance}; its ${this.#metric} distance is ${ref}`);
      }
      const prev = hits[i - 1];
      if (prev !== undefined && hit.distance < prev.distance && !closeTo(hit.distance, prev.distance)) {
        expect.fail(`hits are not sorted by distance (at ${i}: ${hit.distance} after ${prev.distance})`);
      }
    });
    if (this.#ctx.exact) {
      expect(hits.length, 'an exact plugin returns min(k, candidates) hits').toBe(want.length);
      hits.forEach((hit, i) => {
        const w = want[i] as IndexHit;
        if (!closeTo(hit.distance, w.distance)) {
          expect.fail(`hit ${i} has distance ${hit.distance}; brute force has ${w.distance} (${w.collection}/${w.id}) there`);
        }
      });
      return;
    }
    // Recall allowing ties: a hit counts when it is no farther than the k-th true neighbour.
    const last = want[want.length - 1];
    this.#wanted += want.length;
    if (last === undefined) return;
    for (const hit of hits) if (hit.distance <= last.distance || closeTo(hit.distance, last.distance)) this.#found++;
  }

  /** For an approximate plugin: assert the mean recall over every query checked so far. */
  done(): void {
    if (this.#ctx.exact || this.#wanted === 0) return;
    const recall = this.#found / this.#wanted;
    expect(recall, `recall@k over the queries (minRecall ${this.#ctx.minRecall})`).toBeGreaterThanOrEqual(this.#ctx.minRecall);
  }
}
