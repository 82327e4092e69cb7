import {
  EXACT_SUBSET_THRESHOLD,
  type Filter,
  OVERSAMPLE_MIN_SELECTIVITY,
  type SearchHit,
  type Vecdex,
  filterPredicate,
  parseFilter,
} from '@vecdex/core';
import { Random } from '@vecdex/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { openVecdex } from '@vecdex/core';
import hnswlib from '@vecdex/index-hnswlib';
import faiss from '@vecdex/sidecar-faiss';
import { faissProblem } from '../faiss-available.js';
import { clusteredSet, queryNear } from './clustered-data.js';
import { hnswlibDefaults } from './planner-defaults.js';

/**
 * Filtered search through each index plugin keeps its recall: recall@10 against exact filtered
 * search ≥ 0.95 at 0.1 %, 1 %, 8 %, 10 % and 50 % selectivity and for a filter correlated with
 * the vectors, never fewer than min(k, matching) hits, every hit matching the filter, and each
 * planner path (exact-subset, in-search filter, oversampling) exercised.
 *
 * Index plugins are entries in PLUGINS; another one (faiss, pgvector-hnsw) is one more entry.
 */
const N = 20_000;
const DIMS = 16;
const K = 10;
const QUERIES = 20;

interface PluginCase {
  plugin: string;
  params: Record<string, number | string | boolean>;
  /**
   * An IVF index only looks in the cells near the query: a filter that matches nothing there
   * comes back short, and the planner then answers exactly (correct, just not through the index).
   */
  shortFar?: boolean;
  /** Why the plugin cannot run here, or null. */
  unavailable?: string | null;
}

const PLUGINS: PluginCase[] = [
  { plugin: 'hnswlib', params: { M: 16, efConstruction: 100 } },
  // hnswlib without its planner hints (which oversample from 2 %): the in-search filter at 8 %.
  { plugin: 'hnswlib-defaults', params: { M: 16, efConstruction: 100 } },
  // FAISS sidecar, automatic factory: IVF{min(4·√n, n/39)},Flat at this size, nprobe = cells / 16.
  { plugin: 'faiss', params: { nprobe: 64 }, shortFar: true, unavailable: faissProblem },
];

const set = clusteredSet(N, DIMS, 12, 4242);

/** Filters, with the planner path each must take on this set. */
const CASES: {
  name: string;
  filter: (cluster: number) => Filter;
  /** The plans expected, given from which selectivity the plugin oversamples. */
  strategies: string[] | ((oversampleFrom: number) => string[]);
  far?: boolean;
}[] = [
  { name: '0.1 %', filter: () => ({ r: { $lt: N / 1000 } }), strategies: ['exact-subset'] },
  { name: '1 %', filter: () => ({ r: { $lt: N / 100 } }), strategies: ['exact-subset'] },
  {
    name: '8 % (in-search filter, or oversampled below a plugin hint)',
    filter: () => ({ r: { $lt: (N * 8) / 100 } }),
    strategies: (from) => (0.08 >= from ? ['index-oversample'] : ['index']),
  },
  { name: '10 %', filter: () => ({ r: { $lt: N / 10 } }), strategies: ['index-oversample'] },
  {
    name: '50 %',
    filter: () => ({ $or: [{ r: { $lt: N / 4 } }, { r: { $gte: (N * 3) / 4 } }] }),
    strategies: ['index-oversample'],
  },
  {
    // Another cluster than the query's: few of the query's neighbours match, oversampling runs dry.
    name: 'another cluster (correlated)',
    filter: (c) => ({ cluster: (c + 1) % 12 }),
    strategies: ['index', 'index-oversample'],
    far: true,
  },
];

/** Tie-aware recall@k against the exact filtered top k. */
function recall(hits: SearchHit[], truth: SearchHit[]): number {
  const want = Math.min(K, truth.length);
  if (want === 0) return 1;
  const kth = (truth[want - 1] as SearchHit).distance;
  return hits.slice(0, want).filter((h) => h.distance <= kth * (1 + 1e-6) + 1e-9).length / want;
}

