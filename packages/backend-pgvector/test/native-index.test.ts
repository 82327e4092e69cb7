/**
 * pgvector's own HNSW and IVFFlat indexes through core's index API, against a real PostgreSQL
 * with pgvector (VECDEX_TEST_PG_URL; see native-index-fixtures.ts for the skip rule).
 *
 * The collection is 23,100 clustered points in 11 clusters of 2,100; a filter on `shard` (the
 * same split, 1 in 11 items, ≈ 9 %: above core's exact-subset threshold of 500 matching items
 * and below its oversampling cut-off of 10 %) is answered inside the index search, in SQL, and
 * mostly from clusters far from the query.
 */
import { isVecdexError, openVecdex, type Vecdex } from '@vecdex/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgVectorBackend } from '../src/index.js';
import type { PgNativeAccess } from '../src/native-access.js';
import { searchSql } from '../src/native-index/native-search.js';
import { clustered, dropSchema, pgUrl, recall, testSchema } from './native-index-fixtures.js';

const server = pgUrl();
const URL = 'url' in server ? server.url : '';
if ('skip' in server) console.warn(server.skip);

const N = 23_100;
const DIM = 24;
const CLUSTERS = 11;
const Q = 40;
const data = clustered(N, DIM, CLUSTERS, Q);
/** Items with `shard: 3` (i % 11 === 3, which is cluster 3): ≈ 9 % of the collection. */
const SHARD = 3;

const schema = testSchema('main');

async function open(): Promise<Vecdex> {
  const backend = await createPgVectorBackend({ connectionString: URL, schema });
  return openVecdex({ config: { backend: { use: 'pgvector' }, plugins: [] }, backend, env: {} });
}

const access = (vx: Vecdex) => vx.backend as unknown as PgNativeAccess;

