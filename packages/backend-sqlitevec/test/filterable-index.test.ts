import path from 'node:path';
import { parseFilter, type Filter } from '@vecdex/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFilter, createSqliteVecBackend } from '../src/index.js';
import { makeTempDir, rawDb, removeDir } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = makeTempDir();
});
afterAll(() => removeDir(dir));

/** SQLite's plan for a select of `column` under `filter`, with `filterable` declared to the compiler. */
function plan(file: string, filter: Filter, filterable: string[], column = 'id'): string {
  const db = rawDb(file);
  try {
    const f = compileFilter(parseFilter(filter), 'metadata', filterable);
    const rows = db
      .prepare(`EXPLAIN QUERY PLAN SELECT ${column} FROM vecdex_items WHERE cid = ? AND ${f.sql}`)
      .all(1, ...f.params) as {
      detail: string;
    }[];
    return rows.map((r) => r.detail).join(' | ');
  } finally {
    db.close();
  }
}

describe('filterable fields on SQLite', () => {
  it('builds a partial expression index per declared field, which the filter compiler hits, and drops it again', async () => {
    const file = path.join(dir, 'plan.db');
    const b = await createSqliteVecBackend({ path: file });
    await b.createCollection({ name: 'c', dimensions: 2, metric: 'l2', model: null });
    await b.upsert(
      'c',
      Array.from({ length: 50 }, (_, n) => ({
        id: `i${n}`,
        vector: new Float32Array([n, 1]),
        content: null,
        metadata: { g: n % 5, 'a-b': { c: `s${n}` } },
      })),
    );
    await b.updateCollection('c', { filterable: ['g', 'a-b.c'] });
    const g = `vecdex_field_1_${Buffer.from('g').toString('hex')}`;
    const nested = `vecdex_field_1_${Buffer.from('a-b.c').toString('hex')}`;
    const indexes = () => {
      const db = rawDb(file);
      const names = (
        db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'vecdex_field_%'").pluck().all() as string[]
      ).sort();
      db.close();
      return names;
    };
    expect(indexes()).toEqual([g, nested].sort());
    for (const f of [
      { g: 3 },
      { g: { $gte: 2, $lt: 4 } },
      { g: { $in: [1, 2] } },
      { g: { $exists: false } },
      { g: 2, other: 'x' },
    ]) {
      expect(plan(file, f, ['g', 'a-b.c']), JSON.stringify(f)).toContain(`INDEX ${g} (cid=? AND <expr>`);
      // The rowids a filtered exact search gathers come from the index alone, no table row read.
      if (!('other' in f)) expect(plan(file, f, ['g', 'a-b.c'], 'rowid'), JSON.stringify(f)).toContain(`COVERING INDEX ${g}`);
      // Undeclared, SQLite may still walk an index for `cid = ?` alone, never by value.
      expect(plan(file, f, []), `${JSON.stringify(f)} undeclared`).not.toContain('<expr>');
    }
    expect(plan(file, { 'a-b.c': { $gt: 's3' } }, ['g', 'a-b.c'])).toContain(`INDEX ${nested} (cid=? AND <expr>`);
    // Under a $not the general (IFNULL) form is kept: it is the NULL-safe one.
    expect(plan(file, { $not: { g: 3 } }, ['g'])).not.toContain('<expr>');
    expect(await b.count('c', parseFilter({ g: { $gte: 2, $lt: 4 } }))).toBe(20);
    expect((await b.matchingIds('c', parseFilter({ g: 4 }))).sort()).toEqual([
      'i14',
      'i19',
      'i24',
      'i29',
      'i34',
      'i39',
      'i4',
      'i44',
      'i49',
      'i9',
    ]);
    await b.updateCollection('c', { filterable: ['a-b.c'] });
    expect(indexes()).toEqual([nested]);
    await b.deleteCollection('c');
    expect(indexes()).toEqual([]);
    await b.close();
  });

  it('refuses a field name that could not be spelled safely in DDL, before touching the store', async () => {
    const b = await createSqliteVecBackend({ path: path.join(dir, 'bad.db') });
    await b.createCollection({ name: 'c', dimensions: 2, metric: 'l2', model: null });
    await expect(b.updateCollection('c', { filterable: ["g'); DROP TABLE vecdex_items; --"] })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect((await b.getCollection('c'))?.filterable).toBeUndefined();
    await b.close();
  });
});
