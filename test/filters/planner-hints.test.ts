/**
 * Index plugins' cost hints for the search planner (`IndexPluginSpec.planner`): the same
 * collections and filters planned with the defaults (a plugin without hints) and with hints,
 * on real sqlite-vec stores through real hnswlib indexes; every plan returns min(k, matching)
 * hits, and exact plans return exact search's; hints that are not what `PlannerHints` says are
 * refused when the plugin is registered.
 */
import {
  EXACT_SUBSET_MAX_SCAN,
  EXACT_SUBSET_THRESHOLD,
  OVERSAMPLE_MIN_SELECTIVITY,
  PluginRegistry,
  type PlannerHints,
  type Vecdex,
  type VecdexError,
} from '@vecdex/core';
import { expectVecdexError, Random } from '@vecdex/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupStores, sqliteStore } from '../lifecycle/stores.js';
import { hnswlibWith } from './planner-defaults.js';

afterAll(cleanupStores);

const N = 8000;
const DIMS = 8;
const K = 10;

const plain = hnswlibWith('plain', undefined);
// The filter inside the search is cheap, exact search dear: exact over 50 items at most, never
// by the scan size, oversampling only from half the collection.
const eager = hnswlibWith('eager', { exactSubsetMaxItems: 50, exactSubsetMaxScan: 0, oversampleMinSelectivity: 0.5 });
// Exact search over declared fields whatever they match, no oversampling.
const exacting = hnswlibWith('exacting', { exactSubsetMaxItems: 1000, exactSubsetMaxScan: 1e12, oversampleMinSelectivity: 1 });

async function store(): Promise<Vecdex> {
  const vx = await sqliteStore({ plugins: [plain, eager, exacting] });
  const rng = new Random(14);
  const items = Array.from({ length: N }, (_, i) => ({
    id: `d${i}`,
    vector: rng.vector(DIMS),
    metadata: { g: i % 100, r: (i * 7919) % N },
  }));
  await vx.collections.create({ name: 'on', dimensions: DIMS, metric: 'l2', filterable: ['g', 'r'] });
  await vx.collections.create({ name: 'off', dimensions: DIMS, metric: 'l2' });
  for (const c of ['on', 'off']) {
    await vx.collection(c).upsert(items);
    for (const plugin of ['plain', 'eager', 'exacting']) {
      await vx.indexes.create({ name: `${c}-${plugin}`, plugin, collections: [c], params: { M: 16, efConstruction: 100 } });
      await vx.indexes.build(`${c}-${plugin}`);
    }
  }
  return vx;
}

// matching: g = 3 → 80 (1 %); r < m → m.
const CASES: {
  collection: 'on' | 'off';
  filter: object;
  matching: number;
  plans: { plain: string; eager: string; exacting: string };
}[] = [
  // 80 ≤ 500 by default; eager's 50 sends it inside the search; exacting's 1,000 keeps it exact.
  {
    collection: 'on',
    filter: { g: 3 },
    matching: 80,
    plans: { plain: 'exact-subset', eager: 'index', exacting: 'exact-subset' },
  },
  // 8 % on declared fields: 640 × 8 ≤ the default scan; eager's 0 does not allow it.
  {
    collection: 'on',
    filter: { r: { $lt: 640 } },
    matching: 640,
    plans: { plain: 'exact-subset', eager: 'index', exacting: 'exact-subset' },
  },
  // 25 %: oversampled by default (≥ 10 %); below eager's 50 %; exacting never oversamples.
  {
    collection: 'on',
    filter: { r: { $lt: 2000 } },
    matching: 2000,
    plans: { plain: 'index-oversample', eager: 'index', exacting: 'exact-subset' },
  },
  // 62.5 %: oversampled by both, exact for exacting (declared fields, within its scan).
  {
    collection: 'on',
    filter: { r: { $lt: 5000 } },
    matching: 5000,
    plans: { plain: 'index-oversample', eager: 'index-oversample', exacting: 'exact-subset' },
  },
  // Undeclared, the scan size never applies: 640 goes inside the search by default (> 500) and
  // for eager, and exactly for exacting (≤ its 1,000 items, whatever the filter).
  {
    collection: 'off',
    filter: { r: { $lt: 640 } },
    matching: 640,
    plans: { plain: 'index', eager: 'index', exacting: 'exact-subset' },
  },
  // Undeclared and above exacting's 1,000 items: inside the search (exacting never oversamples).
  {
    collection: 'off',
    filter: { r: { $lt: 2000 } },
    matching: 2000,
    plans: { plain: 'index-oversample', eager: 'index', exacting: 'index' },
  },
];

