import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredItem } from '@vecdex/core';
import type { SqliteVecBackend } from '../src/index.js';
import { codeOf, item, makeTempDir, openStore, randomVector, rawDb, removeDir, rng, spec } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = makeTempDir();
});
afterAll(() => removeDir(dir));

async function collect(it: AsyncIterable<StoredItem[]>): Promise<StoredItem[][]> {
  const out: StoredItem[][] = [];
  for await (const batch of it) out.push(batch);
  return out;
}

describe('collections', () => {
  it('creates, lists, updates and deletes', async () => {
    const b = await openStore(dir, { clock: () => 1234 });
    const info = await b.createCollection(spec('docs', 3, 'cosine'));
    expect(info).toEqual({ name: 'docs', dimensions: 3, metric: 'cosine', model: null, defaultIndex: null, createdAt: 1234 });
    await b.createCollection({ name: 'a-first', dimensions: 2, metric: 'ip', model: 'm1' });
    expect(await codeOf(b.createCollection(spec('docs', 3)))).toBe('COLLECTION_EXISTS');
    expect((await b.listCollections()).map((c) => c.name)).toEqual(['a-first', 'docs']);
    expect(await b.getCollection('nope')).toBeNull();

    const updated = await b.updateCollection('docs', { defaultIndex: 'hnsw', model: 'm2' });
    expect(updated).toMatchObject({ defaultIndex: 'hnsw', model: 'm2', dimensions: 3 });
    expect(await b.getCollection('docs')).toEqual(updated);
    expect(await b.updateCollection('docs', { defaultIndex: null })).toMatchObject({ defaultIndex: null, model: 'm2' });
    expect(await codeOf(b.updateCollection('nope', {}))).toBe('UNKNOWN_COLLECTION');

    expect(await b.deleteCollection('docs')).toBe(true);
    expect(await b.deleteCollection('docs')).toBe(false);
    expect(await b.getCollection('docs')).toBeNull();
    await b.close();
  });

  it('refuses dimensions above sqlite-vec limit', async () => {
    const b = await openStore(dir);
    expect(await codeOf(b.createCollection(spec('big', 8193)))).toBe('INVALID_ARGUMENT');
    await b.createCollection(spec('max', 8192));
    await b.close();
  });

  it('deleteCollection drops the vec0 table, items and change rows; a new one of that name starts empty', async () => {
    const b = await openStore(dir);
    await b.createCollection(spec('c', 2));
    await b.createCollection(spec('keep', 2));
    await b.upsert('c', [item('x', [1, 2]), item('y', [3, 4])]);
    await b.upsert('keep', [item('k', [1, 1])]);
    await b.deleteCollection('c');
    const raw = rawDb(b.path);
    const tables = raw.prepare(`SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'`).pluck().all();
    // The kept collection's vec0 table and its FTS5 table; nothing of the dropped one.
    expect(tables).toEqual(['vecdex_vec_2', 'vecdex_fts_2']);
    expect(
      raw.prepare(`SELECT count(*) FROM sqlite_master WHERE name LIKE 'vecdex\\_vec\\_1\\_%' ESCAPE '\\'`).pluck().get(),
    ).toBe(0);
    const ftsLeft = raw.prepare(`SELECT count(*) FROM sqlite_master WHERE name LIKE 'vecdex\\_fts\\_1%' ESCAPE '\\'`);
    expect(ftsLeft.pluck().get()).toBe(0);
    expect(raw.prepare('SELECT count(*) FROM vecdex_items').pluck().get()).toBe(1);
    expect(raw.prepare('SELECT count(*) FROM vecdex_changes').pluck().get()).toBe(1);
    raw.close();
    await b.createCollection(spec('c', 2));
    expect(await b.count('c')).toBe(0);
    expect((await b.readChanges({ collections: ['c'], after: null, limit: 10 })).changes).toEqual([]);
    await b.upsert('c', [item('x', [5, 5])]);
    expect((await b.get('c', ['x']))[0]?.vector).toEqual(new Float32Array([5, 5]));
    await b.close();
  });
});

