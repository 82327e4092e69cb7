/**
 * Model-based proof of the index lifecycle (core's `vx.indexes` + @vecdex/index-hnswlib on the
 * sqlite-vec store): random writes to two collections sharing ids, one HNSW index over both,
 * syncs / rebuilds / reopenings at random points. A plain in-memory model predicts the store,
 * the change feed (pending = distinct items changed since the last sync) and the plugin's
 * bookkeeping (slots, tombstones, compaction); after every sync the index must answer exactly
 * like brute force over the store (HNSW is made exact: ≤ 300 items, efSearch and
 * efConstruction 400), and the saved files must hold exactly the store's vectors.
 */
import type { Metric, NormalizedItem, Vecdex } from '@vecdex/core';
import { Random, expectVecdexError } from '@vecdex/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  INDEX,
  type TestStore,
  expectExactTopK,
  expectSavedEqualsStore,
  keyOf,
  readSavedIndex,
  readStore,
  tempStore,
} from './helpers.js';

const COLLECTIONS = ['a', 'b'] as const;
type C = (typeof COLLECTIONS)[number];
/** Ids are drawn from one pool for both collections, so the same id lives in both. */
const POOL = 150;
const MAX_ITEMS = 300;
const HNSW_EXACT = { M: 16, efConstruction: 400, efSearch: 400 };

let stores: TestStore[] = [];
let open: Vecdex[] = [];
afterEach(async () => {
  for (const vx of open) await vx.close().catch(() => undefined);
  for (const s of stores) await s.cleanup();
  stores = [];
  open = [];
});

async function newStore(): Promise<{ store: TestStore; vx: Vecdex }> {
  const store = await tempStore();
  stores.push(store);
  const vx = await store.open();
  open.push(vx);
  return { store, vx };
}

/**
 * What the store, the feed and the index must look like. `changed` is the feed after the
 * index's cursor: one entry per item, at the position of its last write (`seq`). The index
 * mirror (`indexed`, `slots`, `free`) replays those entries in feed order the way the plugin
 * does: a new key takes a freed label (tombstone) if any, else a new slot; a delete frees one.
 */
class Model {
  readonly items = new Map<C, Map<string, Float32Array>>(COLLECTIONS.map((c) => [c, new Map()]));
  readonly changed = new Map<string, { seq: number; op: 'upsert' | 'delete' }>();
  #seq = 0;
  /** Keys the index holds (as of its cursor), with the vectors it was given. */
  indexed = new Map<string, Float32Array>();
  /** The store as of the index's cursor, for searches with stale: 'allow'. */
  snapshot: Map<string, NormalizedItem[]> = new Map();
  slots = 0;
  free = 0;

  get live(): number {
    return (this.items.get('a')?.size ?? 0) + (this.items.get('b')?.size ?? 0);
  }

