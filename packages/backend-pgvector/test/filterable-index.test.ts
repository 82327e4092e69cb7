import pg from 'pg';
import { parseFilter, type Filter } from '@vecdex/core';
import { afterAll, describe, expect, it } from 'vitest';
import { compileFilter, createPgVectorBackend } from '../src/index.js';
import { fieldIndexName } from '../src/filterable-index.js';
import { NO_PG, dropSchema, freshSchema, pgUrl } from './pg-env.js';

describe.skipIf(NO_PG)('filterable fields on PostgreSQL (needs VECDEX_TEST_PG_URL)', () => {
  const schemas: string[] = [];
  afterAll(async () => {
    for (const s of schemas) await dropSchema(s);
  });

  it('builds a btree per declared field that the filter compiler hits, and drops it again', async () => {
    const schema = freshSchema('filterable');
    schemas.push(schema);
    const b = await createPgVectorBackend({ connectionString: pgUrl(), schema });
    const client = new pg.Client({ connectionString: pgUrl() });
    await client.connect();
    try {
      await b.createCollection({ name: 'c', dimensions: 2, metric: 'l2', model: null });
      await b.upsert(
        'c',
        Array.from({ length: 300 }, (_, n) => ({
          id: `i${n}`,
          vector: new Float32Array([n, 1]),
          content: null,
          metadata: { g: n % 30, a: { b: `s${n % 7}` } },
        })),
      );
      await b.updateCollection('c', { filterable: ['g', 'a.b'] });
      const table = `"${schema}".items_1`;
      const indexes = async () =>
        (
          await client.query<{ indexname: string }>('SELECT indexname FROM pg_indexes WHERE schemaname = $1 ORDER BY 1', [schema])
        ).rows
          .map((r) => r.indexname)
          .filter((n) => n.includes('_f_'));
      expect(await indexes()).toEqual([fieldIndexName(1, 'a.b'), fieldIndexName(1, 'g')].sort());
      const plan = async (filter: Filter, filterable: string[]) => {
        const params: unknown[] = [];
        const where = compileFilter(parseFilter(filter), params, 'metadata', filterable);
        await client.query('BEGIN');
        await client.query('SET LOCAL enable_seqscan = off'); // a 300-row table is otherwise read whole
        const rows = (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN SELECT id FROM ${table} WHERE ${where}`, params))
          .rows;
        await client.query('ROLLBACK');
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      };
      for (const f of [
        { g: 3 },
        { g: { $gte: 2, $lt: 4 } },
        { g: { $in: [1, 2] } },
        { g: { $exists: false } },
        { 'a.b': 's3', other: 1 },
      ]) {
        const name = 'a.b' in f ? fieldIndexName(1, 'a.b') : fieldIndexName(1, 'g');
        expect(await plan(f, ['g', 'a.b']), JSON.stringify(f)).toContain(name);
        // Undeclared, the conditions are wrapped in COALESCE (no index matches them); `IS NULL`
        // needs none, and PostgreSQL's custom plans fold the bound path, so it may match anyway.
        if (!('g' in f && typeof f.g === 'object' && '$exists' in f.g)) {
          expect(await plan(f, []), `${JSON.stringify(f)} undeclared`).not.toContain('_f_');
        }
      }
      expect(await plan({ $not: { g: 3 } }, ['g'])).not.toContain('_f_');
      expect(await b.count('c', parseFilter({ g: { $gte: 2, $lt: 4 } }))).toBe(20);
      expect((await b.matchingIds('c', parseFilter({ g: 4 }))).sort()).toEqual([
        'i124',
        'i154',
        'i184',
        'i214',
        'i244',
        'i274',
        'i34',
        'i4',
        'i64',
        'i94',
      ]);
      await b.updateCollection('c', { filterable: ['a.b'] });
      expect(await indexes()).toEqual([fieldIndexName(1, 'a.b')]);
      await expect(b.updateCollection('c', { filterable: ["g' || pg_sleep(1) || '"] })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
      expect((await b.getCollection('c'))?.filterable).toEqual(['a.b']);
    } finally {
      await client.end();
      await b.close();
    }
  });
});