describe('planner hints of index plugins', () => {
  it('the defaults are the exported constants', () => {
    expect([EXACT_SUBSET_THRESHOLD, EXACT_SUBSET_MAX_SCAN, OVERSAMPLE_MIN_SELECTIVITY]).toEqual([500, 1_280_000, 0.1]);
  });

  it('choose the plan per plugin; every plan returns min(k, matching) hits, exact ones exact search’s', async () => {
    const vx = await store();
    const rng = new Random(15);
    for (const c of CASES) {
      for (const plugin of ['plain', 'eager', 'exacting'] as const) {
        const q = rng.vector(DIMS);
        const col = vx.collection(c.collection);
        const what = `${c.collection} ${JSON.stringify(c.filter)} through ${plugin}`;
        const { hits, plan } = await col.search(q, { k: K, filter: c.filter, index: `${c.collection}-${plugin}` });
        expect(plan.matching, what).toBe(c.matching);
        expect(plan.strategy, `${what}: ${plan.reason}`).toBe(c.plans[plugin]);
        expect(hits.length, what).toBe(Math.min(K, c.matching));
        const truth = await col.similar(q, { k: K, filter: c.filter, exact: true });
        if (plan.strategy === 'exact-subset')
          expect(
            hits.map((h) => h.id),
            what,
          ).toEqual(truth.map((h) => h.id));
        else {
          // Through the index: most of the true neighbours (8 dimensions of uniform noise, M 16).
          const found = new Set(hits.map((h) => h.id));
          expect(truth.filter((h) => found.has(h.id)).length, what).toBeGreaterThanOrEqual(8);
        }
        // The plan says which thresholds came from the plugin.
        if (plugin === 'plain') expect(plan.reason, what).not.toContain('planner hint');
        else expect(plan.reason, what).toContain(`index plugin ${plugin}'s planner hint`);
      }
    }
  }, 120_000);

  it('hints that are not what PlannerHints says are refused when the plugin is registered', async () => {
    const bad: [unknown, string][] = [
      [{ oversampleMinSelectivity: 0 }, 'planner.oversampleMinSelectivity'],
      [{ oversampleMinSelectivity: 1.5 }, 'planner.oversampleMinSelectivity'],
      [{ exactSubsetMaxItems: 2.5 }, 'planner.exactSubsetMaxItems'],
      [{ exactSubsetMaxScan: -1 }, 'planner.exactSubsetMaxScan'],
      [{ exactSubsetMaxScan: '1e6' }, 'planner.exactSubsetMaxScan'],
      [{ exactSubsetMaxScan: Number.NaN }, 'planner.exactSubsetMaxScan'],
      [{ exactSubsetMaxscan: 1e6 }, 'planner.exactSubsetMaxscan'],
      [0.1, 'planner'],
    ];
    for (const [planner, member] of bad) {
      const plugin = hnswlibWith('bad', planner as PlannerHints);
      const err = (await expectVecdexError(() => new PluginRegistry().add(plugin), 'PLUGIN_INVALID')) as VecdexError;
      expect(err.details, JSON.stringify(planner)).toEqual({ plugin: 'bad', member });
      expect(err.message).toContain('index plugin bad');
    }
    // Good hints, and none, register.
    new PluginRegistry().add(hnswlibWith('good', { exactSubsetMaxItems: 0, exactSubsetMaxScan: Number.POSITIVE_INFINITY }));
    new PluginRegistry().add(plain);
  });
});
