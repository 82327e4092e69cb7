/**
 * Compaction (`vx.compact()`, `vecdex compact`) on sqlite-vec: after deleting 99% of the items
 * the store ends within 10% of a fresh store holding the survivors; searches answer the same
 * before and after; an index holding deleted entries is rebuilt; tombstones are pruned.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { type Vecdex, openVecdex } from '@vecdex/core';
import hnswlib from '@vecdex/index-hnswlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const N = 10_000;
const DIMS = 64;
const vector = (i: number) => Array.from({ length: DIMS }, (_, k) => Math.sin(i * 7.3 + k * 0.37));
const items = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, j) => {
    const i = from + j;
    return { id: `i${i}`, vector: vector(i), content: `item ${i}`, metadata: { keep: i % 100 === 0, i } };
  });

describe('vx.compact() on sqlite-vec', () => {
  let dir: string;
  const open = (file: string): Promise<Vecdex> =>
    openVecdex({
      config: {
        backend: { use: sqlitevec, options: { path: path.join(dir, file) } },
        plugins: [hnswlib],
        dataDir: path.join(dir, `${file}.data`),
      },
      cwd: dir,
      env: {},
    });
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vecdex-compact-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('gives the space of 99% deleted items back, to within 10% of a fresh store of the survivors', async () => {
    const vx = await open('big.db');
    await vx.collections.create({ name: 'c', dimensions: DIMS, metric: 'l2' });
    for (let s = 0; s < N; s += 2000) await vx.collection('c').upsert(items(s, s + 2000));
    await vx.collections.create({ name: 'gone', dimensions: DIMS, metric: 'l2' });
    await vx.collection('gone').upsert(items(0, 2000));
    await vx.indexes.create({ name: 'ix', plugin: 'hnswlib', collections: ['c'] });
    await vx.indexes.build('ix');
    // A few deletes the index applies (tombstones in the graph), then the rest of the 99%.
    expect(await vx.collection('c').delete({ filter: { keep: false, i: { $lt: 600 } } })).toBe(594);
    expect(await vx.indexes.sync('ix')).toMatchObject({ applied: 594, rebuilt: null });
    expect((await vx.indexes.status('ix')).deleted).toBe(594);
    expect(await vx.collection('c').delete({ filter: { keep: false } })).toBe(N - N / 100 - 594);
    await vx.collections.delete('gone');
    const q = vector(12_345);
    const before = await vx.collection('c').similar(q, { k: 10, exact: true });

    const r = await vx.compact();
    expect(r.bytesAfter).toBeLessThan(r.bytesBefore / 10);
    expect(r.tombstonesPruned).toBe(N - N / 100);
    expect(r.indexesRebuilt).toEqual(['ix']);
    expect((await vx.indexes.status('ix')).deleted).toBe(0);
    expect(await vx.collection('c').similar(q, { k: 10, exact: true })).toEqual(before);
    expect((await vx.collection('c').similar(q, { k: 10, index: 'ix', params: { efSearch: 200 } })).map((h) => h.id)).toEqual(
      before.map((h) => h.id),
    );
    expect(await vx.collection('c').count()).toBe(N / 100);
    await vx.close();

    const fresh = await open('fresh.db');
    await fresh.collections.create({ name: 'c', dimensions: DIMS, metric: 'l2' });
    await fresh.collection('c').upsert(items(0, N).filter((it) => it.metadata.keep));
    const f = await fresh.compact();
    await fresh.close();
    expect(r.bytesAfter, `compacted ${r.bytesAfter} B, fresh ${f.bytesAfter} B`).toBeLessThanOrEqual(f.bytesAfter * 1.1);
    // What the store reports is the file on disk.
    expect((await stat(path.join(dir, 'big.db'))).size).toBe(r.bytesAfter);

    // Still a working store after reopening.
    const again = await open('big.db');
    expect(await again.collection('c').similar(q, { k: 10, exact: true })).toEqual(before);
    await again.collection('c').upsert(items(N, N + 10));
    expect(await again.collection('c').count()).toBe(N / 100 + 10);
    await again.close();
  }, 120_000);
});

const PG_URL = process.env.VECDEX_TEST_PG_URL?.trim() || undefined;
if (PG_URL === undefined && process.env.VECDEX_REQUIRE_PG === '1') {
  throw new Error('VECDEX_REQUIRE_PG=1 but VECDEX_TEST_PG_URL is not set: eval "$(bash scripts/setup-postgres.sh)" first');
}

describe.skipIf(PG_URL === undefined)('vx.compact() on pgvector', () => {
  it('vacuums the schema (FULL: the space goes back), prunes tombstones and keeps answering the same', async () => {
    const schema = `vdx_compact_${process.pid}_${Date.now().toString(36)}`;
    const vx = await openVecdex({
      config: {},
      env: { VECDEX_BACKEND: 'pgvector', VECDEX_DB_URL: PG_URL, VECDEX_PG_SCHEMA: schema },
      cwd: path.dirname(new URL(import.meta.url).pathname),
    });
    try {
      await vx.collections.create({ name: 'c', dimensions: DIMS, metric: 'l2' });
      for (let s = 0; s < 5000; s += 1000) await vx.collection('c').upsert(items(s, s + 1000));
      expect(await vx.collection('c').delete({ filter: { keep: false } })).toBe(4950);
      const q = vector(777);
      const before = await vx.collection('c').similar(q, { k: 10, exact: true });
      const r = await vx.compact();
      expect(r.tombstonesPruned).toBe(4950);
      expect(r.bytesAfter, `${r.bytesBefore} -> ${r.bytesAfter}`).toBeLessThan(r.bytesBefore / 3);
      expect(r.bytesAfter).toBeGreaterThan(0);
      expect(await vx.collection('c').similar(q, { k: 10, exact: true })).toEqual(before);
    } finally {
      await (vx.backend as unknown as { pool: { query: (s: string) => Promise<unknown> } }).pool.query(
        `DROP SCHEMA IF EXISTS "${schema}" CASCADE`,
      );
      await vx.close();
    }
  });
});
