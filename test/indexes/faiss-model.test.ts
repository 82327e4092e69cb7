/**
 * @vecdex/sidecar-faiss through core's index lifecycle on the sqlite-vec store, the same way
 * index-model.test.ts proves the hnswlib plugin: random writes to two collections sharing ids,
 * one FAISS index over both, syncs / rebuilds / reopenings at random points. A `Flat` FAISS index
 * is exact, so after every sync its top-k must equal brute force over the store, its status must
 * match a plain model (Flat removes for real: no tombstones, slots = items), and the saved FAISS
 * file must hold exactly the store's vectors. Then: corrupt files are rebuilt from the store,
 * export writes a file raw faiss-node reads, retraining is reported, and unsupported metrics are
 * refused at creation.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { type Metric, type NormalizedItem, type Vecdex, distance, openVecdex } from '@vecdex/core';
import { Random, expectVecdexError } from '@vecdex/core/testing';
import hnswlib from '@vecdex/index-hnswlib';
import faissPlugin from '@vecdex/sidecar-faiss';
import { afterEach, describe, expect, it } from 'vitest';
import { faissProblem } from '../faiss-available.js';
import { expectExactTopK, keyOf, readStore } from './helpers.js';
import { RandomWrites } from './random-writes.js';

const describeFaiss = faissProblem === null ? describe : describe.skip;
if (faissProblem !== null) console.warn(`[faiss-model] skipping: ${faissProblem}`);

const INDEX = 'fx';
const COLLECTIONS = ['a', 'b'] as const;

interface Store {
  dir: string;
  indexDir: string;
  open(): Promise<Vecdex>;
}
let dirs: string[] = [];
let opened: Vecdex[] = [];
afterEach(async () => {
  for (const vx of opened) await vx.close().catch(() => undefined);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  dirs = [];
  opened = [];
});

async function newStore(): Promise<{ store: Store; vx: Vecdex }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vecdex-faiss-model-'));
  dirs.push(dir);
  const dataDir = path.join(dir, 'data');
  const store: Store = {
    dir,
    indexDir: path.join(dataDir, 'indexes', INDEX),
    open: async () => {
      const vx = await openVecdex({
        config: {
          backend: { use: sqlitevec, options: { path: path.join(dir, 'store.db') } },
          plugins: [faissPlugin, hnswlib],
          dataDir,
        },
        cwd: dir,
        env: {},
      });
      opened.push(vx);
      return vx;
    },
  };
  return { store, vx: await store.open() };
}

/**
 * The saved Flat index parsed independently of the plugin: the manifest, the label map and the
 * FAISS file (1.7.x `IxF2`/`IxFI`: a 37-byte header, then the vectors as a u64 float count and
 * ntotal × d float32 values). Returns key → vector.
 */
async function readSavedFlat(indexDir: string, dims: number): Promise<Map<string, Float32Array>> {
  const manifest = JSON.parse(await readFile(path.join(indexDir, 'manifest.json'), 'utf8'));
  const labels = JSON.parse(await readFile(path.join(indexDir, manifest.files.labels.name), 'utf8')) as {
    collections: string[];
    labels: ([number, string] | null)[];
  };
  const buf = await readFile(path.join(indexDir, manifest.files.index.name));
  expect(['IxF2', 'IxFI']).toContain(buf.subarray(0, 4).toString('latin1'));
  const ntotal = Number(buf.readBigInt64LE(8));
  expect(buf.readInt32LE(4)).toBe(dims);
  expect(ntotal, 'FAISS ntotal = label map length').toBe(labels.labels.length);
  expect(Number(buf.readBigUInt64LE(37)), 'stored floats').toBe(ntotal * dims);
  const out = new Map<string, Float32Array>();
  labels.labels.forEach((entry, label) => {
    if (entry === null) expect.fail(`a Flat index has no tombstones, label ${label} is one`);
    const key = keyOf({ collection: labels.collections[entry[0]] as string, id: entry[1] });
    if (out.has(key)) expect.fail(`key ${key} has two labels`);
    const v = new Float32Array(dims);
    for (let d = 0; d < dims; d++) v[d] = buf.readFloatLE(45 + (label * dims + d) * 4);
    out.set(key, v);
  });
  return out;
}

