/**
 * Backup of a pgvector store: `vecdex backup <file>` writes vecdex's portable file (a sqlite-vec
 * store) with collections, index definitions and aliases; a kill -9 during it leaves no
 * half-written file and a re-run completes; `vecdex restore` reads it into the configured backend
 * (pgvector again, or sqlite-vec).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PgVectorBackend } from '@vecdex/backend-pgvector';
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
});
