import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExactSearchRequest, FilterNode, Metric, NormalizedItem } from '@vecdex/core';
import * as sqliteVec from 'sqlite-vec';
import { Connection } from '../src/connection.js';
import { createSqliteVecBackend, type SqliteVecBackend } from '../src/index.js';
import { readVectorChunks } from '../src/vec0-chunks.js';
import { item, makeTempDir, randomVector, rawDb, removeDir, rng, spec } from './helpers.js';

// The in-memory SIMD path must answer exactly what the vec0 path answers: same rows, same
// order (ties included), bit-identical distances. Two backends on one file: `mem` with the
// copies (the default), `vec0` with them turned off.
let dir: string;
let mem: SqliteVecBackend;
let vec0: SqliteVecBackend;
const N = 800;
const METRICS: Metric[] = ['l2', 'cosine', 'ip'];

/** Vectors on a small integer grid (many exact ties and duplicates), or uniform floats. */
function items(seed: number, dims: number, grid: boolean): NormalizedItem[] {
  const r = rng(seed);
  return Array.from({ length: N }, (_, i) => {
    const v = grid ? Float32Array.from({ length: dims }, () => Math.floor(r() * 5) - 2) : randomVector(r, dims);
    if (v.every((x) => x === 0)) v[0] = 1; // cosine refuses zero vectors
    return item(`item-${i}`, v, { g: i % 50, half: i % 2 === 0 }, `text ${i}`);
  });
}

beforeAll(async () => {
  dir = makeTempDir();
  const file = path.join(dir, 'store.db');
  vec0 = await createSqliteVecBackend({ path: file, exactSearchMemoryBytes: 0 });
  mem = await createSqliteVecBackend({ path: file });
  for (const metric of METRICS) {
    for (const grid of [true, false]) {
      const name = `${metric}-${grid ? 'grid' : 'float'}`;
      await vec0.createCollection(spec(name, grid ? 6 : 24, metric));
      await vec0.upsert(name, items(METRICS.indexOf(metric) * 2 + (grid ? 1 : 0), grid ? 6 : 24, grid));
    }
  }
});

afterAll(async () => {
  await mem.close();
  await vec0.close();
  removeDir(dir);
});

/**
 * Equal to vec0's answer: every hit, its position and its distance (bit for bit), except which
 * of the rows tied at the k-th distance fill the last places: vec0's KNN picks those in its
 * chunk order, the copy by rowid (as vec0's scan does). So those must be tied rows too.
 */
async function expectSame(request: ExactSearchRequest) {
  const want = await vec0.searchExact(request);
  const got = await mem.searchExact(request);
  expect(got.map((h) => h.distance)).toEqual(want.map((h) => h.distance));
  const boundary = want[want.length - 1]?.distance;
  const inner = (hits: typeof got) => hits.filter((h) => h.distance !== boundary);
  expect(inner(got)).toEqual(inner(want));
  if (boundary !== undefined && got.length > inner(got).length) {
    const all = await vec0.searchExact({ ...request, k: 100_000 });
    const tied = new Set(all.filter((h) => h.distance === boundary).map((h) => `${h.collection}/${h.id}`));
    for (const h of got.slice(inner(got).length)) expect(tied).toContain(`${h.collection}/${h.id}`);
  }
  return got;
}

const FILTERS: (FilterNode | null)[] = [
  null,
  { op: 'eq', path: ['g'], value: 7 }, // 2%: gathered
  { op: 'eq', path: ['half'], value: true }, // 50%: scanned in place with a mask
  { op: 'eq', path: ['g'], value: 999 }, // nothing matches
];

