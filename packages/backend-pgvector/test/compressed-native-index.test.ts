/**
 * Compressed pgvector indexes (issue 15) on a real PostgreSQL: a 3,072-d collection (stored as
 * halfvec: pgvector's HNSW indexes at most 2,000 dimensions of vector) gets an HNSW index through
 * a truncated halfvec expression (`subvector(embedding, 1, 1024)::halfvec(1024)`) and a binary one through
 * `binary_quantize(embedding)::bit(3072)`; searches use the expression index (EXPLAIN says so)
 * and re-rank `k × oversample` candidates by the column's exact distance in an outer query.
 * Data: clustered, leading dimensions carrying most of the variance (as Matryoshka models).
 */
import { type Vecdex, distance, openVecdex } from '@vecdex/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgVectorBackend } from '../src/index.js';
import type { PgNativeAccess } from '../src/native-access.js';
import { indexExpression } from '../src/native-index/index-expression.js';
import { searchSql } from '../src/native-index/native-search.js';
import { dropSchema, pgUrl, rng, testSchema } from './native-index-fixtures.js';

const server = pgUrl();
const URL = 'url' in server ? server.url : '';
const N = 600;
const DIM = 3072;
const K = 10;
const schema = testSchema('compressed');

function data(): { items: Float32Array[]; queries: Float32Array[] } {
  const r = rng(31);
  const scale = (d: number) => (d < 256 ? 3 : d < 1024 ? 1 : 0.3);
  const centres = Array.from({ length: 12 }, () => Float32Array.from({ length: DIM }, (_, d) => r.normal() * scale(d)));
  const point = () => {
    const c = centres[Math.floor(r.uniform() * centres.length)] as Float32Array;
    return Float32Array.from(c, (x, d) => x + 0.5 * r.normal() * scale(d));
  };
  return { items: Array.from({ length: N }, point), queries: Array.from({ length: 20 }, point) };
}

