/**
 * Issue 13, item 3: an index searched while behind the store (`stale: 'allow'`) may miss new
 * items, but a hit must never name an item that no longer exists. Deleted items used to come back
 * with empty metadata. Checked for every plan that reads the index (unfiltered, oversampled
 * filter, the vector side of hybrid search, multi-collection search), with and without fields,
 * on hnswlib and on FAISS.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { type JsonValue, type Vecdex, distance, openVecdex } from '@vecdex/core';
import { Random } from '@vecdex/core/testing';
import hnswlib from '@vecdex/index-hnswlib';
import faissPlugin from '@vecdex/sidecar-faiss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faissProblem } from '../faiss-available.js';

const DIMS = 16;
const PER_COLLECTION = 1200;
const WORDS = ['amber', 'river', 'stone', 'falcon'];

const plugins: { name: string; params: { [key: string]: JsonValue }; exact: boolean; skip: string | null }[] = [
  { name: 'hnswlib', params: { M: 16, efConstruction: 200 }, exact: false, skip: null },
  { name: 'faiss', params: { factory: 'Flat' }, exact: true, skip: faissProblem },
];

for (const plugin of plugins) {
  const suite = plugin.skip === null ? describe : describe.skip;
  if (plugin.skip !== null) console.warn(`[stale-allow] skipping ${plugin.name}: ${plugin.skip}`);

  suite(`stale: 'allow' never returns deleted items (${plugin.name})`, () => {
    let dir: string;
    let vx: Vecdex;
    const rng = new Random(1313);
    const vectors = new Map<string, Float32Array>(); // `${collection}/${id}` → vector
    const query = rng.vector(DIMS);
    const deleted = new Set<string>();

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), `vecdex-stale-${plugin.name}-`));
      vx = await openVecdex({
        config: {
          backend: { use: sqlitevec, options: { path: path.join(dir, 'store.db') } },
          plugins: [hnswlib, faissPlugin],
          dataDir: path.join(dir, 'data'),
        },
        cwd: dir,
        env: {},
      });
      for (const c of ['a', 'b']) {
        await vx.collections.create({ name: c, dimensions: DIMS, metric: 'l2' });
        const items = Array.from({ length: PER_COLLECTION }, (_, i) => {
          const vector = rng.vector(DIMS);
          vectors.set(`${c}/${c}${i}`, vector);
          return { id: `${c}${i}`, vector, content: `${WORDS[i % 4]} item ${i}`, metadata: { group: i % 3 } };
        });
        await vx.collection(c).upsert(items);
      }
      await vx.indexes.create({ name: 'ix', plugin: plugin.name, collections: ['a', 'b'], params: plugin.params, default: true });
      await vx.indexes.build('ix');
      // Delete the 15 nearest items of each collection (what an index that is behind would return first).
      for (const c of ['a', 'b']) {
        const nearest = [...vectors]
          .filter(([key]) => key.startsWith(`${c}/`))
          .sort(([, x], [, y]) => distance('l2', query, x) - distance('l2', query, y))
          .slice(0, 15)
          .map(([key]) => key);
        await vx.collection(c).delete(nearest.map((k) => k.slice(2)));
        for (const k of nearest) deleted.add(k);
      }
      expect((await vx.indexes.status('ix')).pendingChanges).toBe(30);
    });
    afterAll(async () => {
      await vx?.close();
      await rm(dir, { recursive: true, force: true });
    });

    /** The exact top-k over what the store holds now. */
    function exactLive(collections: string[], k: number, keep: (key: string) => boolean = () => true): string[] {
      return [...vectors]
        .filter(([key]) => collections.includes(key.split('/')[0] as string) && !deleted.has(key) && keep(key))
        .sort(([, x], [, y]) => distance('l2', query, x) - distance('l2', query, y))
        .slice(0, k)
        .map(([key]) => key);
    }

    function expectLive(hits: { collection: string; id: string }[], k: number, what: string): void {
      const keys = hits.map((h) => `${h.collection}/${h.id}`);
      expect(
        keys.filter((key) => deleted.has(key)),
        `${what}: deleted items among the hits`,
      ).toEqual([]);
      expect(keys.length, `${what}: k hits`).toBe(k);
    }

    it('unfiltered, with and without fields: k live hits, never a deleted id', async () => {
      const a = vx.collection('a');
      const { hits, plan } = await a.search(query, { k: 10, stale: 'allow' });
      expect(plan.pending, 'the index was behind').toBe(30);
      expect(plan.strategy).toBe('index');
      expectLive(hits, 10, 'with metadata');
      for (const h of hits) expect(h.metadata).toEqual({ group: expect.any(Number) });
      expectLive(await a.similar(query, { k: 10, stale: 'allow', include: {} }), 10, 'without fields');
      if (plugin.exact) expect(hits.map((h) => `a/${h.id}`)).toEqual(exactLive(['a'], 10));
    });

    it('a broad filter (oversampled candidates) and hybrid search: never a deleted id', async () => {
      const a = vx.collection('a');
      const filtered = await a.search(query, { k: 10, stale: 'allow', filter: { group: { $in: [0, 1] } } });
      expect(filtered.plan.strategy).toBe('index-oversample');
      expectLive(filtered.hits, 10, 'oversampled filter');
      const hybrid = await a.search({ vector: query, text: 'amber', k: 20, stale: 'allow', include: {} });
      expect(hybrid.plan.vector?.pending).toBe(30);
      expectLive(hybrid.hits, 20, 'hybrid');
    });

    it('across the collections of the index (vx.search, vx.similar): never a deleted id', async () => {
      const { hits, plan } = await vx.search({ index: 'ix', vector: query, k: 12, stale: 'allow' });
      expect(plan.pending).toBe(30);
      expectLive(hits, 12, 'vx.search');
      expect(new Set(hits.map((h) => h.collection))).toEqual(new Set(['a', 'b']));
      const bare = await vx.similar({ vector: query }, { index: 'ix', k: 12, stale: 'allow', include: {} });
      expectLive(bare, 12, 'vx.similar without fields');
      if (plugin.exact) expect(bare.map((h) => `${h.collection}/${h.id}`)).toEqual(exactLive(['a', 'b'], 12));
    });

    it('after a sync the index answers the same, from a current state', async () => {
      await vx.indexes.sync('ix');
      const { hits, plan } = await vx.search({ index: 'ix', vector: query, k: 12 });
      expect(plan.pending).toBe(0);
      expectLive(hits, 12, 'synced');
    });
  });
}