  /** As `Collection.upsert` does: repeated ids collapse, the last write at its position. */
  upsert(c: C, batch: { id: string; vector: Float32Array }[]): void {
    const byId = new Map<string, Float32Array>();
    for (const it of batch) {
      byId.delete(it.id);
      byId.set(it.id, it.vector);
    }
    for (const [id, vector] of byId) {
      this.items.get(c)?.set(id, vector);
      this.changed.set(keyOf({ collection: c, id }), { seq: ++this.#seq, op: 'upsert' });
    }
  }

  /** Deleting an absent id writes nothing to the feed. */
  delete(c: C, ids: string[]): number {
    let n = 0;
    for (const id of new Set(ids)) {
      if (this.items.get(c)?.delete(id) !== true) continue;
      this.changed.set(keyOf({ collection: c, id }), { seq: ++this.#seq, op: 'delete' });
      n++;
    }
    return n;
  }

  asItems(): Map<string, NormalizedItem[]> {
    return new Map(
      COLLECTIONS.map((c) => [
        c,
        [...(this.items.get(c) as Map<string, Float32Array>)].map(([id, vector]) => ({
          id,
          vector,
          content: null,
          metadata: null,
        })),
      ]),
    );
  }

  only(c: C): Map<string, NormalizedItem[]> {
    return new Map([[c, this.asItems().get(c) as NormalizedItem[]]]);
  }

  /** A sync: apply `changed` in feed order, then compact if tombstones exceed the threshold. */
  sync(threshold: number): { applied: number; compacted: boolean } {
    const entries = [...this.changed].sort((x, y) => x[1].seq - y[1].seq);
    for (const [key, { op }] of entries) {
      const [c, id] = key.split('\u0000') as [C, string];
      if (op === 'upsert') {
        if (!this.indexed.has(key)) {
          if (this.free > 0) this.free--;
          else this.slots++;
        }
        this.indexed.set(key, this.items.get(c)?.get(id) as Float32Array);
      } else if (this.indexed.delete(key)) {
        this.free++;
      }
    }
    const compacted = this.free > 0 && this.free / (this.indexed.size + this.free) > threshold;
    if (compacted) this.#fresh();
    else this.#caughtUp();
    return { applied: entries.length, compacted };
  }

  /** A build from the store: one slot per item, no tombstones. */
  rebuild(): void {
    this.indexed = new Map();
    for (const c of COLLECTIONS)
      for (const [id, v] of this.items.get(c) as Map<string, Float32Array>) this.indexed.set(keyOf({ collection: c, id }), v);
    this.#fresh();
  }

  #fresh(): void {
    this.slots = this.indexed.size;
    this.free = 0;
    this.#caughtUp();
  }

  #caughtUp(): void {
    this.changed.clear();
    this.snapshot = this.asItems();
  }
}

/** status() agrees with the model: pending, items, tombstones, slots. */
async function checkStatus(vx: Vecdex, model: Model, where: string): Promise<void> {
  const st = await vx.indexes.status(INDEX);
  expect(st.built, `${where}: built`).toBe(true);
  expect(st.pendingChanges, `${where}: pendingChanges = distinct items changed since the last sync`).toBe(model.changed.size);
  expect(st.items, `${where}: items`).toBe(model.indexed.size);
  expect(st.deleted, `${where}: deleted (tombstones)`).toBe(model.free);
  expect(st.stats?.slots, `${where}: slots`).toBe(model.slots);
  const total = model.indexed.size + model.free;
  expect(st.deletedFraction, `${where}: deletedFraction`).toBeCloseTo(total === 0 ? 0 : model.free / total, 12);
  expect(st.deletedFraction).toBeGreaterThanOrEqual(0);
  expect(st.deletedFraction).toBeLessThanOrEqual(1);
}

function queryVector(rng: Random, model: Model, dims: number): Float32Array {
  const all = COLLECTIONS.flatMap((c) => [...(model.items.get(c) as Map<string, Float32Array>).values()]);
  // Now and then a stored vector: distance 0, and exact ties when both collections hold it.
  if (all.length > 0 && rng.next() < 0.3) return Float32Array.from(rng.pick(all));
  return rng.vector(dims);
}

function pickK(rng: Random): number {
  return rng.next() < 0.1 ? MAX_ITEMS : 1 + rng.int(20);
}

/** Right after a sync: index top-k = exact top-k, through the index API and the collection API. */
async function checkSearches(vx: Vecdex, model: Model, rng: Random, metric: Metric, dims: number, where: string): Promise<void> {
  const both = model.asItems();
  // The store itself agrees with the model (so "exact search on the store" is the model's ranking).
  const stored = await readStore(vx, COLLECTIONS);
  for (const c of COLLECTIONS) {
    const want = model.items.get(c) as Map<string, Float32Array>;
    const got = stored.get(c) as NormalizedItem[];
    expect(got.length, `${where}: store count of ${c}`).toBe(want.size);
    for (const it of got)
      expect([...it.vector], `${where}: stored vector of ${c}/${it.id}`).toEqual([...(want.get(it.id) ?? [])]);
  }
  for (let q = 0; q < 3; q++) {
    const v = queryVector(rng, model, dims);
    const k = pickK(rng);
    const res = await vx.indexes.search(INDEX, v, { k, stale: 'error' });
    expect(res.pending, `${where}: pending right after sync`).toBe(0);
    expectExactTopK(res.hits, both, v, metric, k);
    const exact = await vx.backend.searchExact({ collections: [...COLLECTIONS], vector: v, k, metric, include: {} });
    expectExactTopK(exact, both, v, metric, k);
    for (const c of COLLECTIONS) {
      const { hits, plan } = await vx.collection(c).search(v, { index: INDEX, k, stale: 'error', include: {} });
      expect(plan.strategy, `${where}: answered by the index, not a fallback`).toBe('index');
      expectExactTopK(hits, model.only(c), v, metric, k);
      expectExactTopK(await vx.collection(c).similar(v, { exact: true, k, include: {} }), model.only(c), v, metric, k);
    }
  }
  // Query by id: the item itself is excluded inside the index search.
  const c = rng.pick(COLLECTIONS);
  const ids = [...(model.items.get(c) as Map<string, Float32Array>).keys()];
  if (ids.length > 0) {
    const id = rng.pick(ids);
    const k = pickK(rng);
    const { hits, plan } = await vx.collection(c).search(id, { index: INDEX, k, stale: 'error', include: {} });
    expect(plan.strategy).toBe('index');
    expectExactTopK(hits, model.only(c), model.items.get(c)?.get(id) as Float32Array, metric, k, [{ collection: c, id }]);
  }
}

/** The files the last save wrote hold exactly the model's index (keys, vectors, tombstones). */
async function checkSavedFiles(store: TestStore, model: Model, metric: Metric, dims: number): Promise<void> {
  const saved = await readSavedIndex(store.indexDir, dims);
  expect(saved.freeLabels, 'tombstones in the saved files').toBe(model.free);
  expectSavedEqualsStore(saved, model.asItems(), metric);
}

async function runModel(metric: Metric, seed: number): Promise<{ syncs: number; compactions: number; reopens: number }> {
  const rng = new Random(seed);
  const dims = 8 + rng.int(9);
  const compactThreshold = rng.pick([0.1, 0.1, 0.25, 1]);
  const { store, vx: first } = await newStore();
  let vx = first;
  for (const name of [...COLLECTIONS, 'other']) await vx.collections.create({ name, dimensions: dims, metric });
  const model = new Model();
  const counters = { syncs: 0, compactions: 0, reopens: 0 };

  const newId = (): string => `id-${rng.int(POOL)}`;
  const randomVectorFor = (c: C, id: string): Float32Array => {
    const other = model.items.get(c === 'a' ? 'b' : 'a')?.get(id);
    // Sometimes the same vector under the same id in the other collection: exact ties across collections.
    return other !== undefined && rng.next() < 0.2 ? Float32Array.from(other) : rng.vector(dims);
  };
  const write = async (): Promise<void> => {
    const c = rng.pick(COLLECTIONS);
    const existing = [...(model.items.get(c) as Map<string, Float32Array>).keys()];
    if (rng.next() < 0.7 || existing.length === 0) {
      const batch: { id: string; vector: Float32Array }[] = [];
      const n = 1 + rng.int(12);
      for (let i = 0; i < n; i++) {
        let id: string;
        if (batch.length > 0 && rng.next() < 0.08)
          id = rng.pick(batch).id; // repeated within the batch
        else if (existing.length > 0 && (rng.next() < 0.5 || model.live >= MAX_ITEMS)) id = rng.pick(existing);
        else id = newId();
        if (!model.items.get(c)?.has(id) && !batch.some((b) => b.id === id) && model.live + batch.length >= MAX_ITEMS) continue;
        batch.push({ id, vector: randomVectorFor(c, id) });
      }
      if (batch.length === 0) return;
      const r = await vx.collection(c).upsert(batch.map((b) => ({ id: b.id, vector: b.vector })));
      expect(r.upserted).toBe(new Set(batch.map((b) => b.id)).size);
      model.upsert(c, batch);
    } else {
      const n = rng.next() < 0.1 ? Math.ceil(existing.length * rng.between(0.2, 0.4)) : 1 + rng.int(8);
      const ids = rng.sample(existing, n);
      if (rng.next() < 0.3) ids.push(`absent-${rng.int(1000)}`); // a no-op in the feed
      expect(await vx.collection(c).delete(ids)).toBe(model.delete(c, ids));
    }
  };
  const sync = async (where: string): Promise<void> => {
    const res = await vx.indexes.sync(INDEX);
    const want = model.sync(compactThreshold);
    counters.syncs++;
    expect(res.applied, `${where}: applied = distinct changed items`).toBe(want.applied);
    if (want.compacted) {
      counters.compactions++;
      expect(res.rebuilt, `${where}: compaction rebuild`).toMatch(/compaction/);
      expect((await vx.indexes.status(INDEX)).lastRebuild).toMatch(/compaction/);
    } else {
      expect(res.rebuilt, `${where}: no rebuild`).toBeNull();
    }
    // Nothing was written meanwhile: the index's cursor is the store's head.
    expect((await vx.indexes.status(INDEX)).cursor).toBe(await vx.backend.headCursor());
  };

  // Some items before the index exists.
  for (let i = 0; i < 4; i++) await write();
  await vx.indexes.create({
    name: INDEX,
    plugin: 'hnswlib',
    collections: [...COLLECTIONS],
    params: { ...HNSW_EXACT, compactThreshold, initialCapacity: rng.pick([1, 3, 1024]) },
  });
  expect((await vx.indexes.status(INDEX)).built).toBe(false);
  await expectVecdexError(vx.indexes.search(INDEX, rng.vector(dims), { k: 1, stale: 'error' }), 'INDEX_STALE');
  const built = await vx.indexes.build(INDEX);
  model.rebuild();
  expect(built.items).toBe(model.live);
  expect(built.pendingChanges).toBe(0);
  await checkStatus(vx, model, 'after build');
  await checkSearches(vx, model, rng, metric, dims, 'after build');

  for (let step = 0; step < 80; step++) {
    const where = `seed ${seed} step ${step}`;
    const r = rng.next();
    if (r < 0.55) {
      await write();
    } else if (r < 0.6) {
      // A collection the index does not cover: moves the feed head, concerns nothing pending.
      await vx.collection('other').upsert([{ id: `o${rng.int(20)}`, vector: rng.vector(dims) }]);
    } else if (r < 0.8) {
      await sync(where);
    } else if (r < 0.85) {
      // A search with the default stale policy syncs first.
      const v = rng.vector(dims);
      const c = rng.pick(COLLECTIONS);
      const k = pickK(rng);
      const hits = await vx.collection(c).similar(v, { index: INDEX, k, include: {} });
      model.sync(compactThreshold);
      counters.syncs++;
      expectExactTopK(hits, model.only(c), v, metric, k);
    } else if (r < 0.9) {
      const st = await vx.indexes.rebuild(INDEX);
      model.rebuild();
      expect(st.items).toBe(model.live);
      expect(st.deleted).toBe(0);
    } else {
      // Reopen: the new instance must load the saved files, not rebuild.
      await vx.close();
      vx = await store.open();
      open.push(vx);
      counters.reopens++;
      const st = await vx.indexes.status(INDEX);
      expect(st.lastRebuild, `${where}: loaded, not rebuilt`).toBeNull();
      expect(st.stats?.lastLoadProblem ?? null).toBeNull();
    }
    await checkStatus(vx, model, where);
    if (model.changed.size === 0) {
      await checkSearches(vx, model, rng, metric, dims, where);
      if (r >= 0.6) await checkSavedFiles(store, model, metric, dims);
    } else if (rng.next() < 0.4) {
      // Behind the store: 'error' refuses, 'allow' answers from the last synced state.
      const v = queryVector(rng, model, dims);
      const k = pickK(rng);
      await expectVecdexError(vx.indexes.search(INDEX, v, { k, stale: 'error' }), 'INDEX_STALE');
      const res = await vx.indexes.search(INDEX, v, { k, stale: 'allow' });
      expect(res.pending).toBe(model.changed.size);
      expectExactTopK(res.hits, model.snapshot, v, metric, k);
    }
  }
  await sync(`seed ${seed} final`);
  await checkStatus(vx, model, 'final');
  await checkSearches(vx, model, rng, metric, dims, 'final');
  await checkSavedFiles(store, model, metric, dims);
  return counters;
}

const METRICS: Metric[] = ['l2', 'cosine', 'ip'];
const SEEDS_PER_METRIC = 8;

describe('index lifecycle against a model (2 collections, overlapping ids, one hnswlib index)', () => {
  const totals = { runs: 0, syncs: 0, compactions: 0, reopens: 0 };
  for (const [m, metric] of METRICS.entries()) {
    for (let s = 0; s < SEEDS_PER_METRIC; s++) {
      const seed = 100 * (m + 1) + s;
      it(`${metric}, seed ${seed}`, async () => {
        const c = await runModel(metric, seed);
        expect(c.syncs).toBeGreaterThan(3);
        totals.runs++;
        totals.syncs += c.syncs;
        totals.compactions += c.compactions;
        totals.reopens += c.reopens;
      }, 30_000);
    }
  }

  it('the random runs went through compactions and reopenings', () => {
    // Runs in order after the seeds above: they only prove something if they hit these paths.
    expect(totals.runs).toBe(METRICS.length * SEEDS_PER_METRIC);
    expect(totals.compactions).toBeGreaterThan(5);
    expect(totals.reopens).toBeGreaterThan(5);
  });
});

// ---- writes while a sync or a build runs --------------------------------------------------------

const BIG = 1300;
const BIG_DIMS = 8;
/** Per-query efSearch above the item count: the graph search visits everything reachable. */
const EXHAUSTIVE = { efSearch: 4000 };

function item(id: string, vector: Float32Array): NormalizedItem {
  return { id, vector, content: null, metadata: null };
}

const range = (prefix: string, from: number, to: number): string[] => {
  const out: string[] = [];
  for (let i = from; i < to; i++) out.push(`${prefix}${i}`);
  return out;
};

/** a and b with ids k0..k1299 each (the same ids in both), an index over both, built. */
async function bigStore(metric: Metric, rng: Random): Promise<{ store: TestStore; vx: Vecdex }> {
  const { store, vx } = await newStore();
  for (const c of COLLECTIONS) {
    await vx.collections.create({ name: c, dimensions: BIG_DIMS, metric });
    await vx.collection(c).upsert(range('k', 0, BIG).map((id) => ({ id, vector: rng.vector(BIG_DIMS) })));
  }
  await vx.indexes.create({
    name: INDEX,
    plugin: 'hnswlib',
    collections: [...COLLECTIONS],
    params: { M: 16, efConstruction: 100, efSearch: 64, compactThreshold: 0.1 },
  });
  await vx.indexes.build(INDEX);
  return { store, vx };
}

/** Store = index: counts, the saved files (keys and vectors), and exact top-k for random queries. */
async function expectIndexMatchesStore(store: TestStore, vx: Vecdex, metric: Metric, rng: Random): Promise<void> {
  const items = await readStore(vx, COLLECTIONS);
  const live = [...items.values()].reduce((n, l) => n + l.length, 0);
  const st = await vx.indexes.status(INDEX);
  expect(st.pendingChanges).toBe(0);
  expect(st.items, 'index items = store count').toBe(live);
  expectSavedEqualsStore(await readSavedIndex(store.indexDir, BIG_DIMS), items, metric);
  for (let q = 0; q < 5; q++) {
    const v = rng.vector(BIG_DIMS);
    const k = 1 + rng.int(25);
    const { hits } = await vx.indexes.search(INDEX, v, { k, stale: 'error', params: EXHAUSTIVE });
    expectExactTopK(hits, items, v, metric, k);
    const c = rng.pick(COLLECTIONS);
    const only = new Map([[c, items.get(c) as NormalizedItem[]]]);
    const res = await vx.collection(c).search(v, { index: INDEX, k, stale: 'error', include: {}, params: EXHAUSTIVE });
    expect(res.plan.strategy).toBe('index');
    expectExactTopK(res.hits, only, v, metric, k);
  }
}

describe('writes while a sync or a build runs', () => {
  // These predictions count feed batches of 1000 (IndexRuntime's BATCH); the first progress event checks it.
  it.each(METRICS)(
    '%s: writes between two batches of a sync are applied by it; writes after its last batch stay pending',
    async (metric) => {
      const rng = new Random(7_000 + METRICS.indexOf(metric));
      const { store, vx } = await bigStore(metric, rng);
      const v = () => rng.vector(BIG_DIMS);
      // 1250 pending changes (below half of the 2600 items, so applied rather than rebuilt): a k0..k624, then b k0..k624.
      await vx.collection('a').upsert(range('k', 0, 625).map((id) => ({ id, vector: v() })));
      await vx.collection('b').upsert(range('k', 0, 625).map((id) => ({ id, vector: v() })));
      expect((await vx.indexes.status(INDEX)).pendingChanges).toBe(1250);

      const events: number[] = [];
      const writes: Promise<unknown>[] = [];
      const res = await vx.indexes.sync(INDEX, {
        onProgress: (e) => {
          events.push(e.done);
          // Synchronous commits (better-sqlite3): they land before the sync reads its next batch.
          if (events.length === 1) {
            expect(e.done, 'sync batches of 1000').toBe(1000);
            writes.push(
              vx.backend.upsert(
                'a',
                range('k', 0, 50).map((id) => item(id, v())),
              ), // already applied: must be re-applied
              vx.backend.upsert(
                'b',
                range('k', 500, 550).map((id) => item(id, v())),
              ), // pending, not yet read
              vx.backend.upsert(
                'a',
                range('n', 0, 30).map((id) => item(id, v())),
              ), // new
              vx.backend.delete('b', range('k', 1000, 1020)), // not pending
            );
          } else {
            writes.push(
              vx.backend.upsert(
                'b',
                range('k', 0, 10).map((id) => item(id, v())),
              ),
              vx.backend.upsert(
                'b',
                range('n', 0, 5).map((id) => item(id, v())),
              ),
              vx.backend.delete('a', range('k', 1200, 1205)),
            );
          }
        },
      });
      await Promise.all(writes);
      // Batch 2 read the 250 left + the 150 items written in between (b k500..k549 once, at their new position).
      expect(events).toEqual([1000, 1350]);
      expect(res).toEqual({ applied: 1350, rebuilt: null });
      let st = await vx.indexes.status(INDEX);
      expect(st.pendingChanges, 'writes after the last batch are pending').toBe(20);
      expect(st.items).toBe(2 * BIG + 30 - 20);
      await expectVecdexError(vx.indexes.search(INDEX, v(), { k: 3, stale: 'error' }), 'INDEX_STALE');

      expect(await vx.indexes.sync(INDEX)).toEqual({ applied: 20, rebuilt: null });
      st = await vx.indexes.status(INDEX);
      expect(st.items).toBe(2 * BIG + 30 - 20 + 5 - 5);
      await expectIndexMatchesStore(store, vx, metric, rng);
    },
    30_000,
  );

  it.each(METRICS)(
    '%s: writes awaited through the collection API while a sync runs are not lost nor counted twice',
    async (metric) => {
      const rng = new Random(8_000 + METRICS.indexOf(metric));
      const { store, vx } = await bigStore(metric, rng);
      const v = () => rng.vector(BIG_DIMS);
      await vx.collection('a').upsert(range('k', 0, 625).map((id) => ({ id, vector: v() })));
      await vx.collection('b').upsert(range('k', 0, 625).map((id) => ({ id, vector: v() })));

      let firstBatch!: () => void;
      const midSync = new Promise<void>((resolve) => {
        firstBatch = resolve;
      });
      let finished = false;
      const syncing = vx.indexes.sync(INDEX, { onProgress: () => firstBatch() }).then((r) => {
        finished = true;
        return r;
      });
      await midSync;
      expect(finished, 'the writes below start while the sync runs').toBe(false);
      // Which items exist (every k-id in both collections so far), and which were written meanwhile.
      const alive = new Map(COLLECTIONS.map((c) => [c, new Set(range('k', 0, BIG))]));
      const written = new Set<string>();
      for (let round = 0; round < 4; round++) {
        const c = rng.pick(COLLECTIONS);
        const exists = alive.get(c) as Set<string>;
        const ids = [...rng.sample(range('k', 0, BIG), 40), ...range(`r${round}-`, 0, 10)];
        expect((await vx.collection(c).upsert(ids.map((id) => ({ id, vector: v() })))).upserted).toBe(50);
        for (const id of ids) {
          exists.add(id);
          written.add(`${c}/${id}`);
        }
        const gone = rng.sample(range('k', 700, BIG), 8);
        expect(await vx.collection(c).delete(gone)).toBe(gone.filter((id) => exists.has(id)).length);
        for (const id of gone) {
          if (exists.delete(id)) written.add(`${c}/${id}`);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      const res = await syncing;
      expect(res.rebuilt).toBeNull();
      expect(res.applied).toBeGreaterThanOrEqual(1250);
      const pending = (await vx.indexes.status(INDEX)).pendingChanges;
      expect(pending).toBeLessThanOrEqual(written.size);
      expect((await vx.indexes.sync(INDEX)).applied, 'the next sync applies exactly what was pending').toBe(pending);
      for (const c of COLLECTIONS) expect(await vx.collection(c).count()).toBe(alive.get(c)?.size);
      await expectIndexMatchesStore(store, vx, metric, rng);
    },
    30_000,
  );

  it.each(METRICS)(
    '%s: writes during a build are after its cursor, so the next sync applies them',
    async (metric) => {
      const rng = new Random(9_000 + METRICS.indexOf(metric));
      const { store, vx } = await bigStore(metric, rng);
      const v = () => rng.vector(BIG_DIMS);
      const events: number[] = [];
      const writes: Promise<unknown>[] = [];
      const st = await vx.indexes.rebuild(INDEX, {
        onProgress: (e) => {
          events.push(e.done);
          if (events.length !== 1) return;
          expect(e.done, 'scan batches of 1000').toBe(1000); // a's first page scanned, a's second and b's not yet
          writes.push(
            vx.backend.upsert(
              'a',
              range('k', 0, 20).map((id) => item(id, v())),
            ), // scanned
            vx.backend.upsert(
              'b',
              range('k', 0, 20).map((id) => item(id, v())),
            ), // not scanned yet
            vx.backend.delete('a', range('k', 20, 30)), // scanned: in the build, gone from the store
            vx.backend.delete('b', range('k', 20, 30)), // not scanned: never in the build
            vx.backend.upsert(
              'a',
              range('n', 0, 15).map((id) => item(id, v())),
            ), // new rows, scanned with a's last page
          );
        },
      });
      await Promise.all(writes);
      expect(events).toEqual([1000, BIG + 15, BIG + 15 + 1000, 2 * BIG + 15 - 10]);
      expect(st.items).toBe(2 * BIG + 15 - 10);
      expect(st.pendingChanges, 'every write during the build is pending').toBe(75);
      expect(await vx.indexes.sync(INDEX)).toEqual({ applied: 75, rebuilt: null });
      const after = await vx.indexes.status(INDEX);
      expect(after.items).toBe(2 * BIG - 20 + 15);
      expect(after.deleted, "a's 10 deleted items are tombstones now").toBe(10);
      await expectIndexMatchesStore(store, vx, metric, rng);
    },
    30_000,
  );
});

describe('rebuilds instead of syncs', () => {
  it('a sync that leaves more than compactThreshold tombstones rebuilds; at exactly the threshold it does not', async () => {
    const rng = new Random(42);
    const { store, vx } = await newStore();
    for (const c of COLLECTIONS) await vx.collections.create({ name: c, dimensions: 12, metric: 'l2' });
    await vx.collection('a').upsert(range('x', 0, 200).map((id) => ({ id, vector: rng.vector(12) })));
    await vx.collection('b').upsert(range('x', 0, 100).map((id) => ({ id, vector: rng.vector(12) })));
    await vx.indexes.create({ name: INDEX, plugin: 'hnswlib', collections: [...COLLECTIONS], params: HNSW_EXACT });
    expect((await vx.indexes.build(INDEX)).items).toBe(300);

    // 10 of 300 deleted: 3.3% tombstones, kept.
    await vx.collection('a').delete(range('x', 0, 10));
    expect(await vx.indexes.sync(INDEX)).toEqual({ applied: 10, rebuilt: null });
    let st = await vx.indexes.status(INDEX);
    expect([st.items, st.deleted, st.deletedFraction]).toEqual([290, 10, 10 / 300]);

    // 25 more deleted and 5 new (which take 5 freed labels): 30 of 300 slots = exactly 10%, not above.
    await vx.collection('b').delete(range('x', 0, 25));
    await vx.collection('b').upsert(range('y', 0, 5).map((id) => ({ id, vector: rng.vector(12) })));
    expect(await vx.indexes.sync(INDEX)).toEqual({ applied: 30, rebuilt: null });
    st = await vx.indexes.status(INDEX);
    expect([st.items, st.deleted, st.stats?.slots, st.lastRebuild]).toEqual([270, 30, 300, null]);

    // One more: 31 of 300 > 10% → the sync compacts.
    await vx.collection('a').delete('x10');
    const res = await vx.indexes.sync(INDEX);
    expect(res.applied).toBe(1);
    expect(res.rebuilt).toMatch(/compaction/);
    st = await vx.indexes.status(INDEX);
    expect(st.lastRebuild).toMatch(/compaction/);
    expect([st.items, st.deleted, st.deletedFraction, st.stats?.slots, st.pendingChanges]).toEqual([269, 0, 0, 269, 0]);
    const saved = await readSavedIndex(store.indexDir, 12);
    expect(saved.freeLabels).toBe(0);
    const items = await readStore(vx, COLLECTIONS);
    expectSavedEqualsStore(saved, items, 'l2');
    for (let q = 0; q < 5; q++) {
      const v = rng.vector(12);
      expectExactTopK((await vx.indexes.search(INDEX, v, { k: 10, stale: 'error' })).hits, items, v, 'l2', 10);
    }

    // Another process loads the compacted files: no rebuild of its own.
    await vx.close();
    const again = await store.open();
    open.push(again);
    const loaded = await again.indexes.status(INDEX);
    expect([loaded.items, loaded.deleted, loaded.lastRebuild]).toEqual([269, 0, null]);
  }, 30_000);

  it('an index emptied by deletes compacts to an empty index, which loads and fills again', async () => {
    const rng = new Random(43);
    const { store, vx } = await newStore();
    for (const c of COLLECTIONS) await vx.collections.create({ name: c, dimensions: 6, metric: 'cosine' });
    await vx.collection('a').upsert(range('x', 0, 20).map((id) => ({ id, vector: rng.vector(6) })));
    await vx.indexes.create({ name: INDEX, plugin: 'hnswlib', collections: [...COLLECTIONS], params: HNSW_EXACT });
    await vx.indexes.build(INDEX);
    await vx.collection('a').delete(range('x', 0, 20));
    expect((await vx.indexes.sync(INDEX)).rebuilt).toMatch(/compaction/);
    let st = await vx.indexes.status(INDEX);
    expect([st.items, st.deleted, st.deletedFraction, st.pendingChanges]).toEqual([0, 0, 0, 0]);
    expect(await vx.collection('a').similar(rng.vector(6), { index: INDEX, k: 5, stale: 'error' })).toEqual([]);
    expect((await vx.indexes.search(INDEX, rng.vector(6), { k: 5, stale: 'error' })).hits).toEqual([]);
    await vx.close();

    const again = await store.open();
    open.push(again);
    st = await again.indexes.status(INDEX);
    expect([st.items, st.lastRebuild]).toEqual([0, null]);
    const added = range('y', 0, 7).map((id) => ({ id, vector: rng.vector(6) }));
    await again.collection('b').upsert(added);
    expect(await again.indexes.sync(INDEX)).toEqual({ applied: 7, rebuilt: null });
    const items = await readStore(again, COLLECTIONS);
    const v = rng.vector(6);
    expectExactTopK((await again.indexes.search(INDEX, v, { k: 10, stale: 'error' })).hits, items, v, 'cosine', 10);
    expectSavedEqualsStore(await readSavedIndex(store.indexDir, 6), items, 'cosine');
  }, 30_000);

  it('a sync with most items pending rebuilds instead, says why, and ends up equal to the store', async () => {
    const rng = new Random(44);
    const { store, vx } = await newStore();
    for (const c of COLLECTIONS) await vx.collections.create({ name: c, dimensions: 8, metric: 'ip' });
    for (const c of COLLECTIONS) await vx.collection(c).upsert(range('x', 0, 800).map((id) => ({ id, vector: rng.vector(8) })));
    await vx.indexes.create({ name: INDEX, plugin: 'hnswlib', collections: [...COLLECTIONS], params: { efConstruction: 100 } });
    await vx.indexes.build(INDEX);
    // 1200 of 1600 items rewritten or deleted (> 1000 and > half): replaying them costs more than a build.
    await vx.collection('a').upsert(range('x', 0, 700).map((id) => ({ id, vector: rng.vector(8) })));
    await vx.collection('b').delete(range('x', 0, 500));
    expect((await vx.indexes.status(INDEX)).pendingChanges).toBe(1200);
    const res = await vx.indexes.sync(INDEX);
    expect(res.applied).toBe(0);
    expect(res.rebuilt).toMatch(/1200 pending changes exceed/);
    const st = await vx.indexes.status(INDEX);
    expect(st.lastRebuild).toBe(res.rebuilt);
    expect([st.items, st.deleted, st.pendingChanges]).toEqual([1100, 0, 0]);
    const items = await readStore(vx, COLLECTIONS);
    expectSavedEqualsStore(await readSavedIndex(store.indexDir, 8), items, 'ip');
    for (let q = 0; q < 5; q++) {
      const v = rng.vector(8);
      const { hits } = await vx.indexes.search(INDEX, v, { k: 10, stale: 'error', params: EXHAUSTIVE });
      expectExactTopK(hits, items, v, 'ip', 10);
    }
  }, 30_000);
});
