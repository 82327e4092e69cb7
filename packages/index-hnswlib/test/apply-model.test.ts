import type { IndexChange, IndexEntry, Metric } from '@vecdex/core';
import { afterEach, describe, expect, it } from 'vitest';
import { batches, bruteForce, expectExact, keyOf, openIndex, randomVector, rng, tempDir } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const METRICS: Metric[] = ['l2', 'cosine', 'ip'];
const DIMS = 8;

describe('apply: model-based', () => {
  it.each([1, 2, 3, 4, 5, 6])('random upserts, replacements and deletes match brute force (seed %i)', async (seed) => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const metric = METRICS[seed % 3] as Metric;
    const rand = rng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    const randomKey = () => ({ collection: pick(['a', 'b']), id: `id${Math.floor(rand() * 120)}` });
    const model = new Map<string, IndexEntry>();
    const index = await openIndex(dir, metric, DIMS, { efSearch: 300, initialCapacity: 16 });

    const initial: IndexEntry[] = [];
    for (let i = 0; i < 80; i++) {
      const e = { ...randomKey(), vector: randomVector(rand, DIMS) };
      initial.push(e);
      model.set(keyOf(e), e);
    }
    await index.build(batches(initial, 25));

    for (let round = 0; round < 8; round++) {
      const changes: IndexChange[] = [];
      for (let i = 0; i < 40; i++) {
        const r = rand();
        const keys = [...model.values()];
        if (r < 0.45 || keys.length === 0) {
          const e = { ...randomKey(), vector: randomVector(rand, DIMS) }; // new key or replacement
          changes.push({ op: 'upsert', ...e });
          model.set(keyOf(e), e);
        } else if (r < 0.65) {
          const k = pick(keys); // replacement of a live key
          const e = { collection: k.collection, id: k.id, vector: randomVector(rand, DIMS) };
          changes.push({ op: 'upsert', ...e });
          model.set(keyOf(e), e);
        } else if (r < 0.95) {
          const k = pick(keys);
          changes.push({ op: 'delete', collection: k.collection, id: k.id });
          model.delete(keyOf(k));
        } else {
          const k = randomKey(); // maybe absent: ignored
          changes.push({ op: 'delete', ...k });
          model.delete(keyOf(k));
        }
      }
      await index.apply(changes);
      const stats = index.stats();
      expect(stats.items).toBe(model.size);
      expect((stats.items as number) + (stats.deleted as number)).toBe(stats.slots);
      for (let q = 0; q < 5; q++) {
        const query = randomVector(rand, DIMS);
        for (const k of [1, 10, model.size + 5]) {
          const hits = await index.search(query, { k });
          expectExact(metric, model, query, hits, bruteForce(metric, model.values(), query, k));
        }
      }
    }
    await index.close();
  });

  it('reuses deleted labels: the slot count stays at the peak under churn', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const rand = rng(7);
    const index = await openIndex(dir, 'l2', DIMS, { efSearch: 300, initialCapacity: 256 });
    const model = new Map<string, IndexEntry>();
    const start: IndexEntry[] = [];
    for (let i = 0; i < 200; i++) start.push({ collection: 'a', id: `s${i}`, vector: randomVector(rand, DIMS) });
    for (const e of start) model.set(keyOf(e), e);
    await index.build(batches(start, 100));
    let next = 0;
    for (let round = 0; round < 20; round++) {
      const live = [...model.values()];
      const changes: IndexChange[] = [];
      for (let i = 0; i < 50; i++) {
        const victim = live[(round * 50 + i * 3) % live.length] as IndexEntry;
        if (!model.has(keyOf(victim))) continue;
        changes.push({ op: 'delete', collection: victim.collection, id: victim.id });
        model.delete(keyOf(victim));
        const e = { collection: 'b', id: `n${next++}`, vector: randomVector(rand, DIMS) };
        changes.push({ op: 'upsert', ...e });
        model.set(keyOf(e), e);
      }
      await index.apply(changes);
      expect(index.stats()).toMatchObject({ items: 200, deleted: 0, slots: 200, capacity: 256 });
    }
    const query = randomVector(rand, DIMS);
    expectExact('l2', model, query, await index.search(query, { k: 20 }), bruteForce('l2', model.values(), query, 20));
  });

  it('grows capacity geometrically from initialCapacity 8 to 1000 items', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const rand = rng(11);
    const index = await openIndex(dir, 'cosine', DIMS, { initialCapacity: 8, efSearch: 200 });
    expect(index.stats().capacity).toBe(8);
    const model = new Map<string, IndexEntry>();
    const capacities = new Set<number>();
    for (let b = 0; b < 10; b++) {
      const changes: IndexChange[] = [];
      for (let i = 0; i < 100; i++) {
        const e = { collection: 'a', id: `i${b * 100 + i}`, vector: randomVector(rand, DIMS) };
        changes.push({ op: 'upsert', ...e });
        model.set(keyOf(e), e);
      }
      await index.apply(changes);
      capacities.add(index.stats().capacity as number);
    }
    expect(index.stats()).toMatchObject({ items: 1000, capacity: 1024 });
    for (const c of capacities) expect(Math.log2(c / 8) % 1).toBe(0);
    const query = randomVector(rand, DIMS);
    expectExact('cosine', model, query, await index.search(query, { k: 10 }), bruteForce('cosine', model.values(), query, 10));
  });

  it('reports needsCompaction past compactThreshold', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const rand = rng(3);
    const entries: IndexEntry[] = [];
    for (let i = 0; i < 100; i++) entries.push({ collection: 'a', id: `i${i}`, vector: randomVector(rand, DIMS) });
    const deletes: IndexChange[] = entries.slice(0, 20).map((e) => ({ op: 'delete', collection: e.collection, id: e.id }));
    const strict = await openIndex(dir, 'l2', DIMS);
    await strict.build(batches(entries, 50));
    await strict.apply(deletes.slice(0, 10));
    expect(strict.stats()).toMatchObject({ items: 90, deleted: 10, needsCompaction: false }); // 10% is not past 0.1
    await strict.apply(deletes.slice(10));
    expect(strict.stats()).toMatchObject({ items: 80, deleted: 20, needsCompaction: true });
    const lax = await openIndex(dir, 'l2', DIMS, { compactThreshold: 0.5 });
    await lax.build(batches(entries, 50));
    await lax.apply(deletes);
    expect(lax.stats().needsCompaction).toBe(false);
  });

  it('keeps results complete under heavy tombstones at a small ef', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const rand = rng(5);
    const entries: IndexEntry[] = [];
    for (let i = 0; i < 1000; i++) entries.push({ collection: 'a', id: `i${i}`, vector: randomVector(rand, DIMS) });
    const index = await openIndex(dir, 'l2', DIMS, { efSearch: 10, compactThreshold: 1 });
    await index.build(batches(entries, 500));
    await index.apply(entries.slice(0, 950).map((e) => ({ op: 'delete', collection: e.collection, id: e.id })));
    for (let q = 0; q < 20; q++) {
      const hits = await index.search(randomVector(rand, DIMS), { k: 10 });
      expect(hits.length).toBe(10);
      for (const h of hits) expect(Number(h.id.slice(1))).toBeGreaterThanOrEqual(950);
    }
  });
});