function expectSavedEqualsStore(saved: Map<string, Float32Array>, items: Map<string, NormalizedItem[]>, metric: Metric): void {
  const want = new Map<string, Float32Array>();
  for (const [collection, list] of items) for (const it of list) want.set(keyOf({ collection, id: it.id }), it.vector);
  expect([...saved.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [key, v] of want) {
    const got = saved.get(key) as Float32Array;
    if (metric === 'cosine') {
      if (Math.abs(distance('cosine', got, v)) > 1e-5) expect.fail(`saved vector of ${key} is not the stored direction`);
    } else if (!got.every((x, i) => x === v[i])) expect.fail(`saved vector of ${key} differs from the store`);
  }
}

async function runModel(metric: Metric, seed: number): Promise<{ syncs: number; reopens: number }> {
  const rng = new Random(seed);
  const dims = 6 + rng.int(10);
  const { store, vx: first } = await newStore();
  let vx = first;
  for (const name of [...COLLECTIONS, 'other']) await vx.collections.create({ name, dimensions: dims, metric });
  const model = new RandomWrites(rng, dims, { twinShare: 0.2 });
  const counters = { syncs: 0, reopens: 0 };

  const check = async (where: string): Promise<void> => {
    const st = await vx.indexes.status(INDEX);
    expect(st.pendingChanges, `${where}: pending`).toBe(model.pending.size);
    if (model.pending.size > 0) return;
    expect([st.items, st.deleted, st.stats?.slots, st.stats?.factory], `${where}: status`).toEqual([
      model.live,
      0,
      model.live,
      'Flat',
    ]);
    const all = model.asItems();
    for (let q = 0; q < 3; q++) {
      const v =
        rng.next() < 0.3 && model.live > 0 ? Float32Array.from(rng.pick([...all.values()].flat()).vector) : rng.vector(dims);
      const k = rng.next() < 0.1 ? 400 : 1 + rng.int(20);
      expectExactTopK((await vx.indexes.search(INDEX, v, { k, stale: 'error' })).hits, all, v, metric, k);
      const c = rng.pick(COLLECTIONS);
      const { hits, plan } = await vx.collection(c).search(v, { index: INDEX, k, stale: 'error', include: {} });
      expect(plan.strategy, `${where}: answered by the index`).toBe('index');
      expectExactTopK(hits, model.asItems(c), v, metric, k);
    }
    expectSavedEqualsStore(await readSavedFlat(store.indexDir, dims), await readStore(vx, COLLECTIONS), metric);
  };

  for (let i = 0; i < 4; i++) await model.write(vx);
  await vx.indexes.create({ name: INDEX, plugin: 'faiss', collections: [...COLLECTIONS], params: { factory: 'Flat' } });
  expect((await vx.indexes.build(INDEX)).items).toBe(model.live);
  model.pending.clear();
  await check('after build');
  for (let step = 0; step < 60; step++) {
    const where = `seed ${seed} step ${step}`;
    const r = rng.next();
    if (r < 0.55) await model.write(vx);
    else if (r < 0.6) await vx.collection('other').upsert([{ id: `o${rng.int(20)}`, vector: rng.vector(dims) }]);
    else if (r < 0.82) {
      const res = await vx.indexes.sync(INDEX);
      counters.syncs++;
      if (res.rebuilt === null) expect(res.applied, `${where}: applied`).toBe(model.pending.size);
      else expect(res.rebuilt).toMatch(/pending changes exceed/);
      model.pending.clear();
    } else if (r < 0.88) {
      await vx.indexes.rebuild(INDEX);
      model.pending.clear();
    } else {
      await vx.close();
      vx = await store.open();
      counters.reopens++;
      const st = await vx.indexes.status(INDEX);
      expect(st.lastRebuild, `${where}: loaded, not rebuilt`).toBeNull();
    }
    await check(where);
  }
  return counters;
}

describeFaiss('faiss sidecar: model-based sync with an exact Flat index', () => {
  const totals = { syncs: 0, reopens: 0 };
  for (const metric of ['l2', 'cosine'] as Metric[]) {
    for (let s = 0; s < 3; s++) {
      const seed = 500 + 10 * (metric === 'l2' ? 1 : 2) + s;
      it(`${metric}, seed ${seed}`, async () => {
        const c = await runModel(metric, seed);
        totals.syncs += c.syncs;
        totals.reopens += c.reopens;
      }, 60_000);
    }
  }
  it('the random runs synced and reopened', () => {
    expect(totals.syncs).toBeGreaterThan(10);
    expect(totals.reopens).toBeGreaterThan(3);
  });
});

describeFaiss('faiss sidecar: lifecycle through core', () => {
  async function filled(metric: Metric, n: number, params: Record<string, string | number>) {
    const { store, vx } = await newStore();
    const rng = new Random(77);
    for (const c of COLLECTIONS) await vx.collections.create({ name: c, dimensions: 8, metric });
    for (const c of COLLECTIONS)
      await vx.collection(c).upsert(Array.from({ length: n }, (_, i) => ({ id: `x${i}`, vector: rng.vector(8) })));
    await vx.indexes.create({ name: INDEX, plugin: 'faiss', collections: [...COLLECTIONS], params });
    await vx.indexes.build(INDEX);
    return { store, vx, rng };
  }

  it('unsupported metrics are refused at index creation', async () => {
    const { vx } = await newStore();
    for (const metric of ['ip', 'l1'] as Metric[]) {
      await vx.collections.create({ name: `c-${metric}`, dimensions: 4, metric });
      const err = await expectVecdexError(
        vx.indexes.create({ name: `i-${metric}`, plugin: 'faiss', collections: [`c-${metric}`] }),
        'UNSUPPORTED_METRIC',
      );
      expect(err.message).toContain(metric);
    }
  });

  it('a corrupt index file is detected on open and rebuilt from the store, which status reports', async () => {
    const { store, vx, rng } = await filled('l2', 300, { factory: 'IVF8,Flat', nprobe: 8 });
    await vx.close();
    const manifest = JSON.parse(await readFile(path.join(store.indexDir, 'manifest.json'), 'utf8'));
    const file = path.join(store.indexDir, manifest.files.index.name);
    const buf = await readFile(file);
    buf.writeFloatLE(123.5, buf.length - 64);
    await writeFile(file, buf);
    const again = await store.open();
    const st = await again.indexes.status(INDEX);
    expect(st.lastRebuild).toMatch(/failed verification \(.*fails its checksum\)/);
    expect([st.items, st.pendingChanges]).toEqual([600, 0]);
    const items = await readStore(again, COLLECTIONS);
    for (let q = 0; q < 5; q++) {
      const v = rng.vector(8);
      expectExactTopK((await again.indexes.search(INDEX, v, { k: 10, stale: 'error' })).hits, items, v, 'l2', 10);
    }
  });

  it('a sync that finds the data outgrew the training set retrains, and says so', async () => {
    const { vx, rng } = await filled('cosine', 100, { factory: 'IVF64,Flat', nprobe: 64 });
    let st = await vx.indexes.status(INDEX);
    expect(st.stats).toMatchObject({ factory: 'IVF64,Flat', trainedCount: 200, needsCompaction: false });
    // 4 × 200 = 800 < 810 live vectors: the next sync rebuilds and retrains.
    await vx.collection('a').upsert(Array.from({ length: 610 }, (_, i) => ({ id: `y${i}`, vector: rng.vector(8) })));
    const res = await vx.indexes.sync(INDEX);
    expect(res).toEqual({
      applied: 610,
      rebuilt: 'retrain: IVF64,Flat was trained on 200 vectors and now holds 810 (more than 4×)',
      cause: 'compaction',
    });
    st = await vx.indexes.status(INDEX);
    expect(st.lastRebuild).toBe(res.rebuilt);
    expect(st.stats).toMatchObject({ trainedCount: 810, needsCompaction: false, rebuildReason: null });
  });

  it('export writes a plain FAISS file that raw faiss-node reads and searches, with a label → key map', async () => {
    const { store, vx, rng } = await filled('cosine', 200, { factory: 'IVF8,Flat', nprobe: 8 });
    await vx.collection('b').delete(['x1', 'x2']); // pending: export syncs first; tombstones in the file
    const file = path.join(store.dir, 'out', 'fx.faiss');
    await mkdir(path.dirname(file));
    const res = await vx.indexes.export(INDEX, file);
    expect(res).toMatchObject({ file, idsFile: `${file}.ids.json`, factory: 'IVF8,Flat', vectors: 400, items: 398 });
    const ids = JSON.parse(await readFile(`${file}.ids.json`, 'utf8'));
    expect(ids).toMatchObject({
      format: 'vecdex-faiss-ids',
      factory: 'IVF8,Flat',
      metric: 'cosine',
      dimensions: 8,
      normalized: true,
    });
    expect(ids.labels.filter((l: unknown) => l === null).length).toBe(2);
    const faiss = (await import('faiss-node')).default;
    const raw = faiss.Index.read(file);
    expect([raw.ntotal(), raw.getDimension()]).toEqual([400, 8]);
    const items = await readStore(vx, COLLECTIONS);
    for (let q = 0; q < 5; q++) {
      const v = rng.vector(8);
      const norm = Math.hypot(...v);
      const r = raw.search(
        [...v].map((x) => x / norm),
        20,
      );
      const hits = r.labels
        .map((label: number, i: number) => ({ key: ids.labels[label], distance: 1 - (r.distances[i] as number) }))
        .filter((h: { key: unknown }) => h.key !== null)
        .slice(0, 10)
        .map((h: { key: { collection: string; id: string }; distance: number }) => ({ ...h.key, distance: h.distance }));
      expectExactTopK(hits, items, v, 'cosine', 10);
    }
  });

  it('export: UNKNOWN_INDEX for an unknown index, NOT_SUPPORTED for a plugin without export', async () => {
    const { vx } = await newStore();
    await expectVecdexError(vx.indexes.export('nope', '/tmp/x.faiss'), 'UNKNOWN_INDEX');
    await vx.collections.create({ name: 'h', dimensions: 4, metric: 'l2' });
    await vx.indexes.create({ name: 'hx', plugin: 'hnswlib', collections: ['h'] });
    const err = await expectVecdexError(vx.indexes.export('hx', '/tmp/x.hnsw'), 'NOT_SUPPORTED');
    expect(err.message).toContain('index "hx" (plugin hnswlib) cannot be exported');
  });
});