describe.skipIf('skip' in server)('pgvector native indexes (pgvector-hnsw, pgvector-ivfflat)', () => {
  let vx: Vecdex;
  let sql: pg.Client;

  beforeAll(async () => {
    sql = new pg.Client({ connectionString: URL });
    await sql.connect();
    vx = await open();
    await vx.collections.create({ name: 'pts', dimensions: DIM, metric: 'l2' });
    await vx.collections.create({ name: 'other', dimensions: DIM, metric: 'l2' });
    const c = vx.collection('pts');
    for (let s = 0; s < N; s += 5000) {
      const items = [];
      for (let i = s; i < Math.min(N, s + 5000); i++) {
        items.push({
          id: `p${i}`,
          vector: data.vectors[i] as Float32Array,
          metadata: { cluster: data.clusters[i] as number, shard: i % 11 },
        });
      }
      await c.upsert(items);
    }
  }, 120_000);

  afterAll(async () => {
    await vx?.close();
    await sql?.end();
    if (URL !== '') await dropSchema(URL, schema);
  });

  async function recallOver(opts: { params?: Record<string, number>; filter?: Record<string, unknown> }): Promise<number> {
    const c = vx.collection('pts');
    let sum = 0;
    for (const q of data.queries) {
      const truth = await c.similar(q, { k: 10, exact: true, include: {}, ...(opts.filter ? { filter: opts.filter } : {}) });
      const { hits, plan } = await c.search(q, { k: 10, include: {}, ...opts });
      expect(plan.strategy).toBe('index');
      sum += recall(hits, truth);
    }
    return sum / data.queries.length;
  }

  it('refuses bad parameters and definitions over several collections, with what to do', async () => {
    const bad: { plugin: string; params: { [key: string]: number } }[] = [
      { plugin: 'pgvector-hnsw', params: { M: 16 } },
      { plugin: 'pgvector-hnsw', params: { m: 1 } },
      { plugin: 'pgvector-ivfflat', params: { lists: 0 } },
      { plugin: 'pgvector-ivfflat', params: { efSearch: 10 } },
    ];
    for (const b of bad) {
      const err = await vx.indexes.create({ name: 'bad', collections: ['pts'], ...b }).catch((e: unknown) => e);
      expect(isVecdexError(err, 'INVALID_ARGUMENT'), String(err)).toBe(true);
    }
    const multi = await vx.indexes
      .create({ name: 'multi', plugin: 'pgvector-hnsw', collections: ['pts', 'other'] })
      .catch((e: unknown) => e);
    expect(isVecdexError(multi, 'INVALID_ARGUMENT')).toBe(true);
    expect((multi as Error).message).toMatch(/one index per collection/);
    expect(await vx.indexes.list()).toEqual([]);
  });

  it('builds an HNSW index that PostgreSQL uses, with recall@10 ≥ 0.9 against exact search', async () => {
    await vx.indexes.create({
      name: 'pts-hnsw',
      plugin: 'pgvector-hnsw',
      collections: ['pts'],
      params: { m: 16, efConstruction: 64 },
      default: true,
    });
    const progress: number[] = [];
    const status = await vx.indexes.build('pts-hnsw', { onProgress: (e) => progress.push(e.done) });
    expect(status.built).toBe(true);
    expect(status.items).toBe(N);
    expect(status.bytesOnDisk ?? 0).toBeGreaterThan(N * DIM * 4); // the graph holds every vector
    expect(progress.at(-1)).toBe(N);
    const name = status.stats?.indexName as string;
    expect(name).toMatch(/^vecdex_idx_\d+_[0-9a-f]{10}$/);
    const row = await sql.query('SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = $2', [schema, name]);
    expect(row.rows[0]?.indexdef).toMatch(/USING hnsw \(embedding (\S+\.)?vector_l2_ops\) WITH \(m='16', ef_construction='64'\)/);

    // pgvector's HNSW build is not deterministic (random levels, parallel workers), so these
    // bounds keep a margin below what was measured over repeated builds of this set (m 16,
    // ef_construction 64): recall@10 at ef_search 40 0.9325–1 (80 builds, mean 0.988), at 200
    // 0.9275–1 (125 builds, mean 0.990), at 10 0.8225–0.9175; the low values come from an
    // occasional poorer graph, on which every ef_search does worse. A broken scan lands far lower.
    const r40 = await recallOver({});
    expect(r40).toBeGreaterThanOrEqual(0.9);
    const r10 = await recallOver({ params: { efSearch: 10 } });
    const r200 = await recallOver({ params: { efSearch: 200 } });
    expect(r200).toBeGreaterThanOrEqual(r10);
    expect(r200).toBeGreaterThanOrEqual(0.9);
  }, 120_000);

  it('runs its queries as index scans (EXPLAIN, and pg_stat_user_indexes counts them)', async () => {
    const status = await vx.indexes.status('pts-hnsw');
    const name = status.stats?.indexName as string;
    const table = await access(vx).collectionTable('pts');
    const ext = (
      await sql.query(
        `SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE extname = 'vector'`,
      )
    ).rows[0].nspname as string;
    for (const where of [
      undefined,
      { collection: 'pts', filter: { op: 'eq' as const, path: ['shard'], value: SHARD }, exclude: ['p1'] },
    ]) {
      const q = searchSql({
        access: access(vx),
        table,
        collection: 'pts',
        method: 'hnsw',
        ext: `"${ext}"`,
        metric: 'l2',
        setting: 40,
        query: data.queries[0] as Float32Array,
        options: { k: 10, ...(where ? { where } : {}) },
      });
      await sql.query(q.begin);
      const plan = await sql.query(`EXPLAIN ${q.sql}`, q.params);
      await sql.query('COMMIT');
      const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(text).toContain(`Index Scan using ${name}`);
    }
    const scans = async () =>
      Number(
        (await sql.query('SELECT idx_scan FROM pg_stat_user_indexes WHERE schemaname = $1 AND indexrelname = $2', [schema, name]))
          .rows[0].idx_scan,
      );
    const before = await scans();
    for (let i = 0; i < 5; i++) await vx.collection('pts').similar(data.queries[i] as Float32Array, { k: 10 });
    // Other backends flush their statistics when idle, within about 10 s (PostgreSQL 15).
    let after = before;
    for (let t = 0; t < 60 && after < before + 5; t++) {
      await new Promise((r) => setTimeout(r, 250));
      await sql.query('SELECT pg_stat_clear_snapshot()');
      after = await scans();
    }
    expect(after).toBeGreaterThanOrEqual(before + 5);
  }, 30_000);

  it('answers filtered queries in SQL with iterative scans: k hits when k match, all matching', async () => {
    const c = vx.collection('pts');
    const filter = { shard: SHARD };
    expect(await c.count(filter)).toBeGreaterThan(2000);
    // A query far from the filtered cluster: a plain scan of ef_search 40 candidates would find none.
    let far = 0;
    for (let i = 0; i < Q; i++) {
      const q = data.queries[i] as Float32Array;
      const { hits, plan } = await c.search(q, { k: 10, filter, include: { metadata: true } });
      expect(plan.strategy).toBe('index');
      expect(plan.reason).toMatch(/inside the index search/);
      expect(hits).toHaveLength(10);
      for (const h of hits) expect(h.metadata?.shard).toBe(SHARD);
      const d = hits.map((h) => h.distance);
      expect(d).toEqual([...d].sort((a, b) => a - b));
      if (data.queryClusters[i] !== SHARD) far++;
    }
    expect(far).toBeGreaterThan(0);
    // 10 of 11 queries come from other clusters: the scan reaches the filtered cluster through few
    // links and returns rows in relaxed order, so recall is lower than unfiltered and varies more
    // from build to build (the build is not deterministic), with a rare poor graph far below the
    // rest. Measured: at ef_search 100 over 80 builds 0.695–0.9975 (mean 0.972; next lowest 0.87),
    // so the former bound of 0.8 failed about 1 build in 80; at ef_search 200 over 85 builds
    // 0.5925–1 (mean 0.979; next lowest 0.8575). The bound sits below that tail: it still catches
    // a filter applied outside the index scan (post-filtering 10 rows gives about 0.1).
    expect(await recallOver({ filter, params: { efSearch: 200 } })).toBeGreaterThanOrEqual(0.5);
    // Searching by id leaves the item itself out (exclude, in SQL).
    const self = await c.search('p3', { k: 10, filter });
    expect(self.plan.strategy).toBe('index');
    expect(self.hits).toHaveLength(10);
    expect(self.hits.map((h) => h.id)).not.toContain('p3');
    // A broad filter (≈ 45 %) goes through core's oversampling path: still never the item itself.
    const broad = await c.search('p3', { k: 10, filter: { shard: { $lt: 5 } } });
    expect(broad.hits).toHaveLength(10);
    expect(broad.hits.map((h) => h.id)).not.toContain('p3');
  });

  it('falls back to exact search, and says so, for a query in another metric', async () => {
    const c = vx.collection('pts');
    const q = data.queries[1] as Float32Array;
    const { hits, plan } = await c.search(q, { k: 10, metric: 'cosine', include: {} });
    expect(plan.strategy).toBe('index-fallback-exact');
    expect(plan.reason).toMatch(/ranks by l2.*asks for cosine/);
    const truth = await c.similar(q, { k: 10, metric: 'cosine', exact: true, include: {} });
    expect(hits.map((h) => h.id)).toEqual(truth.map((h) => h.id));
    expect(plan.reason).not.toBe((await c.search(q, { k: 10, include: {} })).plan.reason);
  });

  it('follows writes at once: PostgreSQL maintains the index, apply has nothing to do', async () => {
    const c = vx.collection('pts');
    const q = data.queries[2] as Float32Array;
    await c.upsert([{ id: 'fresh', vector: q, metadata: { cluster: -1, shard: -1 } }]);
    // stale: 'error' refuses an index with pending changes; the plugin declares
    // maintainedByStore, so core does not count (or sync) before the search.
    const { hits, plan } = await c.search(q, { k: 3, stale: 'error' });
    expect(plan.strategy).toBe('index');
    expect(plan.pending).toBe(0);
    expect(hits[0]?.id).toBe('fresh');
    expect(hits[0]?.distance).toBeCloseTo(0, 5);
    await c.delete('fresh');
    const after = await c.search(q, { k: 3, stale: 'error' });
    expect(after.hits.map((h) => h.id)).not.toContain('fresh');
    expect((await vx.indexes.status('pts-hnsw')).pendingChanges).toBe(0);
    // No assertion on lastRebuild here: the feed's head waits for transactions
    // older than a write (another suite's, autovacuum's) to end, and core may then count the
    // whole collection as pending and rebuild; the answers above never depended on it.
    const status = await vx.indexes.status('pts-hnsw');
    expect(status.built).toBe(true);
    // items is the row count at the last save; the feed may hold the delete back for a moment
    // while an older transaction (autovacuum's ANALYZE) is open, so it is N or N + 1 here.
    expect([N, N + 1]).toContain(status.items);
  });

  it('refuses a second native index on the same collection, naming the first', async () => {
    await vx.indexes.create({ name: 'pts-ivf', plugin: 'pgvector-ivfflat', collections: ['pts'] });
    const err = await vx.indexes.build('pts-ivf').catch((e: unknown) => e);
    expect(isVecdexError(err, 'INVALID_ARGUMENT'), String(err)).toBe(true);
    expect((err as Error).message).toMatch(/index "pts-hnsw" \(pgvector-hnsw\).*drop that one first/);
  });

  it('is found again by a new backend instance, and rebuilt when its SQL index vanished', async () => {
    const name = (await vx.indexes.status('pts-hnsw')).stats?.indexName as string;
    await vx.close();
    vx = await open();
    const reopened = await vx.indexes.status('pts-hnsw');
    expect(reopened.built).toBe(true);
    expect(reopened.lastRebuild).toBeNull();
    expect((await vx.collection('pts').search(data.queries[0] as Float32Array, { k: 10 })).plan.strategy).toBe('index');

    await vx.close();
    await sql.query(`DROP INDEX ${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(name)}`);
    vx = await open();
    const rebuilt = await vx.indexes.status('pts-hnsw');
    expect(rebuilt.lastRebuild).toMatch(/no longer exists/);
    const exists = await sql.query('SELECT 1 FROM pg_indexes WHERE schemaname = $1 AND indexname = $2', [schema, name]);
    expect(exists.rowCount).toBe(1);
  }, 60_000);

  it('drops the SQL index with the definition; queries go back to exact search', async () => {
    const name = (await vx.indexes.status('pts-hnsw')).stats?.indexName as string;
    expect(await vx.indexes.drop('pts-hnsw')).toBe(true);
    const left = await sql.query('SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE $2', [
      schema,
      `${name}%`,
    ]);
    expect(left.rowCount).toBe(0);
    expect((await vx.collections.get('pts'))?.defaultIndex).toBeNull();
    expect((await vx.collection('pts').search(data.queries[0] as Float32Array, { k: 10 })).plan.strategy).toBe('exact');
  });

  it('syncs after many writes without rebuilding: PostgreSQL indexed them as they were written', async () => {
    const c = vx.collection('other');
    const item = (i: number) => ({ id: `o${i}`, vector: data.vectors[i] as Float32Array });
    await c.upsert(Array.from({ length: 20 }, (_, i) => item(i)));
    await vx.indexes.create({ name: 'other-hnsw', plugin: 'pgvector-hnsw', collections: ['other'] });
    await vx.indexes.build('other-hnsw');
    // 1,500 pending changes over 20 indexed items: a plugin that applies changes would rebuild.
    await c.upsert(Array.from({ length: 1500 }, (_, i) => item(i + 20)));
    const synced = await vx.indexes.sync('other-hnsw');
    expect(synced).toEqual({ applied: 0, rebuilt: null });
    const status = await vx.indexes.status('other-hnsw');
    expect(status.lastRebuild).toBeNull();
    expect(status.pendingChanges).toBe(0);
    const q = data.vectors[700] as Float32Array;
    const { hits, plan } = await c.search(q, { k: 1, index: 'other-hnsw', stale: 'error' });
    expect(plan.strategy).toBe('index');
    expect(hits[0]?.id).toBe('o700');
    // A native index never reads the feed, so it does not hold back tombstone pruning.
    await c.delete(['o1', 'o2', 'o3']);
    const deadline = Date.now() + 10_000;
    let left = 3;
    while (left > 0 && Date.now() < deadline) {
      await vx.pruneTombstones();
      left = (await c.changes(null, { vectors: false, limit: 5000 })).changes.filter((x) => x.op === 'delete').length;
      if (left > 0) await new Promise((r) => setTimeout(r, 100)); // an older transaction (autovacuum) holds the horizon
    }
    expect(left).toBe(0);
    expect(await vx.indexes.drop('other-hnsw')).toBe(true);
  });

  it('builds IVFFlat sized from the row count, probes per query', async () => {
    const status = await vx.indexes.build('pts-ivf');
    expect(status.stats?.lists).toBe(23); // 23,100 rows / 1000
    expect(status.stats?.probes).toBe(5); // ceil(sqrt(23))
    const c = vx.collection('pts');
    let low = 0;
    let high = 0;
    for (const q of data.queries) {
      const truth = await c.similar(q, { k: 10, exact: true, include: {} });
      const a = await c.search(q, { k: 10, index: 'pts-ivf', include: {}, params: { probes: 1 } });
      const b = await c.search(q, { k: 10, index: 'pts-ivf', include: {}, params: { probes: 8 } });
      expect(b.plan.strategy).toBe('index');
      low += recall(a.hits, truth);
      high += recall(b.hits, truth);
    }
    expect(high / Q).toBeGreaterThanOrEqual(0.9);
    expect(high).toBeGreaterThanOrEqual(low);
    const err = await c
      .search(data.queries[0] as Float32Array, { index: 'pts-ivf', params: { efSearch: 10 } })
      .catch((e: unknown) => e);
    expect(isVecdexError(err, 'INVALID_ARGUMENT')).toBe(true);
    expect(await vx.indexes.drop('pts-ivf')).toBe(true);
    const none = await sql.query(`SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE 'vecdex_idx_%'`, [
      schema,
    ]);
    expect(none.rowCount).toBe(0);
  }, 60_000);
});