describe('build', () => {
  it('a failed build leaves the previous contents; searches during a build see them too', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const rand = rng(8);
    const first: IndexEntry[] = [];
    for (let i = 0; i < 50; i++) first.push({ collection: 'a', id: `f${i}`, vector: randomVector(rand, DIMS) });
    const index = await openIndex(dir, 'l2', DIMS, { efSearch: 100 });
    await index.build(batches(first, 20));
    const query = randomVector(rand, DIMS);
    const before = await index.search(query, { k: 5 });

    let seenDuring: string[] = [];
    async function* failing(): AsyncIterable<IndexEntry[]> {
      yield [{ collection: 'b', id: 'x', vector: randomVector(rand, DIMS) }];
      seenDuring = (await index.search(query, { k: 5 })).map((h) => h.id);
      yield [{ collection: 'b', id: 'bad', vector: new Float32Array(DIMS + 2) }];
    }
    await expect(index.build(failing())).rejects.toMatchObject({ code: 'DIMENSION_MISMATCH' });
    expect(seenDuring).toEqual(before.map((h) => h.id));
    expect(await index.search(query, { k: 5 })).toEqual(before);
    expect(index.stats().items).toBe(50);
  });

  it('saves and applies queued together run one at a time', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const rand = rng(12);
    const index = await openIndex(dir, 'l2', DIMS, { initialCapacity: 4 });
    const writes: Promise<unknown>[] = [];
    for (let b = 0; b < 5; b++) {
      const batch: IndexChange[] = [];
      for (let i = 0; i < 40; i++)
        batch.push({ op: 'upsert', collection: 'a', id: `i${b}-${i}`, vector: randomVector(rand, DIMS) });
      writes.push(index.apply(batch), index.save());
    }
    const states = await Promise.all(writes);
    const last = states.at(-1) as { items: number; generation: number };
    // The first save writes the graph whole; each later one appends its batch as a journal.
    expect(last).toMatchObject({ items: 200, generation: 1, journal: 4 });
    const again = await openIndex(dir, 'l2', DIMS);
    expect(await again.load(last)).toBe(true);
    expect(again.stats()).toMatchObject({ items: 200 });
  });
});
