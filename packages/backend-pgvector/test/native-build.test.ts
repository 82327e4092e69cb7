import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openVecdex, type Vecdex } from '@vecdex/core';
import { createPgVectorBackend } from '../src/index.js';
import { hnswBytesPerRow, planBuildMemory } from '../src/native-index/build-memory.js';
import { HNSW_DEFAULTS } from '../src/native-index/native-params.js';
import { NO_PG, dropSchema, freshAppName, freshSchema, pgUrl, randomVector, rng, withAdmin } from './pg-env.js';

describe('build memory planning', () => {
  it('sizes maintenance_work_mem from the estimate, refuses one above the cap, warns on an explicit small one', () => {
    // 60,000 × 784 (Fashion-MNIST), m 16: about 3.9 kB a row, ~224 MB.
    expect(hnswBytesPerRow(784, 'vector', 16)).toBe(3918);
    const plan = planBuildMemory('hnsw', { ...HNSW_DEFAULTS }, 60_000, 784, 'vector', null, 'x');
    expect(plan.estimateMB).toBe(225);
    expect(plan.maintenanceWorkMemMB).toBe(Math.ceil((60_000 * 3918 * 1.15) / 1024 / 1024));
    expect(planBuildMemory('hnsw', { ...HNSW_DEFAULTS }, 100, 8, 'vector', null, 'x').maintenanceWorkMemMB).toBe(64);
    // 10M × 1536: far past the default 4 GB cap: refused before building.
    expect(() => planBuildMemory('hnsw', { ...HNSW_DEFAULTS }, 10_000_000, 1536, 'vector', null, 'big')).toThrow(
      /needs about \d+ MB of maintenance_work_mem, more than maxMaintenanceWorkMemMB \(4096\)/,
    );
    const explicit = planBuildMemory('hnsw', { ...HNSW_DEFAULTS, maintenanceWorkMemMB: 100 }, 60_000, 784, 'vector', null, 'x');
    expect(explicit.maintenanceWorkMemMB).toBe(100);
    expect(explicit.warning).toMatch(/needs about 225 MB but maintenanceWorkMemMB is 100/);
  });
});