describe.skipIf('skip' in server)('compressed pgvector indexes: expression indexes with a re-rank subquery', () => {
  let vx: Vecdex;
  let sql: pg.Client;
  const { items, queries } = data();

  beforeAll(async () => {
    sql = new pg.Client({ connectionString: URL });
    await sql.connect();
    const backend = await createPgVectorBackend({ connectionString: URL, schema });
    vx = await openVecdex({ config: { backend: { use: 'pgvector' }, plugins: [] }, backend, env: {} });
    await vx.collections.create({ name: 'big', dimensions: DIM, metric: 'cosine' });
    await vx.collection('big').upsert(items.map((vector, i) => ({ id: `i${i}`, vector })));
  }, 120_000);

  afterAll(async () => {
    await vx?.close();
    await sql?.end();
    if (URL !== '') await dropSchema(URL, schema);
  });

  async function recallOf(index: string): Promise<number> {
    let hit = 0;
    for (const q of queries) {
      const { hits } = await vx.indexes.search(index, q, { k: K });
      expect(hits).toHaveLength(K);
      const truth = new Set(
        items
          .map((v, i) => ({ id: `i${i}`, d: distance('cosine', q, v) }))
          .sort((a, b) => a.d - b.d)
          .slice(0, K)
          .map((x) => x.id),
      );
      for (const h of hits) {
        if (truth.has(h.id)) hit++;
        // Re-ranked by the column's distance (the stored halfvec vectors).
        expect(Math.abs(h.distance - distance('cosine', q, items[Number(h.id.slice(1))] as Float32Array))).toBeLessThan(2e-3); // the column is halfvec
      }
    }
    return hit / (queries.length * K);
  }

  it('a 3,072-d collection (a halfvec column): a truncated halfvec expression gets an HNSW index a third the size, and it is used', async () => {
    await vx.indexes.create({ name: 'plain', plugin: 'pgvector-hnsw', collections: ['big'] });
    await vx.indexes.build('plain');
    const plainBytes = (await vx.indexes.status('plain')).bytesOnDisk as number;
    await vx.indexes.drop('plain');

    await vx.indexes.create({
      name: 'trunc',
      plugin: 'pgvector-hnsw',
      collections: ['big'],
      precision: 'float16',
      reduce: { method: 'truncate', dimensions: 1024 },
      rescore: { oversample: 4 },
    });
    await vx.indexes.build('trunc');
    const status = await vx.indexes.status('trunc');
    expect(status.stats).toMatchObject({
      expression: 'subvector(1..1024)::halfvec(1024)',
      opclass: 'halfvec_cosine_ops',
      indexedDimensions: 1024,
    });
    const name = status.stats?.indexName as string;
    const def = (
      await sql.query('SELECT pg_get_indexdef(indexrelid) AS d FROM pg_stat_user_indexes WHERE indexrelname = $1', [name])
    ).rows[0].d;
    expect(def).toMatch(/USING hnsw \(\(\(.*subvector\(embedding, 1, 1024\)\)::.*halfvec\(1024\)\) .*halfvec_cosine_ops\)/);
    // The plan: the expression index feeds the inner query, the outer one re-ranks exactly.
    const access = vx.backend as unknown as PgNativeAccess;
    const table = await access.collectionTable('big');
    const ext = (
      await sql.query(
        `SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE extname = 'vector'`,
      )
    ).rows[0].nspname as string;
    const spec = (await vx.indexes.get('trunc')).params.compression as never;
    const q = searchSql({
      access,
      table,
      collection: 'big',
      method: 'hnsw',
      ext: `"${ext}"`,
      metric: 'cosine',
      setting: 40,
      query: queries[0] as Float32Array,
      options: { k: K },
      expression: indexExpression(spec, table.vectorType, DIM, 'cosine', `"${ext}"`),
    });
    await sql.query(q.begin);
    // 600 rows: the planner's cost model prefers a sequential scan here; with it off the plan
    // shows the expression index matches the query's ORDER BY (larger tables choose it by cost).
    await sql.query('SET LOCAL enable_seqscan = off');
    const plan = (await sql.query(`EXPLAIN ${q.sql}`, q.params)).rows.map((r) => r['QUERY PLAN']).join('\n');
    await sql.query('COMMIT');
    expect(plan).toContain(`Index Scan using ${name}`);
    expect(plan).toMatch(/Order By: \(\(subvector\(embedding, 1, 1024\)\)::halfvec\(1024\) <=>/);
    expect(plan).toMatch(/Sort Key: \(\(c\.v <=>/); // the outer re-rank
    expect(await recallOf('trunc')).toBeGreaterThanOrEqual(0.95);
    // vecdex's own plan says which index answered and how it was compressed.
    const { plan: vplan } = await vx.collection('big').search(queries[0] as Float32Array, { k: K, index: 'trunc' });
    expect(vplan).toMatchObject({ strategy: 'index', index: 'trunc' });
    expect(vplan.reason).toContain('compressed: truncate 3072→1024, float16 codes, rescored from k × 4 candidates');
    expect(status.bytesOnDisk as number).toBeLessThan(plainBytes * 0.5);
    await vx.indexes.drop('trunc');
  }, 120_000);

  it('binary: binary_quantize(embedding)::bit(3072) with bit_hamming_ops, re-ranked', async () => {
    await vx.indexes.create({
      name: 'bits',
      plugin: 'pgvector-hnsw',
      collections: ['big'],
      precision: 'binary',
      rescore: { oversample: 10 },
    });
    await vx.indexes.build('bits');
    expect((await vx.indexes.status('bits')).stats).toMatchObject({
      expression: 'binary_quantize::bit(3072)',
      opclass: 'bit_hamming_ops',
    });
    expect(await recallOf('bits')).toBeGreaterThanOrEqual(0.9);
    await vx.indexes.drop('bits');
  }, 120_000);

  it('refuses PCA and int8 at creation, naming the plugin and what it does', async () => {
    const pca = await vx.indexes
      .create({ name: 'p', plugin: 'pgvector-hnsw', collections: ['big'], reduce: { method: 'pca', dimensions: 128 } })
      .catch((e: unknown) => e);
    expect((pca as Error).message).toMatch(/index plugin pgvector-hnsw: it indexes SQL expressions .* not PCA/);
    const i8 = await vx.indexes
      .create({ name: 'q', plugin: 'pgvector-hnsw', collections: ['big'], precision: 'int8' })
      .catch((e: unknown) => e);
    expect((i8 as Error).message).toMatch(/pgvector-hnsw cannot store int8 vectors; it supports: float32, float16, binary/);
    expect(await vx.indexes.list()).toEqual([]);
  });
});