describe('items', () => {
  let b: SqliteVecBackend;
  beforeAll(async () => {
    b = await openStore(dir);
    await b.createCollection(spec('docs', 3));
    await b.createCollection(spec('other', 3));
  });
  afterAll(() => b.close());

  it('upserts and gets in the order asked, skipping missing ids', async () => {
    await b.upsert('docs', [
      item('a', [1, 0, 0], { lang: 'en', n: 1 }, 'alpha'),
      item('b', [0, 1, 0], null, null),
      item('c', [0, 0, 1], {}, ''),
    ]);
    const got = await b.get('docs', ['c', 'missing', 'a', 'b']);
    expect(got.map((i) => i.id)).toEqual(['c', 'a', 'b']);
    expect(got[1]).toMatchObject({
      id: 'a',
      content: 'alpha',
      metadata: { lang: 'en', n: 1 },
      vector: new Float32Array([1, 0, 0]),
    });
    expect(got[0]).toMatchObject({ metadata: {}, content: '' });
    expect(got[2]).toMatchObject({ metadata: null, content: null });
    expect(typeof got[0]?.modified).toBe('number');
    const noVectors = await b.get('docs', ['a'], { vectors: false });
    expect(noVectors[0]).not.toHaveProperty('vector');
    expect(await b.get('other', ['a'])).toEqual([]);
    expect(await codeOf(b.get('nope', ['a']))).toBe('UNKNOWN_COLLECTION');
  });

  it('gets more ids than one IN chunk holds', async () => {
    const many = Array.from({ length: 1200 }, (_, i) => item(`m${i}`, [i, 1, 1]));
    await b.upsert('other', many);
    const ids = many.map((i) => i.id).reverse();
    const got = await b.get('other', ids, { vectors: false });
    expect(got.map((i) => i.id)).toEqual(ids);
    expect(await b.delete('other', ids)).toBe(1200);
  });

  it('without vectors (one statement joining the collection by name): the same fields as with them, per collection', async () => {
    await b.upsert('docs', [item('same', [1, 2, 3], { in: 'docs' }, 'docs text')]);
    await b.upsert('other', [
      { ...item('same', [3, 2, 1], { in: 'other', nested: { a: [1, 2] } }, 'other text'), contentHash: 'h1' },
    ]);
    const ids = ['same', 'missing', 'a', 'same'];
    const withVectors = await b.get('docs', ids);
    const fields = await b.get('docs', ids, { vectors: false });
    expect(fields.map((i) => i.id)).toEqual(['same', 'a', 'same']);
    expect(fields).toEqual(withVectors.map(({ vector: _, ...rest }) => rest));
    expect(fields[0]).toEqual({
      id: 'same',
      content: 'docs text',
      metadata: { in: 'docs' },
      contentHash: null,
      modified: expect.any(Number),
    });
    // The same id in another collection is another item.
    expect(await b.get('other', ['same'], { vectors: false })).toEqual([
      {
        id: 'same',
        content: 'other text',
        metadata: { in: 'other', nested: { a: [1, 2] } },
        contentHash: 'h1',
        modified: expect.any(Number),
      },
    ]);
    // Without content: null there, every other field the same (both paths: ≤ 500 ids and more).
    const noContent = fields.map((i) => ({ ...i, content: null }));
    expect(await b.get('docs', ids, { vectors: false, content: false })).toEqual(noContent);
    const many = [...ids, ...Array.from({ length: 600 }, (_, i) => `absent-${i}`)];
    expect(await b.get('docs', many, { vectors: false, content: false })).toEqual(noContent);
    expect(await b.get('docs', many, { vectors: false })).toEqual(fields);
    // Nothing found: an existing collection answers [], a missing one UNKNOWN_COLLECTION.
    expect(await b.get('docs', ['missing'], { vectors: false })).toEqual([]);
    expect(await b.get('docs', [], { vectors: false })).toEqual([]);
    expect(await codeOf(b.get('nope', ['a'], { vectors: false }))).toBe('UNKNOWN_COLLECTION');
    expect(await codeOf(b.get('nope', [], { vectors: false }))).toBe('UNKNOWN_COLLECTION');
    // Another connection's write is seen by the next read (no cache in between).
    const raw = rawDb(b.path);
    raw.prepare(`UPDATE vecdex_items SET metadata = '{"v":2}' WHERE id = 'same' AND content = 'docs text'`).run();
    raw.close();
    expect((await b.get('docs', ['same'], { vectors: false }))[0]?.metadata).toEqual({ v: 2 });
    expect(await b.delete('docs', ['same'])).toBe(1);
    expect(await b.delete('other', ['same'])).toBe(1);
  });

  it('an update keeps one row (and its rowid) in vecdex_items and in vec0', async () => {
    await b.upsert('docs', [item('u', [1, 1, 1], { v: 1 })]);
    const raw = rawDb(b.path);
    const rowid = raw.prepare(`SELECT rowid FROM vecdex_items WHERE id = 'u'`).pluck().get();
    await b.upsert('docs', [item('u', [2, 2, 2], { v: 2 }, 'new')]);
    await b.upsert('docs', [item('u', [3, 3, 3], { v: 3 })]);
    expect(raw.prepare(`SELECT count(*) FROM vecdex_items WHERE id = 'u'`).pluck().get()).toBe(1);
    expect(raw.prepare(`SELECT rowid FROM vecdex_items WHERE id = 'u'`).pluck().get()).toBe(rowid);
    raw.close();
    const [u] = await b.get('docs', ['u']);
    expect(u).toMatchObject({ metadata: { v: 3 }, content: null, vector: new Float32Array([3, 3, 3]) });
    const hits = await b.searchExact({ collections: ['docs'], vector: new Float32Array([3, 3, 3]), k: 100, metric: 'l2' });
    expect(hits.filter((h) => h.id === 'u')).toHaveLength(1);
    expect(hits[0]).toMatchObject({ id: 'u', distance: 0 });
  });

  it('updates rewrite vectors in place: random updates add no vec0 chunks', async () => {
    await b.createCollection(spec('churn', 4));
    const r = rng(11);
    await b.upsert(
      'churn',
      Array.from({ length: 1500 }, (_, i) => item(`c${i}`, randomVector(r, 4))),
    );
    const raw = rawDb(b.path);
    const cid = raw.prepare(`SELECT cid FROM vecdex_collections WHERE name = 'churn'`).pluck().get() as number;
    const chunks = () => raw.prepare(`SELECT count(*) FROM vecdex_vec_${cid}_chunks`).pluck().get();
    const before = chunks();
    const latest = new Map<string, Float32Array>();
    for (let round = 0; round < 3; round++) {
      const batch = new Map<string, Float32Array>();
      for (let j = 0; j < 1000; j++) batch.set(`c${Math.floor(r() * 1500)}`, randomVector(r, 4));
      await b.upsert(
        'churn',
        [...batch].map(([id, v]) => item(id, v)),
      );
      for (const [id, v] of batch) latest.set(id, v);
    }
    expect(chunks()).toBe(before);
    raw.close();
    for (const [id, v] of [...latest].slice(0, 20)) {
      expect((await b.get('churn', [id]))[0]?.vector).toEqual(v);
      const [hit] = await b.searchExact({ collections: ['churn'], vector: v, k: 1, metric: 'l2' });
      expect(hit).toMatchObject({ id, distance: 0 });
    }
    expect(await b.count('churn')).toBe(1500);
  });

  it('a batch that fails on its third item leaves the store as it was', async () => {
    await b.upsert('docs', [item('f1', [1, 2, 3], { v: 'old' })]);
    const before = await b.get('docs', ['f1', 'f2', 'f3']);
    const countBefore = await b.count('docs');
    const headBefore = await b.headCursor();
    const bad = [item('f2', [4, 5, 6]), item('f1', [7, 8, 9], { v: 'new' }), item('f3', [1, 2])];
    expect(await codeOf(b.upsert('docs', bad))).toBe('DIMENSION_MISMATCH');
    expect(await b.get('docs', ['f1', 'f2', 'f3'])).toEqual(before);
    expect(await b.count('docs')).toBe(countBefore);
    expect(await b.headCursor()).toBe(headBefore);
    expect(await codeOf(b.upsert('nope', [item('x', [1, 2, 3])]))).toBe('UNKNOWN_COLLECTION');
  });

  it('checks vectors itself too (defence in depth)', async () => {
    await b.createCollection(spec('cos', 2, 'cosine'));
    expect(await codeOf(b.upsert('cos', [item('z', [0, 0])]))).toBe('INVALID_VECTOR');
    expect(await codeOf(b.upsert('cos', [item('n', [Number.NaN, 1])]))).toBe('INVALID_VECTOR');
    expect(await codeOf(b.upsert('cos', [{ id: 'a', vector: [1, 2] as never, content: null, metadata: null }]))).toBe(
      'INVALID_VECTOR',
    );
    const query = { collections: ['cos'], vector: new Float32Array([0, 0]), k: 1, metric: 'cosine' as const };
    expect(await codeOf(b.searchExact(query))).toBe('INVALID_VECTOR');
    expect(await b.count('cos')).toBe(0);
  });

  it('names the existing collections when one is unknown', async () => {
    await expect(b.count('nope')).rejects.toThrow(/churn, cos, docs, other/);
  });

  it('deletes, returning how many existed', async () => {
    await b.upsert('docs', [item('d1', [1, 0, 0]), item('d2', [1, 0, 0])]);
    expect(await b.delete('docs', ['d1', 'd2', 'never', 'd1'])).toBe(2);
    expect(await b.get('docs', ['d1', 'd2'])).toEqual([]);
    expect(await b.delete('docs', ['d1'])).toBe(0);
    expect(await b.delete('docs', [])).toBe(0);
  });

  it('counts and scans in batches, with and without a filter', async () => {
    await b.createCollection(spec('scan', 2));
    await b.upsert(
      'scan',
      Array.from({ length: 10 }, (_, i) => item(`s${i}`, [i, 0], { even: i % 2 === 0 })),
    );
    expect(await b.count('scan')).toBe(10);
    const even = { op: 'eq' as const, path: ['even'], value: true };
    expect(await b.count('scan', even)).toBe(5);
    const batches = await collect(b.scan('scan', { batchSize: 3 }));
    expect(batches.map((x) => x.length)).toEqual([3, 3, 3, 1]);
    expect(batches.flat().map((i) => i.id)).toEqual(Array.from({ length: 10 }, (_, i) => `s${i}`));
    expect(batches[0]?.[0]?.vector).toEqual(new Float32Array([0, 0]));
    const filtered = await collect(b.scan('scan', { batchSize: 2, filter: even, vectors: false }));
    expect(filtered.flat().map((i) => i.id)).toEqual(['s0', 's2', 's4', 's6', 's8']);
    expect(filtered.flat()[0]).not.toHaveProperty('vector');
    expect(await collect(b.scan('other', { batchSize: 5 }))).toEqual([]);
    expect(await codeOf(collect(b.scan('nope', { batchSize: 5 })))).toBe('UNKNOWN_COLLECTION');
  });

  it('a scan sees items updated while it runs exactly once', async () => {
    const seen: string[] = [];
    for await (const batch of b.scan('scan', { batchSize: 4, vectors: false })) {
      seen.push(...batch.map((i) => i.id));
      await b.upsert('scan', [item('s0', [9, 9]), item('s9', [9, 9])]);
    }
    expect(seen.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `s${i}`).sort());
  });
});