for (const { plugin, params, shortFar, unavailable } of PLUGINS) {
  const title = `filtered search keeps its recall through ${plugin}`;
  (unavailable ? describe.skip : describe)(unavailable ? `${title} (skipped: ${unavailable})` : title, () => {
    let dir: string;
    let vx: Vecdex;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'vecdex-filters-'));
      vx = await openVecdex({
        config: {
          backend: { use: sqlitevec, options: { path: path.join(dir, 'store.db') } },
          plugins: [hnswlib, hnswlibDefaults, faiss],
          dataDir: path.join(dir, 'data'),
        },
        cwd: dir,
        env: {},
      });
      await vx.collections.create({ name: 'c', dimensions: DIMS, metric: 'l2' });
      const col = vx.collection('c');
      for (let i = 0; i < N; i += 5000) {
        const batch = [];
        for (let j = i; j < Math.min(N, i + 5000); j++) {
          batch.push({
            id: `i${j}`,
            vector: set.vectors[j] as Float32Array,
            metadata: { cluster: set.clusters[j] as number, r: set.r[j] as number },
          });
        }
        await col.upsert(batch);
      }
      await vx.indexes.create({ name: 'ix', plugin, collections: ['c'], params, default: true });
      await vx.indexes.build('ix');
    }, 120_000);
    afterAll(async () => {
      await vx?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('the planner constants put the cases on the intended paths', () => {
      expect(N / 100).toBeLessThanOrEqual(EXACT_SUBSET_THRESHOLD);
      expect((N * 8) / 100).toBeGreaterThan(EXACT_SUBSET_THRESHOLD);
      expect(0.08).toBeLessThan(OVERSAMPLE_MIN_SELECTIVITY);
    });

    const oversampleFrom =
      [hnswlib, hnswlibDefaults, faiss].find((p) => p.name === plugin)?.planner?.oversampleMinSelectivity ??
      OVERSAMPLE_MIN_SELECTIVITY;
    for (const c of CASES) {
      const strategies = typeof c.strategies === 'function' ? c.strategies(oversampleFrom) : c.strategies;
      it(`recall@${K} ≥ 0.95 at ${c.name}, never short, every hit matching`, async () => {
        const col = vx.collection('c');
        const rng = new Random(99);
        const recalls: number[] = [];
        const seen = new Set<string>();
        for (let q = 0; q < QUERIES; q++) {
          const { vector, cluster } = queryNear(set, rng);
          const filter = c.filter(cluster);
          const match = filterPredicate(parseFilter(filter));
          const truth = await col.similar(vector, { k: K, filter, exact: true, include: {} });
          const matching = await col.count(filter);
          expect(truth.length).toBe(Math.min(K, matching));
          const { hits, plan } = await col.search(vector, { k: K, filter, include: { metadata: true } });
          seen.add(plan.strategy);
          expect(
            plan.strategy === 'index-fallback-exact' || strategies.includes(plan.strategy),
            `${plan.strategy}: ${plan.reason}`,
          ).toBe(true);
          expect(hits.length, 'never fewer than min(k, matching)').toBe(Math.min(K, matching));
          for (const h of hits) expect(match(h.metadata ?? null), `hit ${h.id} matches ${JSON.stringify(filter)}`).toBe(true);
          recalls.push(recall(hits, truth));
        }
        const mean = recalls.reduce((a, b) => a + b, 0) / recalls.length;
        expect(mean, `mean recall@${K} at ${c.name}`).toBeGreaterThanOrEqual(0.95);
        const intended = c.far && shortFar ? [...strategies, 'index-fallback-exact'] : strategies;
        expect(
          [...seen].some((s) => intended.includes(s)),
          `answered on the intended path (${intended.join(' or ')}), saw ${[...seen].join(', ')}`,
        ).toBe(true);
      }, 60_000);
    }

    it('a filtered query by id leaves the item out and still returns k matching hits', async () => {
      const col = vx.collection('c');
      for (const filter of [{ r: { $lt: (N * 8) / 100 } }, { r: { $gte: N / 2 } }]) {
        const match = filterPredicate(parseFilter(filter));
        const id = `i${set.r.indexOf(1)}`; // r = 1 matches both filters
        const { hits } = await col.search(id, { k: K, filter, include: { metadata: true } });
        expect(hits.length).toBe(K);
        expect(hits.map((h) => h.id)).not.toContain(id);
        for (const h of hits) expect(match(h.metadata ?? null)).toBe(true);
      }
    });

    it('after deleting most matching items near the query, a filter still returns k of the best survivors', async () => {
      const col = vx.collection('c');
      // Delete 90 % of the items with r < N/2 in cluster 0.
      const victims = set.r.map((r, i) => ({ r, i })).filter(({ r, i }) => r < N / 2 && set.clusters[i] === 0 && r % 10 !== 0);
      await col.delete(victims.map(({ i }) => `i${i}`));
      const filter = { $and: [{ r: { $lt: N / 2 } }, { cluster: { $in: [0, 1] } }] };
      const rng = new Random(7);
      const recalls: number[] = [];
      for (let q = 0; q < 5; q++) {
        // Near cluster 0's center, where most matching items were deleted (tombstones in the graph).
        const noise = rng.vector(DIMS);
        const vector = (set.centers[0] as Float32Array).map((x, d) => x + 0.5 * (noise[d] as number));
        const truth = await col.similar(vector, { k: K, filter, exact: true, include: {} });
        const { hits, plan } = await col.search(vector, { k: K, filter, include: {} });
        expect(hits.length, plan.reason).toBe(K);
        recalls.push(recall(hits, truth));
      }
      expect(recalls.reduce((a, b) => a + b, 0) / recalls.length, 'mean recall').toBeGreaterThanOrEqual(0.95);
    });
  });
}
