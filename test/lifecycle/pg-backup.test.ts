/**
 * Backup of a pgvector store: `vecdex backup <file>` writes vecdex's portable file (a sqlite-vec
 * store) with collections, index definitions and aliases; a kill -9 during it leaves no
 * half-written file and a re-run completes; `vecdex restore` reads it into the configured backend
 * (pgvector again, or sqlite-vec). The backup is one point-in-time snapshot: batches a writer
 * commits meanwhile are in it whole or not at all, in every collection alike.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PgVectorBackend } from '@vecdex/backend-pgvector';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { type Vecdex, openVecdex } from '@vecdex/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, vecdex, vecdexOk } from '../cli/run-vecdex.js';
import { PG_URL } from './stores.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const N = 30_000;

describe.skipIf(PG_URL === undefined)('backup and restore of a pgvector store', () => {
  let dir: string;
  const schemas: string[] = [];
  const stores: Vecdex[] = [];
  const project = async (name: string, schema: string): Promise<string> => {
    const cwd = path.join(dir, name);
    await mkdir(cwd);
    schemas.push(schema);
    const config = {
      backend: { use: 'pgvector', options: { connectionString: PG_URL, schema } },
      plugins: ['@vecdex/index-hnswlib'],
    };
    await writeFile(path.join(cwd, 'vecdex.config.json'), JSON.stringify(config));
    return cwd;
  };
  const openPg = async (schema: string): Promise<Vecdex> => {
    const vx = await openVecdex({
      config: { backend: { use: 'pgvector', options: { connectionString: PG_URL, schema } }, plugins: ['@vecdex/index-hnswlib'] },
      cwd: here,
      env: {},
    });
    stores.push(vx);
    return vx;
  };

  beforeAll(async () => {
    await mkdir(path.join(here, '.vecdex-tmp'), { recursive: true });
    dir = await mkdtemp(path.join(here, '.vecdex-tmp', 'pg-backup-'));
  });
  afterAll(async () => {
    const [first] = stores;
    for (const s of schemas)
      await (first?.backend as PgVectorBackend | undefined)?.pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    for (const vx of stores) await vx.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('kill -9 during backup leaves no half-written file; the re-run holds every item once, with indexes and aliases; restore reads it back', async () => {
    const tag = `${process.pid}_${Date.now().toString(36)}`;
    const cwd = await project('src', `vdx_pgb_src_${tag}`);
    const vx = await openPg(`vdx_pgb_src_${tag}`);
    await vx.collections.create({ name: 'big', dimensions: 32, metric: 'l2', model: 'm-32' });
    for (let s = 0; s < N; s += 5000) {
      await vx.collection('big').upsert(
        Array.from({ length: 5000 }, (_, j) => ({
          id: `b${s + j}`,
          vector: Array.from({ length: 32 }, (_, k) => Math.cos(s + j + k)),
          metadata: { s },
        })),
      );
    }
    await vx.collections.create({ name: 'small', dimensions: 2, metric: 'cosine' });
    await vx.collection('small').upsert([{ id: 'a', vector: [1, 0], content: 'alpha' }]);
    await vx.indexes.create({ name: 'ix', plugin: 'hnswlib', collections: ['big'], default: true });
    await vx.aliases.set('current', 'big');

    const file = path.join(dir, 'pg.vecdex.db');
    const child = spawn(process.execPath, [BIN, 'backup', file], { cwd, stdio: 'ignore', env: { PATH: process.env.PATH } });
    const exited = new Promise((r) => child.once('exit', r));
    // Kill once the scratch file has grown (the copy is under way).
    for (let t = 0; t < 400; t++) {
      await new Promise((r) => setTimeout(r, 25));
      const scratch = (await readdir(dir)).find((f) => f.startsWith('pg.vecdex.db.partial-') && !f.includes('-wal'));
      if (scratch !== undefined && (await readdir(dir)).some((f) => f.endsWith('-wal'))) break;
    }
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGKILL');
    await exited;
    expect(existsSync(file), 'no half-written backup under the final name').toBe(false);
    expect(
      (await readdir(dir)).some((f) => f.includes('.partial-')),
      'killed during the backup: its scratch file is left',
    ).toBe(true);

    const again = await vecdexOk(cwd, ['backup', file, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ portable: true });
    expect(
      (await readdir(dir)).filter((f) => f.includes('.partial-')),
      'scratch of the killed run removed',
    ).toEqual([]);

    // Restore into a fresh pgvector schema: every item once, the index definition, default index and alias.
    const dst = await project('dst', `vdx_pgb_dst_${tag}`);
    const restored = await vecdexOk(dst, ['restore', file]);
    expect(restored.stdout).toMatch(/big \(30,000\)/);
    const back = await openPg(`vdx_pgb_dst_${tag}`);
    expect(await back.collection('big').count()).toBe(N);
    const ids = new Set<string>();
    for await (const batch of back.collection('big').scan({ batchSize: 5000, vectors: false }))
      for (const i of batch) ids.add(i.id);
    expect(ids.size).toBe(N);
    const info = await back.collection('current').info();
    expect([info.name, info.model, info.defaultIndex]).toEqual(['big', 'm-32', 'ix']);
    expect((await back.collection('small').get('a'))?.content).toBe('alpha');
    const [orig, copy] = [await vx.collection('big').get('b12345'), await back.collection('big').get('b12345')];
    const hex = (v: Float32Array | undefined) =>
      v === undefined ? '' : Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
    expect(hex(orig?.vector)).toHaveLength(32 * 8);
    expect(hex(copy?.vector)).toBe(hex(orig?.vector));

    // A second restore finds the collections there: done already (nothing duplicated); --force replaces them.
    await vecdexOk(dst, ['restore', file]);
    expect(await back.collection('big').count()).toBe(N);
    await vecdexOk(dst, ['restore', file, '--force']);
    expect(await back.collection('big').count()).toBe(N);

    // And into a sqlite-vec store, as a file restore.
    const lite = path.join(dir, 'lite');
    await mkdir(lite);
    await vecdexOk(lite, ['init']);
    expect((await vecdexOk(lite, ['restore', file])).stdout).toMatch(/big \(30,000\)/);
    const r = await vecdex(lite, ['collections', 'info', 'current', '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'big', count: N });
  }, 180_000);

  it('is one point-in-time snapshot: batches committed during the backup are in it whole or not at all, in both collections', async () => {
    const tag = `${process.pid}_${Date.now().toString(36)}`;
    const cwd = await project('snap', `vdx_pgb_snap_${tag}`);
    const vx = await openPg(`vdx_pgb_snap_${tag}`);
    const B = 400;
    // Ids spread each batch over the whole id order: a scan that pages while a batch commits would
    // see part of it (ids before its position missed, ids after it seen).
    const batch = (n: number) =>
      Array.from({ length: B }, (_, j) => ({
        id: `${String(j).padStart(4, '0')}-${String(n).padStart(4, '0')}`,
        vector: Array.from({ length: 16 }, (_, k) => Math.sin(n * B + j + k)),
        metadata: { n },
      }));
    await vx.collections.create({ name: 'a', dimensions: 16, metric: 'l2' });
    await vx.collections.create({ name: 'b', dimensions: 16, metric: 'l2' });
    let n = 0;
    for (; n < 40; n++) {
      await vx.collection('a').upsert(batch(n));
      await vx.collection('b').upsert(batch(n));
    }
    // A writer: batch n into a (one transaction), then into b; so at any instant b has batch n
    // only if a has it, and a is at most one batch ahead.
    let writing = true;
    let during = 0;
    const writer = (async () => {
      while (writing) {
        await vx.collection('a').upsert(batch(n));
        await vx.collection('b').upsert(batch(n));
        n++;
        during++;
      }
    })();
    const file = path.join(dir, 'snap.vecdex.db');
    let out: string;
    try {
      out = (await vecdexOk(cwd, ['backup', file, '--json'])).stdout;
    } finally {
      writing = false;
      await writer;
    }
    expect(JSON.parse(out)).toMatchObject({ portable: true, pointInTime: true });
    expect(during, 'the writer committed batches while the backup ran').toBeGreaterThanOrEqual(2);

    const backup = await openVecdex({
      config: { backend: { use: sqlitevec, options: { path: file, readonly: true } } },
      cwd: dir,
      env: {},
    });
    stores.push(backup);
    const batches = async (name: string) => {
      const per = new Map<string, number>();
      for await (const page of backup.collection(name).scan({ batchSize: 5000, vectors: false }))
        for (const i of page) {
          const k = i.id.slice(5);
          per.set(k, (per.get(k) ?? 0) + 1);
        }
      return per;
    };
    const [a, b] = [await batches('a'), await batches('b')];
    for (const [k, c] of [...a, ...b]) expect(c, `batch ${k} whole`).toBe(B);
    const [ca, cb] = [await backup.collection('a').count(), await backup.collection('b').count()];
    expect(ca % B).toBe(0);
    expect(ca).toBeGreaterThanOrEqual(40 * B);
    // b's batches are a's, or a's less the one batch a writer had committed to a only.
    for (const k of b.keys()) expect(a.has(k), `batch ${k} of b is in a`).toBe(true);
    expect(ca - cb === 0 || ca - cb === B, `a ${ca}, b ${cb}`).toBe(true);
  }, 120_000);
});