describe('index catalog', () => {
  it('stores definitions and state', async () => {
    const b = await openStore(dir);
    const def = {
      name: 'idx',
      plugin: 'hnswlib',
      collections: ['a', 'b'],
      params: { m: 16, nested: { x: [1, 'y'] } },
      createdAt: 5,
    };
    await b.createIndexDefinition(def);
    expect(await codeOf(b.createIndexDefinition(def))).toBe('INDEX_EXISTS');
    await b.createIndexDefinition({ ...def, name: 'another' });
    expect(await b.getIndexDefinition('idx')).toEqual(def);
    expect(await b.getIndexDefinition('none')).toBeNull();
    expect((await b.listIndexDefinitions()).map((d) => d.name)).toEqual(['another', 'idx']);

    expect(await b.getIndexState('idx')).toBeNull();
    await b.putIndexState('idx', { cursor: null, state: {}, updatedAt: 1 });
    await b.putIndexState('idx', { cursor: '42', state: { file: 'x.bin', n: 3 }, updatedAt: 2 });
    expect(await b.getIndexState('idx')).toEqual({ cursor: '42', state: { file: 'x.bin', n: 3 }, updatedAt: 2 });
    expect(await codeOf(b.putIndexState('none', { cursor: null, state: {}, updatedAt: 1 }))).toBe('UNKNOWN_INDEX');

    expect(await b.deleteIndexDefinition('idx')).toBe(true);
    expect(await b.deleteIndexDefinition('idx')).toBe(false);
    expect(await b.getIndexState('idx')).toBeNull();
    await b.createIndexDefinition(def);
    expect(await b.getIndexState('idx')).toBeNull();
    await b.close();
  });
});

describe('close', () => {
  it('is idempotent, and afterwards every method throws STORE_CLOSED', async () => {
    const b = await openStore(dir);
    await b.createCollection(spec('c', 2));
    const scan = b.scan('c', { batchSize: 1 });
    await b.close();
    await b.close();
    for (const call of [
      () => b.listCollections(),
      () => b.createCollection(spec('d', 2)),
      () => b.upsert('c', [item('x', [1, 1])]),
      () => b.get('c', ['x']),
      () => b.count('c'),
      () => b.searchExact({ collections: ['c'], vector: new Float32Array([1, 1]), k: 1, metric: 'l2' }),
      () => b.readChanges({ collections: ['c'], after: null, limit: 1 }),
      () => b.headCursor(),
      () => b.listIndexDefinitions(),
      () => collect(scan),
    ]) {
      expect(await codeOf(call)).toBe('STORE_CLOSED');
    }
  });
});
