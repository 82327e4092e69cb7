import path from 'node:path';
import * as sqliteVec from 'sqlite-vec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE_QUERIES } from '@vecdex/core/testing';
import { APPLICATION_ID, createSqliteVecBackend } from '../src/index.js';
import { toMatchQuery } from '../src/full-text.js';
import { SCHEMA_V1, createVecTableSql } from '../src/schema.js';
import { makeTempDir, rawDb, removeDir } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = makeTempDir();
});
afterAll(() => removeDir(dir));

describe('toMatchQuery', () => {
  it('quotes every word and ORs them, so operators and columns are plain words', () => {
    expect(toMatchQuery('foo AND "bar"*')).toBe('"foo" OR "and" OR "bar"');
    expect(toMatchQuery('content:apple NEAR(a b)')).toBe('"content" OR "apple" OR "near" OR "a" OR "b"');
    expect(toMatchQuery('Über café')).toBe('"über" OR "café"');
    expect(toMatchQuery('a a A')).toBe('"a"');
    expect(toMatchQuery('*** "" ()')).toBeNull();
    expect(toMatchQuery(Array.from({ length: 100 }, (_, i) => `w${i}`).join(' '))?.split(' OR ')).toHaveLength(64);
  });

  it('produces queries FTS5 accepts for every hostile input', () => {
    const db = rawDb(':memory:');
    db.exec("CREATE VIRTUAL TABLE f USING fts5(content, content='', contentless_delete=1)");
    db.prepare('INSERT INTO f (rowid, content) VALUES (1, ?)').run('apple and content near');
    for (const q of HOSTILE_QUERIES) {
      const m = toMatchQuery(q);
      if (m !== null) expect(() => db.prepare('SELECT rowid FROM f WHERE f MATCH ?').all(m), q).not.toThrow();
    }
    db.close();
  });
});

describe('full-text migration', () => {
  it('gives a version 1 store an FTS5 table per collection, filled from existing content', async () => {
    const file = path.join(dir, 'v1.db');
    const db = rawDb(file);
    sqliteVec.load(db);
    db.exec(SCHEMA_V1);
    db.pragma('user_version = 1');
    db.pragma(`application_id = ${APPLICATION_ID}`);
    const insertCollection = db.prepare(
      'INSERT INTO vecdex_collections (name, dimensions, metric, model, default_index, created_at) VALUES (?, 2, ?, NULL, NULL, 1)',
    );
    const insert = db.prepare('INSERT INTO vecdex_items (cid, id, content, metadata, modified) VALUES (?, ?, ?, ?, 1)');
    for (const name of ['one', 'two']) {
      const cid = Number(insertCollection.run(name, 'l2').lastInsertRowid);
      db.exec(createVecTableSql(cid, 2, 'l2'));
      const vec = db.prepare(`INSERT INTO vecdex_vec_${cid} (rowid, embedding) VALUES (?, ?)`);
      for (const [id, content] of [
        ['a', `old ${name} text about otters`],
        ['b', null],
        ['c', 'nothing relevant'],
      ] as const) {
        const rowid = BigInt(insert.run(cid, id, content, null).lastInsertRowid);
        vec.run(rowid, Buffer.from(new Float32Array([1, 2]).buffer));
      }
    }
    db.close();

    const b = await createSqliteVecBackend({ path: file });
    const search = (collections: string[], query: string) =>
      b.searchKeyword({ collections, query, k: 10 }).then((hits) => hits.map((h) => `${h.collection}/${h.id}`).sort());
    expect(await search(['one', 'two'], 'otters')).toEqual(['one/a', 'two/a']);
    expect(await search(['two'], 'two')).toEqual(['two/a']);
    // The migrated tables follow writes like new ones.
    await b.upsert('one', [{ id: 'c', vector: new Float32Array([0, 1]), content: 'otters again', metadata: null }]);
    await b.delete('two', ['a']);
    expect(await search(['one', 'two'], 'otters')).toEqual(['one/a', 'one/c']);
    await b.close();
  });
});
