import { describe, expect, it } from 'vitest';
import { METRICS } from '../../model/metric.js';
import { Random } from '../random.js';
import { HitChecker } from './expect-hits.js';
import type { IndexSuiteContext } from './index-context.js';
import { IndexModel, makeEntries, unevenBatches } from './index-model.js';

/** Each metric the plugin declares, with vectors of very different lengths (they matter for ip and cosine). */
export function metricTests(ctx: IndexSuiteContext): void {
  describe('metrics', () => {
    it('declares a non-empty list of known metrics', () => {
      expect(ctx.plugin.metrics.length).toBeGreaterThan(0);
      for (const m of ctx.plugin.metrics) expect(METRICS).toContain(m);
    });

    for (const metric of METRICS) {
      const declared = ctx.plugin.metrics.includes(metric);
      it.skipIf(!declared)(
        `${metric}${declared ? '' : " (skipped: not in the plugin's metrics)"}: hits carry ${metric} distances and match brute force`,
        async () => {
          const rng = new Random(401 + METRICS.indexOf(metric));
          const entries = makeEntries(rng, 100, ctx.dimensions).map((e, i) => {
            const scale = [0.001, 0.5, 1, 3, 250][i % 5] as number;
            return { ...e, vector: e.vector.map((x) => x * scale) };
          });
          const { index } = await ctx.open(metric);
          await index.build(unevenBatches(entries));
          const model = new IndexModel();
          model.apply(entries.map((e) => ({ ...e, op: 'upsert' as const })));
          const check = new HitChecker(ctx, metric);
          for (let q = 0; q < 20; q++) await check.search(index, model, rng.vector(ctx.dimensions), 10);
          await check.search(
            index,
            model,
            rng.vector(ctx.dimensions).map((x) => x * 1000),
            10,
          );
          check.done();
        },
      );
    }
  });
}
