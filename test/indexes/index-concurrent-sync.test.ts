/**
 * Two processes syncing one index at once. Each saves the index files, then writes the catalog
 * cursor; interleaved, the last files saved can be older than the last cursor written (process
 * A read the feed before a write, B read it after, B saved, A saved, A wrote its cursor, B wrote
 * its cursor). Files paired with a cursor they do not reflect would never receive the changes
 * in between. Plugins record the cursor with their files, and core continues from it.
 *
 * Two Vecdex instances on one store file (separate connections, one data dir) stand in for the
 * two processes; a third opens afterwards and must answer like exact search.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sqlitevec, { createSqliteVecBackend } from '@vecdex/backend-sqlitevec';
import { type StorageBackend, type Vecdex, openVecdex } from '@vecdex/core';
import { Random } from '@vecdex/core/testing';
import hnswlib from '@vecdex/index-hnswlib';
import faiss from '@vecdex/sidecar-faiss';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { faissProblem } from '../faiss-available.js';
import { INDEX, type TestStore, expectExactTopK, readStore, tempStore } from './helpers.js';

const DIMS = 8;

/** Every file-backed index plugin; each must keep its files and cursor paired. */
const PLUGINS = [
  { plugin: 'hnswlib', params: { efSearch: 400 }, unavailable: null },
  { plugin: 'faiss', params: { factory: 'Flat' }, unavailable: faissProblem },
];
let store: TestStore;
const open: Vecdex[] = [];

beforeEach(async () => {
  store = await tempStore('vecdex-concurrent-');
});
afterEach(async () => {
  for (const vx of open.splice(0)) await vx.close();
  await store.cleanup();
});

/**
 * A backend whose `method` stops once, when armed: before the call (`before`) or after it
 * returned its result (`after`), until released. Everything else goes straight through.
 */
function gated(backend: StorageBackend, method: 'readChanges' | 'putIndexState', when: 'before' | 'after') {
  let release!: () => void;
  let reached!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const arrived = new Promise<void>((r) => (reached = r));
  let armed = false;
  const stop = async () => {
    if (!armed) return;
    armed = false;
    reached();
    await gate;
  };
  const proxy = new Proxy(backend, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      if (prop !== method) return value.bind(target);
      return async (...args: unknown[]) => {
        if (when === 'before') await stop();
        const out = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        if (when === 'after') await stop();
        return out;
      };
    },
  });
  return { backend: proxy, arm: () => (armed = true), arrived, release: () => release() };
}

async function instance(backend?: StorageBackend): Promise<Vecdex> {
  const vx = await openVecdex({
    config: {
      backend: { use: sqlitevec, options: { path: store.dbPath } },
      plugins: faissProblem === null ? [hnswlib, faiss] : [hnswlib],
      dataDir: store.dataDir,
    },
    cwd: store.dir,
    env: {},
    ...(backend ? { backend } : {}),
  });
  open.push(vx);
  return vx;
}

const items = (rng: Random, prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, vector: rng.vector(DIMS) }));

/** A third instance answers every query like exact search, through the index. */
async function expectConsistent(rng: Random): Promise<void> {
  const vx = await instance();
  const all = await readStore(vx, ['a']);
  for (let q = 0; q < 20; q++) {
    const v = rng.vector(DIMS);
    const res = await vx.collection('a').search(v, { index: INDEX, k: 10, include: {} });
    expect(res.plan.strategy).toBe('index');
    expectExactTopK(res.hits, all, v, 'l2', 10);
  }
  expect((await vx.indexes.status(INDEX)).pendingChanges).toBe(0);
}

describe.each(PLUGINS)('$plugin', (p) => {
  if (p.unavailable !== null) console.warn(`skipping the faiss case: ${p.unavailable}`);
  const maybe = p.unavailable === null ? it : it.skip;
  maybe('files saved last at an older cursor than the catalog records are synced from their own cursor', async () => {
    const rng = new Random(21);
    const writer = await instance();
    await writer.collections.create({ name: 'a', dimensions: DIMS, metric: 'l2' });
    await writer.collection('a').upsert(items(rng, 'base', 300));
    await writer.indexes.create({ name: INDEX, plugin: p.plugin, collections: ['a'], params: p.params });
    await writer.indexes.build(INDEX);

    const older = gated(await createSqliteVecBackend({ path: store.dbPath }), 'readChanges', 'after');
    const newer = gated(await createSqliteVecBackend({ path: store.dbPath }), 'putIndexState', 'before');
    const vOld = await instance(older.backend);
    const vNew = await instance(newer.backend);
    // Both load the built index.
    expect((await vOld.indexes.status(INDEX)).items).toBe(300);
    expect((await vNew.indexes.status(INDEX)).items).toBe(300);

    // W1, then the old instance reads the feed (seeing W1 only) and stops there.
    await writer.collection('a').upsert(items(rng, 'w1-', 40));
    older.arm();
    const syncOld = vOld.indexes.sync(INDEX);
    await older.arrived;
    // W2 (new items, replaced vectors, deletes), then the new instance syncs W1 + W2, saves its
    // files and stops before writing the catalog.
    await writer.collection('a').upsert([...items(rng, 'w2-', 40), ...items(rng, 'base', 30)]);
    expect(await writer.collection('a').delete(Array.from({ length: 30 }, (_, i) => `base${100 + i}`))).toBe(30);
    newer.arm();
    const syncNew = vNew.indexes.sync(INDEX);
    await newer.arrived;
    // The old instance saves files at W1 (after the new one's) and writes its cursor; then the new
    // one writes the newer cursor last.
    older.release();
    await syncOld;
    newer.release();
    await syncNew;

    // The interleaving happened: the files on disk reflect W1 only, the catalog says W2.
    const manifest = JSON.parse(await readFile(path.join(store.indexDir, 'manifest.json'), 'utf8')) as { cursor?: string | null };
    const raw = await createSqliteVecBackend({ path: store.dbPath, readonly: true });
    const catalogCursor = (await raw.getIndexState(INDEX))?.cursor;
    expect(catalogCursor).toBe(await raw.headCursor());
    await raw.close();
    expect(typeof manifest.cursor).toBe('string');
    expect(manifest.cursor).not.toBe(catalogCursor);

    await expectConsistent(rng);
  });

  maybe('two instances writing and syncing concurrently leave an index a third instance loads consistently', async () => {
    const rng = new Random(22);
    const writer = await instance();
    await writer.collections.create({ name: 'a', dimensions: DIMS, metric: 'l2' });
    await writer.collection('a').upsert(items(rng, 'base', 200));
    await writer.indexes.create({ name: INDEX, plugin: p.plugin, collections: ['a'], params: p.params });
    await writer.indexes.build(INDEX);
    const vA = await instance();
    const vB = await instance();
    for (let round = 0; round < 6; round++) {
      const work = (vx: Vecdex, name: string) => async () => {
        await vx.collection('a').upsert(items(rng, `${name}${round}-`, 15));
        await vx.collection('a').delete([`base${round * 10 + (name === 'A' ? 0 : 5)}`]);
        await vx.indexes.sync(INDEX);
      };
      await Promise.all([work(vA, 'A')(), work(vB, 'B')()]);
    }
    await expectConsistent(rng);
  });
});