describe('in-memory exact search', () => {
  for (const metric of METRICS) {
    for (const grid of [true, false]) {
      const name = `${metric}-${grid ? 'grid' : 'float'}`;
      it(`${name}: same hits, order and distances as vec0, for every query metric, filter and k`, async () => {
        const dims = grid ? 6 : 24;
        const r = rng(1000 + dims);
        const stored = items(METRICS.indexOf(metric) * 2 + (grid ? 1 : 0), dims, grid);
        const queries = [stored[3]?.vector as Float32Array, randomVector(r, dims)];
        for (const queryMetric of [...METRICS, 'l1' as const]) {
          for (const vector of queries) {
            for (const filter of FILTERS) {
              for (const k of [1, 10, N + 5]) {
                await expectSame({ collections: [name], vector, k, metric: queryMetric, filter });
              }
            }
            const exclude = [0, 1, 2, 3, 4, 5].map((i) => ({ collection: name, id: `item-${i}` }));
            await expectSame({ collections: [name], vector, k: 10, metric: queryMetric, exclude });
            await expectSame({ collections: [name], vector, k: 10, metric: queryMetric, exclude, filter: FILTERS[2] });
          }
        }
        expect(mem.exactSearchMemoryBytes).toBeGreaterThan(0);
      });
    }
  }

  it('merges collections and returns metadata, content and vectors like vec0', async () => {
    const vector = Float32Array.from({ length: 6 }, (_, i) => i - 2);
    const include = { metadata: true, content: true, vector: true };
    const hits = await expectSame({ collections: ['l2-grid', 'ip-grid'], vector, k: 30, metric: 'l2', include });
    expect(hits).toHaveLength(30);
  });

  it("sees this connection's and another connection's upserts and deletes at the next search", async () => {
    await mem.createCollection(spec('fresh', 4, 'l2'));
    const q = Float32Array.from([0, 0, 0, 0]);
    const search = (b: SqliteVecBackend) => b.searchExact({ collections: ['fresh'], vector: q, k: 3, metric: 'l2' });
    expect(await search(mem)).toEqual([]);
    await mem.upsert('fresh', [item('a', [1, 0, 0, 0]), item('b', [2, 0, 0, 0]), item('c', [3, 0, 0, 0])]);
    expect((await search(mem)).map((h) => h.id)).toEqual(['a', 'b', 'c']);
    // Another connection moves c to the front and deletes a.
    await vec0.upsert('fresh', [item('c', [0.5, 0, 0, 0])]);
    await vec0.delete('fresh', ['a']);
    expect(await search(mem)).toEqual(await search(vec0));
    expect((await search(mem)).map((h) => h.id)).toEqual(['c', 'b']);
    // Deleted and re-inserted under the same id (a new rowid), then tombstones pruned.
    await vec0.delete('fresh', ['b']);
    await vec0.upsert('fresh', [item('b', [0.1, 0, 0, 0])]);
    await vec0.pruneTombstones([]);
    expect((await search(mem)).map((h) => h.id)).toEqual(['b', 'c']);
    await vec0.delete('fresh', ['b', 'c']);
    await vec0.pruneTombstones([]);
    expect(await search(mem)).toEqual([]);
  });

  it('filters on declared fields by rowid, through deletes that move slots and ids re-inserted under new rowids', async () => {
    await vec0.createCollection(spec('declared', 6, 'l2'));
    await vec0.upsert('declared', items(11, 6, true));
    await vec0.updateCollection('declared', { filterable: ['g', 'half'] });
    const r = rng(12);
    const vector = randomVector(r, 6);
    const exclude = [7, 57, 107].map((i) => ({ collection: 'declared', id: `item-${i}` }));
    const check = async () => {
      for (const filter of FILTERS.slice(1))
        for (const k of [1, 10, N + 5]) await expectSame({ collections: ['declared'], vector, k, metric: 'l2', filter });
      await expectSame({ collections: ['declared'], vector, k: 10, metric: 'l2', filter: FILTERS[1], exclude });
    };
    await check();
    // Deletes move the last slots into the holes; re-inserted ids get new rowids.
    await vec0.delete(
      'declared',
      Array.from({ length: 40 }, (_, i) => `item-${i * 13}`),
    );
    await check();
    await vec0.upsert(
      'declared',
      Array.from({ length: 20 }, (_, i) => item(`item-${i * 26}`, randomVector(r, 6), { g: 7, half: true })),
    );
    await check();
    const got = await mem.searchExact({ collections: ['declared'], vector, k: N, metric: 'l2', filter: FILTERS[1] });
    // g = 7: 16 items, item-507 (13 × 39) deleted, 20 deleted ones re-inserted with g 7.
    expect(got).toHaveLength(16 - 1 + 20);
    expect(got).toHaveLength(await vec0.count('declared', FILTERS[1]));
  });

  it('a repeated filter (its slots and gathered rows cached) sees a moved vector at the next search', async () => {
    await vec0.createCollection(spec('repeat', 6, 'l2'));
    await vec0.upsert('repeat', items(13, 6, false));
    await vec0.updateCollection('repeat', { filterable: ['g'] });
    const vector = randomVector(rng(14), 6);
    const request = { collections: ['repeat'], vector, k: 3, metric: 'l2' as const, filter: FILTERS[1] };
    // First seen, seen again (rows gathered and kept), then served from the cache.
    for (let i = 0; i < 3; i++) await expectSame(request);
    const far = (await expectSame(request))[2];
    if (far === undefined) throw new Error('expected three hits');
    // Move the third hit onto the query: it must come first now, from the cache's next state.
    await vec0.upsert('repeat', [item(far.id, Float32Array.from(vector), { g: 7, half: true })]);
    const got = await expectSame(request);
    expect(got[0]?.id).toBe(far.id);
    expect(got[0]?.distance).toBe(0);
  });

  it('builds a copy from vec0 chunks with deleted and updated slots', async () => {
    const r = rng(77);
    await vec0.createCollection(spec('holes', 8, 'l2'));
    await vec0.upsert(
      'holes',
      Array.from({ length: 2500 }, (_, i) => item(`h${i}`, randomVector(r, 8))),
    );
    await vec0.delete(
      'holes',
      Array.from({ length: 700 }, (_, i) => `h${i * 3}`),
    );
    await vec0.upsert(
      'holes',
      Array.from({ length: 300 }, (_, i) => item(`h${i * 7 + 1}`, randomVector(r, 8))),
    );
    const fresh = await createSqliteVecBackend({ path: path.join(dir, 'store.db') });
    try {
      for (let q = 0; q < 5; q++) {
        const request: ExactSearchRequest = { collections: ['holes'], vector: randomVector(r, 8), k: 2000, metric: 'l2' };
        expect(await fresh.searchExact(request)).toEqual(await vec0.searchExact(request));
      }
      expect(fresh.exactSearchMemoryBytes).toBeGreaterThan(0);
    } finally {
      await fresh.close();
    }
  });

  it('frees a copy of a collection another connection deleted when the budget needs the room', async () => {
    const r = rng(5);
    for (const [name, n] of [
      ['budget-a', 300],
      ['budget-b', 200],
    ] as const) {
      await vec0.createCollection(spec(name, 8, 'l2'));
      await vec0.upsert(
        name,
        Array.from({ length: n }, (_, i) => item(`b${i}`, randomVector(r, 8))),
      );
    }
    const tight = await createSqliteVecBackend({ path: path.join(dir, 'store.db'), exactSearchMemoryBytes: 50_000 });
    try {
      const request = (name: string): ExactSearchRequest => ({
        collections: [name],
        vector: randomVector(r, 8),
        k: 5,
        metric: 'l2',
      });
      await tight.searchExact(request('budget-a'));
      const one = tight.exactSearchMemoryBytes;
      expect(one).toBeGreaterThan(0);
      await vec0.deleteCollection('budget-a');
      const req = request('budget-b');
      expect(await tight.searchExact(req)).toEqual(await vec0.searchExact(req));
      // b's copy (smaller) replaced a's: without the room a's held, b would be searched in vec0.
      expect(tight.exactSearchMemoryBytes).toBeGreaterThan(0);
      expect(tight.exactSearchMemoryBytes).toBeLessThan(one);
    } finally {
      await tight.close();
    }
  });

  it('falls back to vec0 when a copy does not fit the memory budget', async () => {
    const small = await createSqliteVecBackend({ path: path.join(dir, 'store.db'), exactSearchMemoryBytes: 1000 });
    try {
      const request: ExactSearchRequest = { collections: ['l2-float'], vector: new Float32Array(24), k: 5, metric: 'l2' };
      expect(await small.searchExact(request)).toEqual(await vec0.searchExact(request));
      expect(small.exactSearchMemoryBytes).toBe(0);
    } finally {
      await small.close();
    }
  });
});

describe('readVectorChunks', () => {
  it("reads exactly vec0's rows and vectors from its shadow tables (sqlite-vec 0.1.9's layout)", async () => {
    const db = rawDb(path.join(dir, 'store.db'));
    sqliteVec.load(db);
    try {
      const conn = new Connection(db, 'store.db', true);
      const cid = db.prepare(`SELECT cid FROM vecdex_collections WHERE name = 'holes'`).pluck().get() as number;
      const got = new Map<number, number[]>();
      const ok = readVectorChunks(conn, cid, 8, (rowid, v, offset) => got.set(rowid, Array.from(v.subarray(offset, offset + 8))));
      expect(ok).toBe(true);
      const want = new Map<number, number[]>();
      for (const [rowid, blob] of db.prepare(`SELECT rowid, embedding FROM vecdex_vec_${cid}`).raw().all() as [
        number,
        Buffer,
      ][]) {
        want.set(rowid, Array.from(new Float32Array(Uint8Array.from(blob).buffer)));
      }
      expect(got.size).toBe(db.prepare('SELECT count(*) FROM vecdex_items WHERE cid = ?').pluck().get(cid));
      expect(got).toEqual(want);
    } finally {
      db.close();
    }
  });
});
