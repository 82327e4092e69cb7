/**
 * `vx.copyTo()` / `vecdex copy --to`: collections with ids, vectors (bit for bit), content,
 * metadata, model, index definitions, default indexes and aliases from one backend to another,
 * SQLite → PostgreSQL the main case; resumable; a kill -9 in the middle, then a re-run, leaves
 * every item in the target exactly once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PgVectorBackend } from '@vecdex/backend-pgvector';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { type StoredItem, type Vecdex, openVecdex } from '@vecdex/core';
import { expectVecdexError } from '@vecdex/core/testing';
import hnswlib from '@vecdex/index-hnswlib';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from '../cli/run-vecdex.js';
import { PG_URL, cleanupStores, pgStore, sqliteStore } from './stores.js';

afterAll(cleanupStores);
const here = path.dirname(fileURLToPath(import.meta.url));

async function all(vx: Vecdex, name: string): Promise<Map<string, StoredItem>> {
  const out = new Map<string, StoredItem>();
  for await (const batch of vx.collection(name).scan({ batchSize: 500 })) for (const i of batch) out.set(i.id, i);
  return out;
}

function bits(v: Float32Array | undefined): string {
  return v === undefined ? '' : Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
}

async function seed(vx: Vecdex): Promise<void> {
  await vx.collections.create({ name: 'docs', dimensions: 4, metric: 'cosine', model: 'm-1' });
  await vx.collections.create({ name: 'notes', dimensions: 3, metric: 'l2' });
  const odd = [new Float32Array([-0, 1e-45, 3.4e38, -1.5]), new Float32Array([0.1, 0.2, 0.3, 0.4])];
  await vx.collection('docs').upsert([
    { id: 'odd-0', vector: odd[0] as Float32Array, content: 'über', metadata: { k: [1, { x: null }] }, contentHash: 'h0' },
    { id: 'odd-1', vector: odd[1] as Float32Array, content: null, metadata: null },
    ...Array.from({ length: 1200 }, (_, i) => ({
      id: `d${i}`,
      vector: [Math.sin(i), Math.cos(i), i / 1200, 1],
      content: `doc ${i}`,
      metadata: { i, even: i % 2 === 0 },
    })),
  ]);
  await vx.collection('notes').upsert(Array.from({ length: 50 }, (_, i) => ({ id: `n${i}`, vector: [i, -i, 0.5] })));
  await vx.indexes.create({ name: 'ix', plugin: 'hnswlib', collections: ['docs'], default: true });
  await vx.aliases.set('current', 'docs');
}

describe.skipIf(PG_URL === undefined)('copy between backends', () => {
  it('copies sqlite-vec into pgvector bit for bit with index definitions, default index and aliases; a re-run does nothing', async () => {
    const src = await sqliteStore({ plugins: [hnswlib] });
    await seed(src);
    const dst = await pgStore({ plugins: [hnswlib] });
    const seen: number[] = [];
    const report = await src.copyTo(dst, { batchSize: 300, onProgress: (p) => seen.push(p.allDone) });
    expect(report.collections.map((c) => [c.name, c.items, c.sampled > 0])).toEqual([
      ['docs', 1202, true],
      ['notes', 50, true],
    ]);
    expect(seen.at(-1)).toBe(1252);
    expect([report.indexes, report.aliases]).toEqual([['ix'], ['current']]);
    for (const name of ['docs', 'notes']) {
      const [a, b] = [await all(src, name), await all(dst, name)];
      expect(b.size).toBe(a.size);
      for (const [id, item] of a) {
        const c = b.get(id);
        expect([id, bits(c?.vector), c?.content, c?.metadata, c?.contentHash ?? null]).toEqual([
          id,
          bits(item.vector),
          item.content,
          item.metadata,
          item.contentHash ?? null,
        ]);
      }
    }
    const info = await dst.collection('current').info();
    expect([info.name, info.model, info.defaultIndex]).toEqual(['docs', 'm-1', 'ix']);
    expect((await dst.collections.list()).map((c) => c.name)).toEqual(['docs', 'notes']); // checkpoints stay hidden
    const { hits } = await dst.collection('docs').search([0.1, 0.2, 0.3, 0.4], { k: 3 });
    expect(hits[0]?.id).toBe('odd-1');
    const again = await src.copyTo(dst);
    expect(again.collections.every((c) => c.alreadyDone)).toBe(true);
    expect(again.items).toBe(0);

    // A collection the copy did not write is never merged into.
    const other = await pgStore();
    await other.collections.create({ name: 'notes', dimensions: 3, metric: 'l2' });
    await expectVecdexError(src.copyTo(other, { collections: ['notes'] }), 'COLLECTION_EXISTS');
  });

  it('copies pgvector back into sqlite-vec, and starts a collection over when the source changed since the checkpoint', async () => {
    const pg = await pgStore();
    await pg.collections.create({ name: 'docs', dimensions: 2, metric: 'l2' });
    await pg.collection('docs').upsert(Array.from({ length: 100 }, (_, i) => ({ id: `p${i}`, vector: [i, 1 / (i + 1)] })));
    const lite = await sqliteStore();
    const controller = new AbortController();
    await expect(
      pg.copyTo(lite, {
        batchSize: 30,
        signal: controller.signal,
        onProgress: (p) => p.done >= 30 && controller.abort(new Error('cut')),
      }),
    ).rejects.toThrow('cut');
    expect(await lite.collection('docs').count()).toBe(30);
    await pg.collection('docs').delete(['p0', 'p99']);
    const r = await pg.copyTo(lite, { batchSize: 30 });
    expect(r.collections[0]).toMatchObject({ name: 'docs', items: 98, resumedAt: 0 });
    expect(await lite.collection('docs').count()).toBe(98);
  });

  it('vecdex copy killed with SIGKILL mid-way, then run again: every item exactly once', async () => {
    await mkdir(path.join(here, '.vecdex-tmp'), { recursive: true });
    const dir = await mkdtemp(path.join(here, '.vecdex-tmp', 'copy-'));
    const schema = `vdx_copy_kill_${process.pid}_${Date.now().toString(36)}`;
    const n = 40_000;
    const src = await openVecdex({
      config: { backend: { use: sqlitevec, options: { path: path.join(dir, 'vecdex.db') } } },
      cwd: dir,
      env: {},
    });
    await src.collections.create({ name: 'big', dimensions: 16, metric: 'l2' });
    for (let s = 0; s < n; s += 5000) {
      await src.collection('big').upsert(
        Array.from({ length: 5000 }, (_, j) => ({
          id: `b${s + j}`,
          vector: Array.from({ length: 16 }, (_, k) => Math.sin(s + j + k)),
        })),
      );
    }
    await src.close();
    const target = await openVecdex({
      config: { backend: { use: 'pgvector', options: { connectionString: PG_URL, schema } } },
      cwd: here,
      env: {},
    });
    const run = (): ChildProcess =>
      spawn(process.execPath, [BIN, 'copy', '--to', PG_URL as string, '--schema', schema, '--batch-size', '500', '--json'], {
        cwd: dir,
        env: { PATH: process.env.PATH },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    try {
      const first = run();
      const exited = new Promise((r) => first.on('exit', r));
      const pool = (target.backend as PgVectorBackend).pool;
      let copied = 0;
      for (let t = 0; t < 600 && copied < 3000; t++) {
        await new Promise((r) => setTimeout(r, 50));
        const has = await pool.query(`SELECT 1 FROM "${schema}".collections WHERE name = 'big'`).catch(() => ({ rows: [] }));
        copied = has.rows.length > 0 ? await target.collection('big').count() : 0;
      }
      first.kill('SIGKILL');
      await exited;
      const atKill = await target.collection('big').count();
      expect(atKill, 'killed part-way').toBeGreaterThan(0);
      expect(atKill).toBeLessThan(n);

      const second = run();
      let out = '';
      second.stdout?.on('data', (d) => {
        out += d;
      });
      const code = await new Promise((r) => second.on('exit', r));
      expect(code).toBe(0);
      const report = JSON.parse(out);
      expect(report.collections[0].resumedAt).toBeGreaterThan(0);
      expect(report.collections[0].sampled).toBe(100);
      expect(report.snapshot, 'a sqlite-vec source has no snapshot reads').toBe(false);
      const rows = await pool.query(
        `SELECT count(*)::int AS n, count(DISTINCT item_id)::int AS ids FROM "${schema}".changes c JOIN "${schema}".collections k USING (cid) WHERE k.name = 'big' AND c.op = 'upsert'`,
      );
      expect(rows.rows[0]).toEqual({ n, ids: n });
      expect(await target.collection('big').count()).toBe(n);
      const ids = new Set<string>();
      let total = 0;
      for await (const batch of target.collection('big').scan({ batchSize: 5000, vectors: false })) {
        for (const i of batch) ids.add(i.id);
        total += batch.length;
      }
      expect([total, ids.size]).toEqual([n, n]);
    } finally {
      await (target.backend as PgVectorBackend).pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await target.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