// Real builds: sizing, parallel workers, CREATE INDEX CONCURRENTLY rebuilds, INVALID leftovers.
describe.skipIf(NO_PG)('pgvector native index builds (needs VECDEX_TEST_PG_URL)', () => {
  const schema = freshSchema('bld');
  const app = freshAppName();
  let vx: Vecdex;
  let table: string;
  const r = rng(11);
  const DIM = 16;

  beforeAll(async () => {
    const backend = await createPgVectorBackend({ connectionString: pgUrl(), schema, applicationName: app });
    vx = await openVecdex({ config: { backend: { use: 'pgvector' }, plugins: [] }, backend, env: {} });
    await vx.collections.create({ name: 'pts', dimensions: DIM, metric: 'l2' });
    await vx.collection('pts').upsert(Array.from({ length: 4000 }, (_, i) => ({ id: `p${i}`, vector: randomVector(r, DIM) })));
    table = (await (backend as unknown as { collectionTable(c: string): Promise<{ table: string }> }).collectionTable('pts'))
      .table;
  });
  afterAll(async () => {
    await vx?.close();
    await dropSchema(schema);
  });

  const indexes = () =>
    withAdmin(
      async (a) =>
        (
          await a.query<{ name: string; valid: boolean }>(
            `SELECT c.relname AS name, i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            JOIN pg_am am ON am.oid = c.relam WHERE i.indrelid = $1::regclass AND am.amname = 'hnsw' ORDER BY 1`,
            [table],
          )
        ).rows,
    );

  it('a first build is sized automatically (no "no longer fits" NOTICE) and may use parallel workers', async () => {
    await vx.indexes.create({ name: 'h', plugin: 'pgvector-hnsw', collections: ['pts'], params: { parallelWorkers: 2 } });
    const status = await vx.indexes.build('h');
    expect(status.stats?.buildMaintenanceWorkMemMB).toBe(64);
    expect(status.stats?.buildConcurrently).toBe(false);
    expect(status.stats?.buildNotices ?? []).toEqual([]);
    expect(await indexes()).toEqual([{ name: expect.stringMatching(/^vecdex_idx_/), valid: true }]);
  });

  it('rebuilds CONCURRENTLY: writes go on while the build waits, and the new index serves them', async () => {
    const admin = new pg.Client({ connectionString: pgUrl() });
    await admin.connect();
    try {
      // An open writer on the table makes CREATE INDEX CONCURRENTLY wait (a plain CREATE INDEX
      // would block our writes instead).
      await admin.query('BEGIN');
      await admin.query(`LOCK TABLE ${table} IN ROW EXCLUSIVE MODE`);
      const rebuild = vx.indexes.rebuild('h');
      await waitFor(async () => {
        const rows = await withAdmin((a) =>
          a.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'CREATE INDEX CONCURRENTLY%'`, [
            app,
          ]),
        );
        return rows.rows.length > 0;
      });
      const v = randomVector(r, DIM);
      const t0 = Date.now();
      await vx.collection('pts').upsert([{ id: 'during', vector: v }]);
      expect(Date.now() - t0).toBeLessThan(5_000);
      await admin.query('COMMIT');
      const status = await rebuild;
      expect(status.stats?.buildConcurrently).toBe(true);
      expect((await vx.collection('pts').search(v, { k: 1, index: 'h', stale: 'error' })).hits[0]?.id).toBe('during');
      expect((await indexes()).map((i) => i.valid)).toEqual([true]);
    } finally {
      await admin.end();
    }
  });

  it('a cancelled concurrent rebuild fails, keeps the previous index, and leaves no INVALID index', async () => {
    const admin = new pg.Client({ connectionString: pgUrl() });
    await admin.connect();
    try {
      await admin.query('BEGIN');
      await admin.query(`LOCK TABLE ${table} IN ROW EXCLUSIVE MODE`);
      const rebuild = vx.indexes.rebuild('h').then(
        () => null,
        (e: unknown) => e,
      );
      let pid = 0;
      await waitFor(async () => {
        const rows = await withAdmin((a) =>
          a.query<{ pid: number }>(
            `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'CREATE INDEX CONCURRENTLY%'`,
            [app],
          ),
        );
        pid = rows.rows[0]?.pid ?? 0;
        return pid > 0;
      });
      await withAdmin((a) => a.query('SELECT pg_cancel_backend($1)', [pid]));
      await admin.query('COMMIT');
      expect(await rebuild).toMatchObject({ code: 'BACKEND_FAILURE' });
      expect((await indexes()).map((i) => i.valid)).toEqual([true]);
      const q = randomVector(r, DIM);
      expect((await vx.collection('pts').search(q, { k: 3, index: 'h' })).plan.strategy).toBe('index');
    } finally {
      await admin.end();
    }
  });

  it('an INVALID index left by a killed concurrent build is detected and replaced by the next build', async () => {
    const live = (await indexes())[0]?.name as string;
    const admin = new pg.Client({ connectionString: pgUrl() });
    const blocker = new pg.Client({ connectionString: pgUrl() });
    await admin.connect();
    await blocker.connect();
    try {
      // What a vecdex process killed mid-build leaves: CREATE INDEX CONCURRENTLY under the
      // temporary name, interrupted (here by a statement timeout while it waits).
      await blocker.query('BEGIN');
      await blocker.query(`LOCK TABLE ${table} IN ROW EXCLUSIVE MODE`);
      await admin.query(`SET statement_timeout = 300`);
      await expect(
        admin.query(`CREATE INDEX CONCURRENTLY "${live}_new" ON ${table} USING hnsw (embedding public.vector_l2_ops)`),
      ).rejects.toThrow(/statement timeout/);
      await blocker.query('COMMIT');
    } finally {
      await admin.end();
      await blocker.end();
    }
    expect(await indexes()).toEqual([
      { name: live, valid: true },
      { name: `${live}_new`, valid: false },
    ]);
    const status = await vx.indexes.rebuild('h');
    expect(status.stats?.buildNotices).toEqual([expect.stringContaining(`replaced INVALID index ${live}_new`)]);
    expect(await indexes()).toEqual([{ name: live, valid: true }]);
  });

  it('refuses an auto-sized build over maxMaintenanceWorkMemMB before building; an explicit small one warns and builds', async () => {
    await vx.indexes.drop('h');
    await vx.indexes.create({
      name: 'cap',
      plugin: 'pgvector-hnsw',
      collections: ['pts'],
      params: { maxMaintenanceWorkMemMB: 1 },
    });
    await expect(vx.indexes.build('cap')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: { reason: 'build-does-not-fit' },
    });
    expect(await indexes()).toEqual([]);
    await vx.indexes.drop('cap');
    await vx.indexes.create({
      name: 'small',
      plugin: 'pgvector-hnsw',
      collections: ['pts'],
      params: { maintenanceWorkMemMB: 1 },
    });
    const status = await vx.indexes.build('small');
    const notices = status.stats?.buildNotices as string[];
    expect(notices[0]).toMatch(/needs about \d+ MB but maintenanceWorkMemMB is 1/);
    expect(notices.some((n) => /hnsw graph no longer fits into maintenance_work_mem/.test(n))).toBe(true);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}
