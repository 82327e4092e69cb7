import path from 'node:path';
import * as sqliteVec from 'sqlite-vec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPLICATION_ID, SCHEMA_VERSION, createSqliteVecBackend } from '../src/index.js';
import { SCHEMA_V1, createVecTableSql } from '../src/schema.js';
import { expectBitExact } from '@vecdex/core/testing';
import { makeTempDir, rawDb, removeDir } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = makeTempDir();
});
afterAll(() => removeDir(dir));

const TINY = new Float32Array([3e-30, 2e-30, 1.1e-30]);

/**
 * A store as version 1 of this package wrote it: the released v1 schema, one cosine collection
 * with three items (one deleted since, one too small for float32 cosine), written with the SQL v1 used.
 */
function writeVersion1Store(file: string): void {
  const db = rawDb(file);
  sqliteVec.load(db);
  db.pragma('journal_mode = WAL');
  db.exec(SCHEMA_V1);
  db.pragma('user_version = 1');
  db.pragma(`application_id = ${APPLICATION_ID}`);
  const cid = Number(
    db
      .prepare(
        'INSERT INTO vecdex_collections (name, dimensions, metric, model, default_index, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run('old', 3, 'cosine', null, null, 1).lastInsertRowid,
  );
  db.exec(createVecTableSql(cid, 3, 'cosine'));
  const insert = db.prepare('INSERT INTO vecdex_items (cid, id, content, metadata, modified) VALUES (?, ?, ?, ?, ?)');
  const insertVec = db.prepare(`INSERT INTO vecdex_vec_${cid} (rowid, embedding) VALUES (?, ?)`);
  const change = db.prepare('INSERT INTO vecdex_changes (cid, item_id, op, modified) VALUES (?, ?, ?, ?)');
  const a = BigInt(insert.run(cid, 'a', 'kept', '{"k":1}', 5).lastInsertRowid);
  insertVec.run(a, Buffer.from(new Float32Array([1, 2, 3]).buffer));
  change.run(cid, 'a', 'upsert', 5);
  // A vector sqlite-vec's float32 cosine cannot measure (its sum of squares underflows).
  const tiny = BigInt(insert.run(cid, 'tiny', null, null, 6).lastInsertRowid);
  insertVec.run(tiny, Buffer.from(TINY.buffer));
  change.run(cid, 'tiny', 'upsert', 6);
  change.run(cid, 'gone', 'delete', 6);
  db.close();
}

describe('schema migrations', () => {
  it('brings a version 1 store up to date, keeping its items, vectors and feed; new items carry contentHash', async () => {
    const file = path.join(dir, 'v1.db');
    writeVersion1Store(file);

    const b = await createSqliteVecBackend({ path: file });
    const [a] = await b.get('old', ['a']);
    expect(a).toMatchObject({ id: 'a', content: 'kept', metadata: { k: 1 }, contentHash: null, modified: 5 });
    expect(a?.vector).toEqual(new Float32Array([1, 2, 3]));
    const feed = await b.readChanges({ collections: ['old'], after: null, limit: 10 });
    expect(feed.changes.map((c) => `${c.id}:${c.op}`)).toEqual(['a:upsert', 'tiny:upsert', 'gone:delete']);
    expectBitExact((await b.get('old', ['tiny']))[0]?.vector, TINY, 'the tiny vector after migration');

    await b.upsert('old', [{ id: 'b', vector: new Float32Array([3, 2, 1]), content: null, metadata: null, contentHash: 'h-b' }]);
    const hits = await b.searchExact({ collections: ['old'], vector: new Float32Array([1, 2, 3]), k: 5, metric: 'cosine' });
    expect(hits.map((h) => h.id)).toEqual(['a', 'tiny', 'b']);
    // cos([1,2,3], [3,2,1.1]) in double precision; sqlite-vec alone gives NaN for the unscaled vector.
    expect(hits[1]?.distance).toBeCloseTo(1 - 10.3 / Math.sqrt(14 * 14.21), 5);
    expect((await b.get('old', ['b']))[0]?.contentHash).toBe('h-b');
    await b.close();

    const raw = rawDb(file);
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const columns = (raw.pragma('table_info(vecdex_items)') as { name: string }[]).map((c) => c.name);
    expect(columns).toContain('content_hash');
    raw.close();

    // Reopening a migrated store runs no migration again.
    const again = await createSqliteVecBackend({ path: file });
    expect((await again.get('old', ['a', 'b'], { vectors: false })).map((i) => i.contentHash)).toEqual([null, 'h-b']);
    await again.close();
  });

  it('refuses to open a version 1 store read-only, saying to open it once writable', async () => {
    const file = path.join(dir, 'v1-readonly.db');
    writeVersion1Store(file);
    await expect(createSqliteVecBackend({ path: file, readonly: true })).rejects.toMatchObject({
      code: 'NOT_SUPPORTED',
      message: expect.stringMatching(/older schema version 1.*open it once without readonly/),
    });
  });
});
